# Cross build for 64-bit ARM Linux (Android NDK users: use the NDK's own
# toolchain file; this one is for Linux boards and for testing under qemu).
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
# ctest runs the test binaries under qemu-aarch64: every qrt_add_test binary
# once per CPU model in QRT_TEST_QEMU_CPUS (tests/CMakeLists.txt, default
# "cortex-a53;max"); other tests that run a built program (qrt-bench,
# qrt-classify) go through CMAKE_CROSSCOMPILING_EMULATOR below, on the
# single model QRT_QEMU_CPU (default max).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# XNNPACK, pthreadpool and cpuinfo for arm64 are unpacked here by
# scripts/setup.sh (their arm64 -dev packages cannot be co-installed).
set(QRT_ARM64_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../.deps/arm64-sysroot" CACHE PATH
    "Folder with the unpacked arm64 device libraries")
set(CMAKE_FIND_ROOT_PATH "${QRT_ARM64_SYSROOT}" /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# -L alone hangs in pthread_create once libc6:arm64 is installed (the loader
# finds the multiarch libc through ld.so.cache): pin the library path too.
set(QRT_QEMU_CPU "max" CACHE STRING "qemu-aarch64 CPU model for ctest (max, cortex-a53, ...)")
set(CMAKE_CROSSCOMPILING_EMULATOR
    "qemu-aarch64;-cpu;${QRT_QEMU_CPU};-L;/usr/aarch64-linux-gnu;-E;LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:${QRT_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
