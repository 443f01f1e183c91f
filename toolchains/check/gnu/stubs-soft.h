/* Stand-in for glibc's soft-float stubs list (armeabi-v7a is softfp; the
 * armhf glibc headers ship only stubs-hard.h), for
 * toolchains/check-clang-target.cmake's compile checks only. */
