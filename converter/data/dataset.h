// Calibration and evaluation data sources.
//
// The converter needs real inputs twice: to calibrate activation ranges and
// (in qrt-eval) to measure accuracy. Four sources exist, all behind one
// small interface so calibration code does not care where samples come from:
//
//   ImageDirDataset     a folder of images, optionally with labels.txt
//                       (`filename<TAB>class_index` per line); without it,
//                       every image file in the folder, sorted by name.
//   FashionMnistDataset IDX files (gzip or raw) as shipped by Fashion-MNIST.
//   NpyDataset          .npy float32 tensors already preprocessed (NCHW).
//   Cifar10Dataset      a tar or tar.gz of `<split>/<class>/<name>.jpg`
//                       (CIFAR-10 as JPEG files), read without unpacking:
//                       the archive is inflated with zlib, parsed as tar
//                       (read_tar), and each JPEG decoded from memory.
//
// SubsetDataset is a view of some samples of another source: the first N,
// N from an offset, or N drawn at random with a seed (select_subset), so
// calibration can be repeated on different, reproducible subsets.
//
// Image sources yield raw 8-bit pixels (HWC); preprocess.h turns them into
// the model's float input. Npy sources yield float tensors directly. Every
// error is a qrt::ConvertError whose message names the file (and the line
// or byte offset where it makes sense).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
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

// ---------------------------------------------------------------- tar

// One regular file of a tar archive. `offset` is the byte offset of its
// header block in the uncompressed archive (what error messages name).
struct TarEntry {
  std::string name;
  uint64_t offset = 0;
  std::vector<uint8_t> data;
};

// Reads a tar archive, gzip-compressed or plain (zlib passes plain files
// through). Understands ustar/POSIX (name prefix), GNU long names ('L') and
// pax 'path' records; directories, links and other entry types are skipped.
// `keep(name)` selects which regular files' data are kept (all if empty).
// Throws ConvertError naming the file and the offset (and entry) for a bad
// header checksum or size field, a truncated header or entry, or a
// truncated/corrupt gzip stream. A missing end-of-archive marker is fine.
std::vector<TarEntry> read_tar(const std::string& path,
                               const std::function<bool(const std::string&)>& keep = {});

// ---------------------------------------------------------------- CIFAR-10

// Decodes one compressed image (JPEG/PNG/...) from memory into `out` with
// `want_channels` channels; on failure returns false and sets *error.
// Different JPEG decoders differ by a few levels per pixel (stb_image's
// IDCT and colour conversion are not libjpeg's), enough to move a CIFAR-10
// top-1 by a few images; to reproduce numbers measured with PIL (libjpeg),
// install a libjpeg decoder (qrt-eval does: eval/qrt_eval_jpeg.h).
using MemoryImageDecoder = bool (*)(const uint8_t* data, size_t size, int want_channels, Image* out,
                                    std::string* error);
// stb_image (the default).
bool decode_image_stb(const uint8_t* data, size_t size, int want_channels, Image* out, std::string* error);
// The decoder archive datasets use; nullptr restores stb_image. Process-wide:
// set it once at start-up, before loading images.
void set_memory_image_decoder(MemoryImageDecoder decoder);
MemoryImageDecoder memory_image_decoder();

// The usual CIFAR-10 class order: airplane automobile bird cat deer dog frog
// horse ship truck.
constexpr int kCifar10NumClasses = 10;
extern const char* const kCifar10Classes[kCifar10NumClasses];
// Index of a class name in kCifar10Classes, or -1.
int cifar10_class_index(const std::string& name);

// Every .jpg/.jpeg/.png/.bmp/.ppm of the archive, sorted by path; the label
// is the entry's parent folder (".../<class>/<file>"), which must be a
// CIFAR-10 class name (else an error naming the entry and its offset).
// Other files (no image extension) are ignored; no images is an error.
// The compressed JPEGs stay in memory (about 45 MB for the 50,000 train
// images) and are decoded in load().
class Cifar10Dataset : public Dataset {
 public:
  explicit Cifar10Dataset(const std::string& archive_path);
  size_t size() const override { return entries_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  const std::string& entry_name(size_t i) const { return entries_.at(i).name; }
  int label(size_t i) const { return labels_.at(i); }

 private:
  std::string path_;
  std::vector<TarEntry> entries_;
  std::vector<int> labels_;
};

// ---------------------------------------------------------------- subsets

// Which samples of a source to use.
//   sequential (random == false): `count` samples from `offset` on;
//   random: `count` distinct samples drawn uniformly with `seed` (the same
//   seed always gives the same samples, on every platform), returned in
//   ascending index order.
// count == 0 means all (from offset on; with random, a permutation of all,
// sorted: the whole set).
struct SubsetSpec {
  size_t count = 0;
  size_t offset = 0;
  bool random = false;
  uint64_t seed = 0;
  std::string describe() const;  // "first 200", "200 from offset 400", "200 random (seed 3)"
};

// The indices `spec` selects from `total` samples. Throws ConvertError if
// offset >= total (with total > 0). Fewer than `count` remain: all of them.
std::vector<size_t> select_subset(size_t total, const SubsetSpec& spec);
// Shorthand for the random mode: n distinct indices of [0, total) for `seed`.
std::vector<size_t> select_subset(size_t total, size_t n, uint64_t seed);

// A view of `base` restricted to `indices` (sample i is base[indices[i]]).
class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::unique_ptr<Dataset> base, std::vector<size_t> indices, std::string how);
  size_t size() const override { return indices_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  size_t base_index(size_t i) const { return indices_.at(i); }

 private:
  std::unique_ptr<Dataset> base_;
  std::vector<size_t> indices_;
  std::string how_;
};

// make_unique<SubsetDataset>(base, select_subset(base->size(), spec), spec.describe()).
std::unique_ptr<Dataset> make_subset(std::unique_ptr<Dataset> base, const SubsetSpec& spec);

}  // namespace qrt::backend
