# Sourced by the packaging scripts: which Rust compiler builds for a target triple, and qemu to
# run what it built.
#
# rustup cannot always download another target's standard library; Debian ships Rust 1.96 with
# the aarch64 one (rustc-web, libstd-rust-web-dev:arm64), which is used when rustup has none.

debian_arm64_packages=(rustc-web libstd-rust-web-dev:arm64)

# Sets RUSTC (when rustup's compiler cannot build for $1), installing Debian's when run as root.
use_toolchain_for() {
  local triple=$1
  if [ "$triple" = "$(rustc -vV | sed -n 's/^host: //p')" ]; then
    return 0
  fi
  if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
    return 0
  fi
  if [ "$triple" != aarch64-unknown-linux-gnu ]; then
    echo "no standard library for $triple: rustup target add $triple" >&2
    return 1
  fi
  if [ ! -d /usr/lib/rustlib/$triple ]; then
    debian_install "${debian_arm64_packages[@]}" || {
      echo "no arm64 Rust standard library: rustup target add $triple, or" \
        "(as root) dpkg --add-architecture arm64 && apt-get install ${debian_arm64_packages[*]}" >&2
      return 1
    }
  fi
  export RUSTC=/usr/bin/rustc
}

# qemu-aarch64-static and Debian's arm64 C library (multiarch libc6:arm64, which the arm64 Rust
# standard library's packages bring along): qemu then loads programs with /lib/ld-linux-aarch64.so.1
# and no -L. Not libc6-arm64-cross: its loader with the multiarch libc (another build of the same
# glibc) breaks pthread_create, and every program that starts a thread hangs.
ensure_qemu_arm64() {
  if command -v qemu-aarch64-static >/dev/null && [ -e /lib/ld-linux-aarch64.so.1 ]; then
    return 0
  fi
  debian_install qemu-user-static libc6:arm64
}

# apt-get install, as root on Debian only; adds the arm64 architecture for `:arm64` packages.
debian_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  echo "installing from Debian: $*" >&2
  if [[ "$*" == *:arm64* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
