#!/usr/bin/env bash
# `make package-test`: builds the packages (`make package`, arm64 unless ARCH=x86_64), unpacks
# each bootstrap.zip, checks every binary's architecture and the glibc it needs, and runs each
# one, under qemu for arm64 on another machine, through the local Runtime API against a fresh
# AWS emulator with its sample event (tests/packages.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/emulator.sh
source scripts/toolchain.sh
bash scripts/venv.sh

arch=${ARCH:-arm64}
case "$arch" in
  arm64 | aarch64) arch=arm64 machine=aarch64 ;;
  x86_64 | x86-64 | amd64) arch=x86_64 machine=x86_64 ;;
  *) echo "ARCH must be arm64 or x86_64, not '$arch'" >&2; exit 2 ;;
esac
packages=target/lambda-$arch
ARCH=$arch LAMBDA_DIR=$packages bash scripts/package.sh

unpacked=target/lambda-run/$arch
rm -rf "$unpacked"
for zip in "$packages"/*/bootstrap.zip; do
  name=$(basename "$(dirname "$zip")")
  mkdir -p "$unpacked/$name"
  unzip -q "$zip" -d "$unpacked/$name"
done
ls -l "$unpacked"/*/bootstrap

launcher=
if [ "$machine" != "$(uname -m)" ]; then
  [ "$machine" = aarch64 ] || { echo "cannot run $arch binaries on $(uname -m)" >&2; exit 2; }
  ensure_qemu_arm64 || { echo "running arm64 binaries needs qemu-user-static and libc6:arm64" >&2; exit 1; }
  launcher=qemu-aarch64-static
fi

# The tests themselves are built for this machine, by its own toolchain.
unset RUSTC
cargo test --package payrail-tests --test packages --no-run --quiet
mkdir -p .payrail
trap 'stop_emulator; stop_localstripe' EXIT
port=$(free_port)
start_emulator "$port" .payrail/emulator-packages.log
emulator_env "$port"
start_localstripe "$(free_port)" .payrail/localstripe-packages.log
export PAYRAIL_ALLOW_PRIVATE_TARGETS=1
PAYRAIL_FUNCTION_DIR="$PWD/$unpacked" PAYRAIL_FUNCTION_ARCH=$arch PAYRAIL_FUNCTION_LAUNCHER=$launcher \
  cargo test --package payrail-tests --test packages -- --test-threads 2
