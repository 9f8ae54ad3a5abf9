#!/bin/sh
# Run by the postgres image once, when it initialises an empty volume: the
# API's own login rkc_app (README "Database roles"). It owns nothing; the
# migrate service, as the owner rkc, grants it what it may do.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	-v password="$(cat "${APP_DB_PASSWORD_FILE:-/run/secrets/app_db_password}")" <<'SQL'
CREATE ROLE rkc_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
SQL
