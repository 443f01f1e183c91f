/* Stand-in for the NDK's <android/api-level.h> (FlatBuffers includes it on
 * Android), for toolchains/check-clang-target.cmake's compile checks only. */
#define __ANDROID_API__ 21
