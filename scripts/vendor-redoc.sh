#!/usr/bin/env bash
# Vendor Redoc's standalone bundle for the API reference page (/api/v1/docs): no build step, no CDN.
# Usage: scripts/vendor-redoc.sh [version]   (default 2.5.4)
# Fetches the package tarball from the npm registry with `npm pack`, checks its integrity against the
# registry's published sha512, and copies bundles/redoc.standalone.js (its CDN logo URL removed) and its LICENSE to
# field_app/api/static/vendor/redoc/. Commit the result: the app serves these files itself.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-2.5.4}"
dest=field_app/api/static/vendor/redoc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "redoc@$version" >/dev/null)
tarball=$(ls "$tmp"/redoc-*.tgz)
want=$(npm view "redoc@$version" dist.integrity)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$want" != "$got" ]; then
  echo "integrity mismatch for redoc@$version: registry $want, tarball $got" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp"
rm -rf "$dest"
mkdir -p "$dest"
cp "$tmp/package/bundles/redoc.standalone.js" "$dest/"
# The one thing the bundle loads from another origin: the "API docs by Redocly" logo from its CDN. An
# empty data URL fails to decode, and Redoc then drops the image (its onError handler); the text stays.
logo='https://cdn.redoc.ly/redoc/logo-mini.svg'
grep -q "$logo" "$dest/redoc.standalone.js"
sed -i "s#$logo#data:,#g" "$dest/redoc.standalone.js"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "redoc@$version ($got); the Redocly logo URL replaced by data:, (no CDN)" > "$dest/VERSION"
echo "vendored redoc@$version into $dest"
