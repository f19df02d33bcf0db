#!/usr/bin/env bash
# Vendor Leaflet's released dist files for the review console (no build step, no CDN at run time).
# Usage: scripts/vendor-leaflet.sh [version]   (default 1.9.4)
# Fetches the package tarball from the npm registry with `npm pack`, checks its integrity against
# the registry's published sha512, and copies leaflet.js, leaflet.css, their LICENSE and images/ to
# field_app/console/static/vendor/leaflet/. Commit the result: the app serves these files itself.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-1.9.4}"
dest=field_app/console/static/vendor/leaflet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "leaflet@$version" >/dev/null)
tarball=$(ls "$tmp"/leaflet-*.tgz)
want=$(npm view "leaflet@$version" dist.integrity)
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$want" != "$got" ]; then
  echo "integrity mismatch for leaflet@$version: registry $want, tarball $got" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp"
rm -rf "$dest"
mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "leaflet@$version ($got)" > "$dest/VERSION"
echo "vendored leaflet@$version into $dest"
