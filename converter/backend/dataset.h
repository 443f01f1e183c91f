// Calibration and evaluation data sources.
//
// The converter needs real inputs twice: to calibrate activation ranges and
// (in qrt-eval) to measure accuracy. Three sources exist, all behind one
// small interface so calibration code does not care where samples come from:
//
//   ImageDirDataset     a folder of images, optionally with labels.txt
//                       (`filename<TAB>class_index` per line); without it,
//                       every image file in the folder, sorted by name.
//   FashionMnistDataset IDX files (gzip or raw) as shipped by Fashion-MNIST.
//   NpyDataset          .npy float32 tensors already preprocessed (NCHW).
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

namespace qrt::backend {

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

class ImageDirDataset : public Dataset {
 public:
  explicit ImageDirDataset(const std::string& dir);  // throws if unusable
  size_t size() const override { return files_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  bool has_labels() const { return has_labels_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
  std::vector<int> labels_;
  bool has_labels_ = false;
};

// Reads a whole IDX file (gzip-compressed or not; zlib handles both).
struct IdxArray {
  std::vector<int> dims;
  std::vector<uint8_t> data;
};
IdxArray read_idx_file(const std::string& path, uint8_t expect_type_code,
                       int expect_ndims);

class FashionMnistDataset : public Dataset {
 public:
  // `labels_path` may be empty (calibration needs no labels).
  FashionMnistDataset(const std::string& images_path, const std::string& labels_path);
  size_t size() const override { return count_; }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;

 private:
  std::string images_path_;
  size_t count_ = 0;
  int rows_ = 0, cols_ = 0;
  std::vector<uint8_t> pixels_;
  std::vector<uint8_t> labels_;
};

// .npy float32 little-endian C-order arrays. A file of shape [N, ...] with
// N > 1 (4-D) yields N samples of [1, ...]; any other shape is one sample.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};
NpyArray read_npy_f32(const std::string& path);

class NpyDataset : public Dataset {
 public:
  explicit NpyDataset(const std::vector<std::string>& files);
  size_t size() const override { return index_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;

 private:
  struct Entry { size_t file; size_t item; };
  std::vector<std::string> files_;
  std::vector<NpyArray> arrays_;
  std::vector<Entry> index_;
};

}  // namespace qrt::backend
