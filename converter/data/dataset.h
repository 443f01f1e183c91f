// Calibration and evaluation data: the interface every reader implements.
//
// The converter needs real inputs twice: to calibrate activation ranges and
// (in qrt-eval) to measure accuracy. Each format has its own reader behind
// this one small interface, so calibration code does not care where samples
// come from:
//
//   image_dir.h   ImageDirDataset: a folder of images, optionally with
//                 labels.txt
//   idx.h         FashionMnistDataset: IDX files (gzip or raw)
//   npy.h         NpyDataset: .npy float32 tensors already preprocessed
//   cifar10.h     Cifar10Dataset: a tar(.gz) of <split>/<class>/<name>.jpg,
//                 read without unpacking (tar.h, image_decode.h)
//   subset.h      SubsetDataset: some samples of another source (first N,
//                 N from an offset, or N at random with a seed)
//
// Image sources yield raw 8-bit pixels (HWC); preprocess.h turns them into
// the model's float input. Npy sources yield float tensors directly. Every
// error is a qrt::ConvertError whose message names the file (and the line
// or byte offset where it makes sense).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qrt::data {

// 8-bit pixels, row-major HWC, `channels` is 1 (gray) or 3 (RGB order).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;
  std::string source;  // file name (and index) for error messages
};

// A sample is either an image (to preprocess) or a ready float tensor.
struct Sample {
  bool is_tensor = false;
  Image image;                 // when !is_tensor
  std::vector<float> tensor;   // when is_tensor, NCHW with N == 1
  std::vector<int64_t> shape;  // tensor shape
  int label = -1;              // -1: unknown
  std::string source;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual size_t size() const = 0;
  // Loads sample i (0 <= i < size()). `want_channels` (1 or 3) is what image
  // sources decode to; ignored by tensor sources. Throws on a bad file.
  virtual Sample load(size_t i, int want_channels) const = 0;
  // A short description for metadata ("images:/path (12 files)").
  virtual std::string describe() const = 0;
};

}  // namespace qrt::data
