#!/usr/bin/env bash
# Installs everything qrt needs on Debian 12 (bookworm), as root:
#   host build + converter deps, the aarch64 cross toolchain and qemu,
#   and the arm64 device libraries (unpacked into a sysroot, see below).
# Usage: scripts/setup.sh [--with-python]   (--with-python adds PyTorch for training;
#   CI=true adds it too: the qrt_train tests, tests/training, need it)
# Idempotent: packages already present are skipped by apt.
set -euo pipefail
cd "$(dirname "$0")/.."

with_python=0
for a in "$@"; do
  case "$a" in
    --with-python) with_python=1 ;;
    *) echo "setup.sh: unknown option '$a'" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

host_pkgs=(
  cmake g++ make pkg-config zlib1g-dev
  flatbuffers-compiler libflatbuffers-dev
  libxnnpack-dev libcpuinfo-dev libpthreadpool-dev
  libbenchmark-dev catch2
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  libstb-dev libjpeg-dev libcli11-dev nlohmann-json3-dev
  dataset-fashion-mnist
  g++-aarch64-linux-gnu qemu-user llvm
  g++-arm-linux-gnueabihf   # armhf cross build (scripts/ci/armhf.sh)
  clang libclang-rt-14-dev  # clang builds (ci/clang.sh), libFuzzer and clang sanitizer runtimes (ci/fuzz.sh)
)
py_pkgs=(python3 python3-numpy python3-onnx python3-pil python3-torch python3-torchvision python3-flatbuffers)

pkgs=("${host_pkgs[@]}" libbenchmark-dev:arm64)
{ [ "$with_python" = 1 ] || [ "${CI:-}" = true ]; } && pkgs+=("${py_pkgs[@]}")
if dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -qv '^install ok installed$' \
   || [ "$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | wc -l)" -ne "${#pkgs[@]}" ]; then
  echo "== qrt setup: apt-get update"
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -q
  echo "== qrt setup: installing ${#pkgs[@]} packages"
  $SUDO apt-get install -y -q --no-install-recommends "${pkgs[@]}"
else
  echo "== qrt setup: all ${#pkgs[@]} packages already installed"
fi

# XNNPACK, pthreadpool and cpuinfo for arm64 are not co-installable with the
# amd64 ones (see docs/building.md): download and unpack them into a sysroot
# that toolchains/aarch64-linux-gnu.cmake searches first.
sysroot="${QRT_ARM64_SYSROOT:-$PWD/.deps/arm64-sysroot}"
if [ ! -f "$sysroot/.complete" ]; then
  echo "== qrt setup: unpacking arm64 device libraries into $sysroot"
  rm -rf "$sysroot" && mkdir -p "$sysroot/debs"
  (cd "$sysroot/debs" && apt-get download -q \
      libxnnpack-dev:arm64 libxnnpack0:arm64 \
      libpthreadpool-dev:arm64 libpthreadpool0:arm64 \
      libcpuinfo-dev:arm64 libcpuinfo0:arm64)
  for d in "$sysroot"/debs/*.deb; do dpkg-deb -x "$d" "$sysroot"; done
  touch "$sysroot/.complete"
fi
echo "== qrt setup: done"
