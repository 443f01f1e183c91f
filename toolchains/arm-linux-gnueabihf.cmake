# Cross build for 32-bit ARM Linux (armhf: ARMv7-A, hard float, NEON), e.g.
# Cortex-A7/A53 boards running a 32-bit userspace; tests under qemu-arm.
#   cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake \
#         -DQRT_BUILD_BENCHMARKS=OFF
# (Debian has no armhf Google Benchmark or XNNPACK next to the amd64 ones.)
#
# The kernels: kernels/neon/ is A64 code (SDOT, SMMLA, TBL with four
# registers, across-vector adds) and is compiled only for aarch64; armhf
# builds run the portable kernels (gemm/, dwconv/, ref/), which the compiler
# vectorizes with NEON where it can (-mfpu=neon: integer lanes only; GCC
# keeps fp32 on VFP, which is IEEE, so results equal the host reference bit
# for bit). An A32 NEON port of the micro-kernels is future work
# (docs/integration.md, "32-bit ARM").
#
# ctest runs each test binary under qemu-arm once per CPU model in
# QRT_TEST_QEMU_CPUS (default cortex-a7: one model is enough, the portable
# kernels do not depend on CPU features); programs run by other tests go
# through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7-a)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon -mfloat-abi=hard")

set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig")

set(QRT_QEMU qemu-arm)
set(QRT_QEMU_SYSROOT /usr/arm-linux-gnueabihf)
set(QRT_TEST_QEMU_CPUS cortex-a7 CACHE STRING "qemu-arm CPU models the cross tests run on")
set(QRT_QEMU_CPU "cortex-a7" CACHE STRING "qemu-arm CPU model for ctest's other tests")
set(CMAKE_CROSSCOMPILING_EMULATOR
    "qemu-arm;-cpu;${QRT_QEMU_CPU};-L;/usr/arm-linux-gnueabihf;-E;LD_LIBRARY_PATH=/usr/arm-linux-gnueabihf/lib")
