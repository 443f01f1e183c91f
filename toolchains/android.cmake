# Android: wraps the NDK's own toolchain file, with qrt's defaults.
#   export ANDROID_NDK=/path/to/android-ndk-r26d
#   cmake -S . -B build/android-arm64 -DCMAKE_TOOLCHAIN_FILE=toolchains/android.cmake \
#         -DANDROID_ABI=arm64-v8a -DQRT_RUNTIME_ONLY=ON
#   cmake --build build/android-arm64 && cmake --install build/android-arm64 --prefix qrt-android/arm64-v8a
# ANDROID_ABI: arm64-v8a (default; the NEON, dotprod and i8mm kernels) or
# armeabi-v7a (32-bit, NEON; the portable kernels, as armhf). ANDROID_PLATFORM
# defaults to android-21 (getauxval, which the kernels' CPU detection uses,
# is there from API 18). ANDROID_STL defaults to c++_static: libqrt.a uses
# the C++ runtime without exceptions or RTTI.
# The NDK is found from -DANDROID_NDK=..., else the environment's
# ANDROID_NDK, ANDROID_NDK_HOME or ANDROID_NDK_ROOT.
# Not runnable on qrt's CI machine (no NDK there): docs/integration.md says
# what is checked instead (clang --target=aarch64-linux-android21 and
# armv7a-linux-androideabi21 compiles of the runtime and kernels).
if(NOT ANDROID_NDK)
  foreach(_qrt_var ANDROID_NDK ANDROID_NDK_HOME ANDROID_NDK_ROOT)
    if(DEFINED ENV{${_qrt_var}} AND NOT "$ENV{${_qrt_var}}" STREQUAL "")
      set(ANDROID_NDK "$ENV{${_qrt_var}}")
      break()
    endif()
  endforeach()
endif()
if(NOT ANDROID_NDK OR NOT EXISTS "${ANDROID_NDK}/build/cmake/android.toolchain.cmake")
  message(FATAL_ERROR "toolchains/android.cmake: no NDK: set ANDROID_NDK (environment or -DANDROID_NDK=...) "
                      "to the NDK's folder, the one holding build/cmake/android.toolchain.cmake "
                      "(ANDROID_NDK='${ANDROID_NDK}')")
endif()
if(NOT ANDROID_ABI)
  set(ANDROID_ABI arm64-v8a)
endif()
if(NOT ANDROID_ABI MATCHES "^(arm64-v8a|armeabi-v7a)$")
  message(FATAL_ERROR "toolchains/android.cmake: ANDROID_ABI must be arm64-v8a or armeabi-v7a (got ${ANDROID_ABI})")
endif()
if(NOT ANDROID_PLATFORM)
  set(ANDROID_PLATFORM android-21)
endif()
if(NOT ANDROID_STL)
  set(ANDROID_STL c++_static)
endif()
set(ANDROID_ARM_NEON ON)  # armeabi-v7a: NEON (the default from NDK r21)
# Passed on to the try_compile projects the NDK file runs.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ANDROID_NDK)
include("${ANDROID_NDK}/build/cmake/android.toolchain.cmake")
