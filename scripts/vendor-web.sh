#!/bin/sh
# Fetches the NL Design System community CSS (Rijkshuisstijl Community
# components and design tokens) and axe-core with npm into a temporary folder
# and copies the built files into the repository:
#   internal/web/static/vendor/  CSS served by the web pages (committed)
#   e2e/web/testdata/axe.min.js  served to the test browser only
# Run it to upgrade: change the versions below, run, review the diff, commit.
set -eu

RHC_COMPONENTS="@rijkshuisstijl-community/components-css@12.0.0"
RHC_TOKENS="@rijkshuisstijl-community/design-tokens@11.1.0"
AXE="axe-core@4.14.1"

root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "$RHC_COMPONENTS" "$RHC_TOKENS" "$AXE" >/dev/null

vendor="$root/internal/web/static/vendor"
mkdir -p "$vendor" "$root/e2e/web/testdata"
cp node_modules/@rijkshuisstijl-community/components-css/dist/index.css "$vendor/rhc-components.css"
cp node_modules/@rijkshuisstijl-community/design-tokens/dist/index.css "$vendor/rhc-tokens.css"
cp node_modules/@rijkshuisstijl-community/components-css/LICENSE.md "$vendor/LICENSE-components-css.md"
cp node_modules/@rijkshuisstijl-community/design-tokens/LICENSE.md "$vendor/LICENSE-design-tokens.md"
cp node_modules/axe-core/axe.min.js "$root/e2e/web/testdata/axe.min.js"
cp node_modules/axe-core/LICENSE "$root/e2e/web/testdata/LICENSE-axe-core.txt"
{
	echo "Built files copied by scripts/vendor-web.sh; do not edit by hand."
	for p in "$RHC_COMPONENTS" "$RHC_TOKENS" "$AXE"; do echo "$p"; done
} >"$vendor/VERSIONS.txt"
echo "vendored: $(ls "$vendor" | tr '\n' ' ')"
