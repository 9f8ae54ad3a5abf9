#!/bin/sh
# Creates the secrets deploy/compose.yaml mounts, once, under deploy/secrets/
# (ignored by git): the passwords of the database's owner (rkc) and of the
# API's own login (rkc_app, README "Database roles"), a URL for each, and
# the master key file. It never overwrites: losing the master key makes
# every case unreadable, so back the folder up apart from the database.
set -eu
dir="${RKC_SECRETS_DIR:-$(cd "$(dirname "$0")" && pwd)/secrets}"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

for pw in db_password app_db_password; do
	if [ ! -e "$dir/$pw" ]; then
		# URL-safe, so it can sit in the URL unescaped.
		head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$dir/$pw"
		echo "created $dir/$pw"
	fi
done
# A folder from before the two logins has the owner's URL as database_url:
# it becomes database_owner_url, and database_url the API's own login.
if [ -e "$dir/database_url" ] && [ ! -e "$dir/database_owner_url" ] && grep -q '^postgres://rkc:' "$dir/database_url"; then
	mv "$dir/database_url" "$dir/database_owner_url"
	echo "moved the owner's URL to $dir/database_owner_url; the postgres volume predates rkc_app: create it once (README \"Database roles\")"
fi
if [ ! -e "$dir/database_owner_url" ]; then
	printf 'postgres://rkc:%s@postgres:5432/rkc?sslmode=disable' "$(cat "$dir/db_password")" >"$dir/database_owner_url"
	echo "created $dir/database_owner_url"
fi
if [ ! -e "$dir/database_url" ]; then
	printf 'postgres://rkc_app:%s@postgres:5432/rkc?sslmode=disable' "$(cat "$dir/app_db_password")" >"$dir/database_url"
	echo "created $dir/database_url"
fi
if [ ! -e "$dir/master.keys" ]; then
	{
		echo "# RKC master keys. Keep secret; never in the database or its backups."
		printf 'k%s:%s\n' "$(date -u +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
	} >"$dir/master.keys"
	echo "created $dir/master.keys"
fi
# Compose mounts each file as it is on the host; the containers run as
# other users (postgres, 65532), so the files must be readable to them. The
# folder (0700) keeps other users of this host out.
chmod 644 "$dir/db_password" "$dir/app_db_password" "$dir/database_url" "$dir/database_owner_url"
# The master key file is the API's alone: the service refuses a key file
# that group or others can read (as ssh does), so it is 0600 and belongs to
# the API container's user.
chmod 600 "$dir/master.keys"
api_user=65532
if [ "$(id -u)" = 0 ]; then
	chown "$api_user:$api_user" "$dir/master.keys"
elif [ "$(ls -ln "$dir/master.keys" | awk '{print $3}')" != "$api_user" ]; then
	echo "master.keys is 0600 and yours; the API container runs as $api_user: sudo chown $api_user:$api_user $dir/master.keys"
fi
