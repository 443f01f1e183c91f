// Runs a libFuzzer target's LLVMFuzzerTestOneInput on every file named on
// the command line or found (not recursively) in a folder named there: the
// regression corpus as an ordinary test, in any build (no clang, no
// libFuzzer). Each input must be accepted or refused cleanly; a crash or a
// sanitizer report fails the test. Prints one line per file, so a failure
// names the input that caused it. An argument that is missing, or a folder
// with no file in it, is an error: the test must never pass on nothing.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool IsFile(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

int main(int argc, char** argv) {
  size_t ran = 0;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    std::vector<std::string> files;
    if (IsFile(arg)) {
      files.push_back(arg);
    } else if (DIR* d = opendir(arg.c_str())) {
      while (const dirent* e = readdir(d)) {
        const std::string p = arg + "/" + e->d_name;
        if (e->d_name[0] != '.' && IsFile(p)) files.push_back(p);
      }
      closedir(d);
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        fprintf(stderr, "%s: no file in this folder\n", arg.c_str());
        return 1;
      }
    } else {
      fprintf(stderr, "%s: no such file or folder\n", arg.c_str());
      return 1;
    }
    for (const std::string& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      printf("%s (%zu bytes)\n", f.c_str(), bytes.size());
      fflush(stdout);
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
      ++ran;
    }
  }
  if (ran == 0) {
    fprintf(stderr, "usage: %s FILE_OR_FOLDER...\n", argv[0]);
    return 1;
  }
  printf("%zu inputs, each accepted or refused cleanly\n", ran);
  return 0;
}
