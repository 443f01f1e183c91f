/* Forced in by toolchains/check-clang-target.cmake for arm64-apple-ios
 * compile checks only: glibc's headers (standing in for the iOS SDK's)
 * annotate with __nonnull(...), which is a keyword on Apple targets. */
#undef __nonnull
#define __nonnull(params)
