# iOS devices (arm64), with CMake's own iOS support and Xcode's clang.
#   cmake -S . -B build/ios -G Xcode -DCMAKE_TOOLCHAIN_FILE=toolchains/ios.cmake -DQRT_RUNTIME_ONLY=ON
#   cmake --build build/ios --config Release && cmake --install build/ios --config Release --prefix qrt-ios
# (Ninja or Makefiles work too on a Mac with Xcode's command line tools.)
# Gives libqrt.a for arm64 devices, iOS 13 or later (QRT_IOS_DEPLOYMENT_TARGET).
# The NEON kernels are compiled (Apple's clang takes the same -march flags);
# the CPU detection reads Linux's auxiliary vector only, so on iOS the
# dispatch uses plain NEON, never dotprod or i8mm (a sysctlbyname probe is
# future work). Not runnable on qrt's CI machine (no Xcode there):
# docs/integration.md says what is checked instead (clang
# --target=arm64-apple-ios13 compiles of the runtime and kernels).
set(CMAKE_SYSTEM_NAME iOS)
set(CMAKE_SYSTEM_PROCESSOR arm64)
set(CMAKE_OSX_ARCHITECTURES arm64)
set(QRT_IOS_DEPLOYMENT_TARGET "13.0" CACHE STRING "Minimum iOS version")
set(CMAKE_OSX_DEPLOYMENT_TARGET "${QRT_IOS_DEPLOYMENT_TARGET}")
set(CMAKE_XCODE_ATTRIBUTE_ONLY_ACTIVE_ARCH NO)
# No code signing for a static library.
set(CMAKE_XCODE_ATTRIBUTE_CODE_SIGNING_ALLOWED NO)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
