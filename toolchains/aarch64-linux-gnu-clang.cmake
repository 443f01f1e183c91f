# Cross build for 64-bit ARM Linux with clang (what the Android NDK and
# Xcode use), against the GCC cross toolchain's headers, libraries and
# linker (g++-aarch64-linux-gnu); everything else, the arm64 device
# libraries and the tests under qemu-aarch64, as toolchains/aarch64-linux-gnu.cmake.
#   cmake -S . -B build/arm64-clang -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu-clang.cmake
# Host builds with clang need no toolchain file:
#   CC=clang CXX=clang++ cmake -S . -B build/host-clang
include("${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu.cmake")
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
