# COMPILE CHECKS ONLY (scripts/ci/clang.sh), not a toolchain to ship with:
# compiles the runtime and kernels with clang for the Android and iOS
# triples on a machine that has neither the NDK nor Xcode.
#   cmake -S . -B build/check-android-arm64 -DQRT_RUNTIME_ONLY=ON \
#         -DCMAKE_TOOLCHAIN_FILE=toolchains/check-clang-target.cmake \
#         -DQRT_CHECK_TARGET=aarch64-linux-android21
#   cmake --build build/check-android-arm64 --target qrt
# QRT_CHECK_TARGET: aarch64-linux-android21 (libqrt.a), armv7a-linux-androideabi21
# (libqrt.a, -mfpu=neon, softfp), arm64-apple-ios13 (the kernels only:
# target qrt_kernels).
# What stands in for what is missing (so this checks the compiler, the
# target's predefined macros, intrinsics and -march flags, and qrt's CMake
# choice of kernels per processor; it does NOT check the NDK's bionic or
# the iOS SDK's headers, nor link anything):
#   - the C and C++ library headers are glibc's and libstdc++'s of the GCC
#     cross toolchains (/usr/aarch64-linux-gnu, /usr/arm-linux-gnueabihf);
#   - toolchains/check/: <android/api-level.h> and glibc's gnu/stubs-soft.h;
#   - iOS: glibc's __nonnull(...) is emptied (check/ios_nonnull.h; a keyword on
#     Apple targets); libstdc++ does not parse under the Darwin triple, so
#     the C++ runtime is not compiled for iOS.
if(NOT QRT_CHECK_TARGET)
  set(QRT_CHECK_TARGET "$ENV{QRT_CHECK_TARGET}")
endif()
set(ENV{QRT_CHECK_TARGET} "${QRT_CHECK_TARGET}")  # for try_compile
set(CMAKE_SYSTEM_NAME Linux)  # for CMake only: the triple decides the code
if(QRT_CHECK_TARGET MATCHES "^aarch64-linux-android")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  set(_libc /usr/aarch64-linux-gnu)
  set(_flags "")
elseif(QRT_CHECK_TARGET MATCHES "^armv7a-linux-androideabi")
  set(CMAKE_SYSTEM_PROCESSOR armv7-a)
  set(_libc /usr/arm-linux-gnueabihf)
  set(_flags "-mfpu=neon")
elseif(QRT_CHECK_TARGET MATCHES "^arm64-apple-ios")
  set(CMAKE_SYSTEM_PROCESSOR arm64)
  set(_libc /usr/aarch64-linux-gnu)
  set(_flags "-include ${CMAKE_CURRENT_LIST_DIR}/check/ios_nonnull.h")
else()
  message(FATAL_ERROR "check-clang-target.cmake: QRT_CHECK_TARGET must be aarch64-linux-android21, "
                      "armv7a-linux-androideabi21 or arm64-apple-ios13 (got '${QRT_CHECK_TARGET}')")
endif()
get_filename_component(_arch_dir "${_libc}" NAME)
# libstdc++'s headers of the installed GCC cross version (12 on Debian 12).
file(GLOB _cxx_dirs LIST_DIRECTORIES true "${_libc}/include/c++/*")
list(SORT _cxx_dirs COMPARE NATURAL ORDER DESCENDING)
list(GET _cxx_dirs 0 _cxx)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_C_COMPILER_TARGET ${QRT_CHECK_TARGET})
set(CMAKE_CXX_COMPILER_TARGET ${QRT_CHECK_TARGET})
set(CMAKE_AR llvm-ar)
set(CMAKE_RANLIB llvm-ranlib)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # nothing is linked
set(_inc "--sysroot=/nonexistent -isystem ${CMAKE_CURRENT_LIST_DIR}/check -isystem ${_libc}/include")
set(CMAKE_C_FLAGS_INIT "${_flags} ${_inc}")
set(CMAKE_CXX_FLAGS_INIT "${_flags} -nostdinc++ -isystem ${_cxx} -isystem ${_cxx}/${_arch_dir} ${_inc}")
set(CMAKE_FIND_ROOT_PATH /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
