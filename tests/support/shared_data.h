// Where the tests find the shared models and data (../shared beside the
// checkout; docs/building.md "Shared data").
//
// The folder is the CMake cache variable QRT_SHARED_DIR, compiled in as
// QRT_SHARED_DIR; the environment variable QRT_SHARED overrides it at run
// time. A test that needs a file calls shared_file(): when the file is
// missing it SKIPs the test with a warning on a developer machine, and
// FAILs it when CI=true, so CI can never pass without running it.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <sys/stat.h>

namespace qrt::testing {

inline std::string shared_dir() {
  const char* env = std::getenv("QRT_SHARED");
  if (env != nullptr && *env != '\0') return env;
#ifdef QRT_SHARED_DIR
  return QRT_SHARED_DIR;
#else
  return "../shared";
#endif
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// The path of `relative` under the shared folder, or "" after a WARN when it
// is missing (the caller returns). Under CI=true a missing file FAILs.
inline std::string shared_file(const std::string& relative) {
  const std::string path = shared_dir() + "/" + relative;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return path;
  if (running_in_ci()) FAIL("shared data missing under CI=true: " << path << " (set QRT_SHARED or -DQRT_SHARED_DIR)");
  WARN("shared data missing, test skipped: " << path << " (set QRT_SHARED or -DQRT_SHARED_DIR)");
  return "";
}

}  // namespace qrt::testing
