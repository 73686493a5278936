#!/usr/bin/env bash
# Fetches the API reference viewer (swagger-ui-dist, Apache-2.0) that the docs function compiles
# in, checks it, and writes it to functions/docs/assets/vendor/swagger-ui-dist/. Nothing is
# loaded from elsewhere at run time.
#
# To update: set VERSION to the new release and TARBALL_SHA256 to empty, run this script, check
# the page in a browser (make dev, then /docs) and the browser tests (make test), and pin the
# checksum it printed. The version is read from VERSION by functions/docs/build.rs, so the asset
# URLs change with it and browsers never keep a stale copy.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=5.35.0
TARBALL_SHA256=1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6
# The files the page loads, and the licence texts that go with them.
FILES=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)
DEST=functions/docs/assets/vendor/swagger-ui-dist

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tarball="$work/swagger-ui-dist-$VERSION.tgz"
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ -z "$TARBALL_SHA256" ]; then
  echo "swagger-ui-dist $VERSION: sha256 $actual; pin it as TARBALL_SHA256 in $0" >&2
elif [ "$actual" != "$TARBALL_SHA256" ]; then
  echo "swagger-ui-dist $VERSION: sha256 $actual, expected $TARBALL_SHA256; not vendored" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"

rm -rf "$DEST"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  cp "$work/package/$f" "$DEST/$f"
done
echo "$VERSION" > "$DEST/VERSION"
(cd "$DEST" && sha256sum "${FILES[@]}" > SHA256SUMS)
echo "vendored swagger-ui-dist $VERSION into $DEST" >&2
