#!/usr/bin/env bash
# install_test.sh: what an app's build sees of an installed qrt.
#
# For each build folder given (a host build, and an aarch64 cross build run
# under qemu-aarch64):
#   1. `cmake --install` into a temporary prefix, then MOVE the tree (every
#      installed path must be relative) and check what it holds: the public
#      headers only, libqrt.a, the config package, qrt.pc, the host tools;
#   2. build examples/classify out of tree against it twice, with
#      find_package(qrt CONFIG) and with pkg-config, and require
#      `qrt-classify --bits` on the committed model and images to print the
#      reference outputs of tests/e2e/data bit for bit;
#   3. build examples/embedded_model (qrt_add_model ... EMBED: the model is
#      converted at build time by the host qrt-convert, also for the cross
#      build) and require its outputs to equal qrt-classify's on the .qrt it
#      converted; on the host, check that the conversion reruns when (and
#      only when) the ONNX file, the calibration data or the options change.
#
# Usage: tests/install/install_test.sh HOST_BUILD [ARM64_BUILD]
#   HOST_BUILD: a configured and built host build folder (qrt, qrt-convert,
#   qrt-eval, qrt-bench built); ARM64_BUILD: the same for
#   toolchains/aarch64-linux-gnu.cmake. QRT_INSTALL_TEST_DIR: where to work
#   (default: a new temporary folder, removed at the end).
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 HOST_BUILD [ARM64_BUILD]" >&2; exit 2; }
host_build="$(cd "$1" && pwd)"
arm64_build="${2:+$(cd "$2" && pwd)}"
if [ -n "${QRT_INSTALL_TEST_DIR:-}" ]; then
  work="$QRT_INSTALL_TEST_DIR"; rm -rf "$work"; mkdir -p "$work"
else
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fi
data="$src/tests/e2e/data"
fm=/usr/share/datasets/fashion-mnist
jobs="${QRT_JOBS:-2}"
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }
step() { echo "== install_test: $*"; }
export CCACHE_DISABLE=1  # builds against a moved tree: nothing to share

# The committed images as an uncompressed IDX file (qrt-classify --idx).
(printf '\x00\x00\x08\x03\x00\x00\x00\x08\x00\x00\x00\x1c\x00\x00\x00\x1c'
 cat "$data/fashion_mnist_t10k_first8.u8") > "$work/first8.idx3"

# install BUILD NAME: installs BUILD, moves the tree to $work/NAME, checks it.
install_moved() {
  local build="$1" name="$2"
  cmake --install "$build" --prefix "$work/$name.staged" > "$work/$name.install.log"
  mv "$work/$name.staged" "$work/$name"
  local p="$work/$name"
  [ "$(cd "$p/include/qrt" && ls | tr '\n' ' ')" = "qrt.h qrt.hpp " ] \
    || fail "$name: include/qrt holds $(ls "$p/include/qrt")"
  for f in lib/libqrt.a lib/pkgconfig/qrt.pc lib/cmake/qrt/qrtConfig.cmake \
           lib/cmake/qrt/qrtConfigVersion.cmake lib/cmake/qrt/qrtTargets.cmake lib/cmake/qrt/QrtAddModel.cmake; do
    [ -f "$p/$f" ] || fail "$name: $f not installed"
  done
  if grep -rl -- "$build\|$src\|$work/$name.staged" "$p/lib/cmake" "$p/lib/pkgconfig" >/dev/null; then
    fail "$name: installed files name the build or source tree: $(grep -rl -- "$build\|$src\|$work/$name.staged" "$p/lib")"
  fi
  # Runtime only: no converter, ONNX, protobuf or test code in libqrt.a.
  if nm --defined-only "$p/lib/libqrt.a" 2>/dev/null | grep -iE ' [TDRB] .*(onnx|protobuf|catch|benchmark|study)'; then
    fail "$name: libqrt.a defines converter or test symbols"
  fi
}

# check_bits NAME OUTPUT_FILE REF: OUTPUT_FILE must equal the reference
# lines of tests/e2e/data/fashion_mnist_REF.ref.
check_bits() {
  sed -n '4,$p' "$data/fashion_mnist_$3.ref" | diff -q - "$2" > /dev/null \
    || { diff <(sed -n '4,$p' "$data/fashion_mnist_$3.ref") "$2" | head -5; fail "$1: outputs differ from fashion_mnist_$3.ref"; }
  echo "$1: $(wc -l < "$2") images, outputs equal fashion_mnist_$3.ref bit for bit"
}

# run_classify NAME SUFFIX RUNNER... BINARY: both committed models against
# their references (SUFFIX _f16: the CPU has fp16 arithmetic, so a default
# session adds the residuals in fp16: the *_f16.ref files).
run_classify() {
  local name="$1" suffix="$2"; shift 2
  for mode in w8a8 w6a8; do
    "$@" "$data/fashion_mnist_$mode.qrt" --bits --idx "$work/first8.idx3" > "$work/$name.$mode.out"
    check_bits "$name ($mode)" "$work/$name.$mode.out" "$mode$suffix"
  done
}

# build_log DIR: builds DIR, keeps the output; prints whether it converted.
converted() {
  cmake --build "$1" -j "$jobs" > "$1.build.log" 2>&1 || { cat "$1.build.log"; fail "build of $1"; }
  if grep -q "qrt_add_model(fashion_mnist_model): qrt-convert" "$1.build.log"; then echo yes; else echo no; fi
}
expect_converted() {  # DIR WANT WHY
  local got; got="$(converted "$1")"
  [ "$got" = "$2" ] || fail "qrt_add_model: after $3, converted: $got (expected $2)"
  echo "qrt_add_model: after $3: converted $got"
}

# ---- host
step "host: install $host_build, moved"
install_moved "$host_build" host
for t in qrt-convert qrt-eval qrt-bench; do
  [ -x "$work/host/bin/$t" ] || fail "host: bin/$t not installed"
done
"$work/host/bin/qrt-bench" "$data/fashion_mnist_w8a8.qrt" --iterations 1 --warmup 0 > /dev/null \
  || fail "host: installed qrt-bench does not run"

# The package's version and components: 0.1 found, 0.2 not (0.x: same
# minor only); the tools component found on a host install only.
# probe PREFIX VERSION COMPONENTS [cmake args...]: prints found / not found.
probe() {
  local dir="$work/probe-$RANDOM"
  mkdir -p "$dir"
  printf '%s\n' 'cmake_minimum_required(VERSION 3.16)' 'project(probe C CXX)' \
    "find_package(qrt $2 CONFIG ${3:+COMPONENTS $3})" \
    'if(qrt_FOUND AND TARGET qrt::qrt)' '  message(STATUS "probe: found")' 'else()' \
    '  message(STATUS "probe: not found")' 'endif()' > "$dir/CMakeLists.txt"
  cmake -S "$dir" -B "$dir/b" -DCMAKE_PREFIX_PATH="$1" "${@:4}" 2>&1 | sed -n 's/^-- probe: //p'
}
expect_probe() {  # WANT PREFIX VERSION COMPONENTS [cmake args...]
  local got; got="$(probe "${@:2}")"
  [ "$got" = "$1" ] || fail "find_package(qrt $3 ${4:+COMPONENTS $4}) in $2: $got (expected $1)"
  echo "find_package(qrt $3${4:+ COMPONENTS $4}) in $(basename "$2"): $got"
}
expect_probe found "$work/host" 0.1 ""
expect_probe "not found" "$work/host" 0.2 ""
expect_probe found "$work/host" 0.1 tools

step "host: examples/classify with find_package(qrt CONFIG)"
cmake -S "$src/examples/classify" -B "$work/classify-cmake" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$work/host" > "$work/classify-cmake.log"
cmake --build "$work/classify-cmake" -j "$jobs" > /dev/null
run_classify host-cmake "" "$work/classify-cmake/qrt-classify"

step "host: examples/classify with pkg-config"
pc() { PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$1/lib/pkgconfig" pkg-config "${@:2}" qrt; }
[ "$(pc "$work/host" --modversion)" = "$(sed -n 's/^project(qrt VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")" ] \
  || fail "qrt.pc version"
c="$src/examples/classify"
# shellcheck disable=SC2046
cc -std=c99 -O2 -I/usr/include/stb $(pc "$work/host" --cflags) "$c/classify.c" "$c/image_io.c" \
   "$c/stb_image_impl.c" -o "$work/classify-pc" $(pc "$work/host" --libs) -w
run_classify host-pkg-config "" "$work/classify-pc"

step "host: examples/embedded_model (qrt_add_model ... EMBED)"
# Copies of the inputs, so the test may touch them.
cp "$src/examples/fashion_mnist/model.onnx" "$work/model.onnx"
cp "$fm/train-images-idx3-ubyte.gz" "$work/calib.gz"
emb="$work/embedded-host"
cmake -S "$src/examples/embedded_model" -B "$emb" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/host" \
      -DQRT_EXAMPLE_ONNX="$work/model.onnx" -DQRT_EXAMPLE_CALIBRATION="$work/calib.gz" > "$emb.log"
expect_converted "$emb" yes "the first build"
"$emb/qrt-embedded" "$data/fashion_mnist_t10k_first8.u8" --bits > "$work/embedded-host.out"
"$work/classify-cmake/qrt-classify" "$emb/fashion_mnist_model.qrt" --bits --idx "$work/first8.idx3" \
  > "$work/embedded-host.want"
diff -q "$work/embedded-host.want" "$work/embedded-host.out" > /dev/null \
  || fail "qrt-embedded's outputs differ from qrt-classify's on the same .qrt"
echo "embedded model: outputs equal qrt-classify's on $(basename "$emb")/fashion_mnist_model.qrt bit for bit"
expect_converted "$emb" no "a second build with nothing changed"
sleep 1; touch "$work/model.onnx"
expect_converted "$emb" yes "touching the ONNX file"
sleep 1; touch "$work/calib.gz"
expect_converted "$emb" yes "touching the calibration data"
cmake "$emb" -DQRT_EXAMPLE_NUM_IMAGES=100 > /dev/null
expect_converted "$emb" yes "changing the options (--num-images 100)"
cmake "$emb" -DQRT_EXAMPLE_NUM_IMAGES=100 > /dev/null
expect_converted "$emb" no "reconfiguring with the same options"

# QRT_HOST_CONVERTER names the converter (the stamp's first line is the
# program run); one that does not exist is a configure error naming it.
cmake -S "$src/examples/embedded_model" -B "$work/embedded-hc" -DCMAKE_PREFIX_PATH="$work/host" \
      -DQRT_HOST_CONVERTER="$work/host/bin/qrt-convert" > "$work/embedded-hc.log"
[ "$(head -1 "$work/embedded-hc/fashion_mnist_model.qrt-command")" = "$work/host/bin/qrt-convert" ] \
  || fail "qrt_add_model: QRT_HOST_CONVERTER not used"
bad_rc=0
cmake -S "$src/examples/embedded_model" -B "$work/embedded-bad" -DCMAKE_PREFIX_PATH="$work/host" \
      -DQRT_HOST_CONVERTER="$work/no-such-convert" > "$work/embedded-bad.log" 2>&1 || bad_rc=$?
bad_msg=$(tr -s ' \n' '  ' < "$work/embedded-bad.log")  # CMake wraps messages
if [ "$bad_rc" = 0 ] || ! grep -q "QRT_HOST_CONVERTER=$work/no-such-convert does not exist" <<<"$bad_msg"; then
  fail "qrt_add_model: a missing QRT_HOST_CONVERTER is not reported"
fi
echo "qrt_add_model: QRT_HOST_CONVERTER used; a missing one is a configure error naming it"

[ -n "$arm64_build" ] || { step "done (host only)"; exit 0; }

# ---- aarch64, under qemu
tc="$src/toolchains/aarch64-linux-gnu.cmake"
sysroot_libs="/usr/aarch64-linux-gnu/lib:$src/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu"
qemu() { qemu-aarch64 -cpu "$1" -L /usr/aarch64-linux-gnu -E "LD_LIBRARY_PATH=$sysroot_libs" "${@:2}"; }
step "aarch64: install $arm64_build, moved"
install_moved "$arm64_build" arm64
[ ! -e "$work/arm64/bin/qrt-convert" ] || fail "aarch64: a cross build installed qrt-convert"

# What docs/integration.md tells a Linux board user to copy: bin/qrt-bench,
# a model and the three shared libraries qrt-bench needs besides glibc and
# libstdc++ (Debian arm64: libxnnpack0, libpthreadpool0, libcpuinfo0), run
# from that folder alone.
step "aarch64: a board's copy of bin/qrt-bench, run under qemu-aarch64 from that folder"
board="$work/board"
mkdir -p "$board/lib"
cp "$work/arm64/bin/qrt-bench" "$data/fashion_mnist_w8a8.qrt" "$board/"
for so in libXNNPACK.so.0 libpthreadpool.so.0 libcpuinfo.so.0; do
  cp -L "$src/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu/$so" "$board/lib/"
done
(cd "$board" && qemu-aarch64 -cpu cortex-a53 -L /usr/aarch64-linux-gnu \
   -E LD_LIBRARY_PATH="$board/lib:/usr/aarch64-linux-gnu/lib" \
   ./qrt-bench fashion_mnist_w8a8.qrt --threads 2 --iterations 3 --warmup 1) > "$work/board.out"
grep -q "^arena 37632 bytes" "$work/board.out" || { cat "$work/board.out"; fail "board copy of qrt-bench"; }
echo "board copy: $(grep -m1 latency "$work/board.out")"

expect_probe found "$work/arm64" 0.1 "" -DCMAKE_TOOLCHAIN_FILE="$tc"
expect_probe "not found" "$work/arm64" 0.1 tools -DCMAKE_TOOLCHAIN_FILE="$tc"

step "aarch64: examples/classify with find_package(qrt CONFIG), run under qemu-aarch64 (cortex-a53: fp32 adds, max: fp16 adds)"
cmake -S "$src/examples/classify" -B "$work/classify-arm64" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$tc" -DCMAKE_PREFIX_PATH="$work/arm64" > "$work/classify-arm64.log"
cmake --build "$work/classify-arm64" -j "$jobs" > /dev/null
run_classify arm64-cmake-a53 "" qemu cortex-a53 "$work/classify-arm64/qrt-classify"
run_classify arm64-cmake-max _f16 qemu max "$work/classify-arm64/qrt-classify"

step "aarch64: examples/classify with pkg-config, run under qemu-aarch64 (cortex-a53: fp32 adds, max: fp16 adds)"
# shellcheck disable=SC2046
aarch64-linux-gnu-gcc -std=c99 -O2 -I/usr/include/stb $(pc "$work/arm64" --cflags) "$c/classify.c" \
   "$c/image_io.c" "$c/stb_image_impl.c" -o "$work/classify-pc-arm64" \
   -L"$src/.deps/arm64-sysroot/usr/lib/aarch64-linux-gnu" $(pc "$work/arm64" --libs) -w
run_classify arm64-pkg-config-a53 "" qemu cortex-a53 "$work/classify-pc-arm64"
run_classify arm64-pkg-config-max _f16 qemu max "$work/classify-pc-arm64"

step "aarch64: examples/embedded_model, converted by the host install's qrt-convert (QRT_HOST_PREFIX)"
emb="$work/embedded-arm64"
cmake -S "$src/examples/embedded_model" -B "$emb" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$tc" \
      -DCMAKE_PREFIX_PATH="$work/arm64" -DQRT_HOST_PREFIX="$work/host" \
      -DQRT_EXAMPLE_ONNX="$work/model.onnx" -DQRT_EXAMPLE_CALIBRATION="$work/calib.gz" \
      -DQRT_EXAMPLE_NUM_IMAGES=100 > "$emb.log"
expect_converted "$emb" yes "the first cross build"
cmp -s "$emb/fashion_mnist_model.qrt" "$work/embedded-host/fashion_mnist_model.qrt" \
  || fail "the cross build's converted model differs from the host build's (same inputs and options)"
qemu cortex-a53 "$emb/qrt-embedded" "$data/fashion_mnist_t10k_first8.u8" --bits > "$work/embedded-arm64.out"
"$work/classify-cmake/qrt-classify" "$work/embedded-host/fashion_mnist_model.qrt" --bits \
  --idx "$work/first8.idx3" > "$work/embedded-host.want100"
diff -q "$work/embedded-host.want100" "$work/embedded-arm64.out" > /dev/null \
  || fail "aarch64 qrt-embedded's outputs differ from the host's on the same model"
echo "aarch64 embedded model: outputs equal the host's bit for bit"
expect_converted "$emb" no "a second cross build with nothing changed"
step "done (host and aarch64)"
