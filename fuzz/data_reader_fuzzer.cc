// libFuzzer targets for the calibration data readers (converter/data), one
// binary per reader, chosen at compile time by QRT_FUZZ_READER:
//   1 npy     NpyDataset: read, then load the first samples
//   2 idx     FashionMnistDataset (images, type 0x08, 3 dims) and
//             read_idx_file as a label file (1 dim)
//   3 tar     read_tar, every entry kept (plain or gzip-compressed)
//   4 cifar10 Cifar10Dataset (a tar of class-named image folders): index,
//             then decode the first samples
//   5 image   decode_image from memory, 1 or 3 channels, the default pixel limit
// The readers take paths, so the bytes go to one temporary file per process
// (under $TMPDIR, /dev/shm when it exists). A reader either returns data or
// throws an exception with a message; a crash, sanitizer report, hang or an
// allocation past libFuzzer's -rss_limit_mb / -malloc_limit_mb is a finding.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <exception>
#include <string>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_decode.h"
#include "data/npy.h"
#include "data/tar.h"

#ifndef QRT_FUZZ_READER
#error "QRT_FUZZ_READER must name the reader (1 npy, 2 idx, 3 tar, 4 cifar10, 5 image)"
#endif

namespace {

const std::string& TempPath() {
  static const std::string path = [] {
    const char* dir = getenv("TMPDIR");
    std::string d = dir && *dir ? dir : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    static const char* const ext[] = {"", ".npy", ".idx", ".tar", ".tar", ".img"};
    return d + "/qrt_fuzz_" + std::to_string(getpid()) + ext[QRT_FUZZ_READER];
  }();
  return path;
}

[[maybe_unused]] void WriteFile(const uint8_t* data, size_t size) {
  FILE* f = fopen(TempPath().c_str(), "wb");
  if (f == nullptr) abort();
  if (size != 0 && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
}

[[maybe_unused]] void LoadSome(const qrt::data::Dataset& d, int want_channels) {
  for (size_t i = 0; i < d.size() && i < 3; ++i) d.load(i, want_channels);
  (void)d.describe();
}

void Read(const uint8_t* data, size_t size) {
  using namespace qrt::data;
#if QRT_FUZZ_READER == 5
  Image image;
  std::string error;
  if (!decode_image(data, size, size % 2 ? 3 : 1, ReadLimits().max_image_pixels, &image, &error) && error.empty())
    abort();
#else
  WriteFile(data, size);
  const std::string& path = TempPath();
#if QRT_FUZZ_READER == 1
  LoadSome(NpyDataset({path}), 3);
#elif QRT_FUZZ_READER == 2
  try {
    LoadSome(FashionMnistDataset(path, ""), 1);
  } catch (const std::exception& e) {
    if (e.what()[0] == '\0') abort();
  }
  read_idx_file(path, 0x08, 1);
#elif QRT_FUZZ_READER == 3
  read_tar(path);
#elif QRT_FUZZ_READER == 4
  LoadSome(Cifar10Dataset(path), 3);
#endif
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    Read(data, size);
  } catch (const std::exception& e) {
    if (e.what()[0] == '\0') abort();  // a refusal must say why
  }
  return 0;
}
