#!/usr/bin/env bash
# `make cli-release`: the `payrail` command line as a release archive for this machine's
# platform, target/cli/payrail-<version>-<target>.tar.gz (the binary, its licence and README),
# with its SHA-256 beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' cli/Cargo.toml | head -1)
target=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --package payrail-cli --bin payrail
name="payrail-$version-$target"
out=target/cli/$name
rm -rf "$out" && mkdir -p "$out"
cp target/release/payrail "$out/"
cp cli/README.md "$out/"
[ -f LICENSE ] && cp LICENSE "$out/"
tar -C target/cli -czf "target/cli/$name.tar.gz" "$name"
(cd target/cli && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "target/cli/$name.tar.gz"
