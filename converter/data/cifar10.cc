#include "data/cifar10.h"

#include <algorithm>

#include "data/file_io.h"
#include "data/image_decode.h"

namespace qrt::data {

using detail::fail;

const char* const kCifar10Classes[kCifar10NumClasses] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                         "dog",      "frog",       "horse", "ship", "truck"};

int cifar10_class_index(const std::string& name) {
  for (int i = 0; i < kCifar10NumClasses; ++i)
    if (name == kCifar10Classes[i]) return i;
  return -1;
}

Cifar10Dataset::Cifar10Dataset(const std::string& archive_path, const ReadLimits& limits)
    : path_(archive_path), limits_(limits) {
  entries_ = read_tar(archive_path, [](const std::string& name) { return detail::has_image_extension(name); });
  std::sort(entries_.begin(), entries_.end(),
            [](const TarEntry& a, const TarEntry& b) { return a.name < b.name; });
  for (const TarEntry& e : entries_) {
    const size_t slash = e.name.rfind('/');
    const size_t prev = slash == std::string::npos || slash == 0 ? std::string::npos : e.name.rfind('/', slash - 1);
    const std::string cls = slash == std::string::npos ? std::string()
                                                       : e.name.substr(prev == std::string::npos ? 0 : prev + 1,
                                                                       slash - (prev == std::string::npos ? 0 : prev + 1));
    const int label = cifar10_class_index(cls);
    if (label < 0)
      fail(archive_path + ": entry '" + e.name + "' at offset " + std::to_string(e.offset) +
           ": parent folder '" + cls + "' is not a CIFAR-10 class (expected <split>/<class>/<file>, class one of "
           "airplane automobile bird cat deer dog frog horse ship truck)");
    labels_.push_back(label);
  }
  if (entries_.empty()) fail(archive_path + ": no image files (.jpg .jpeg .png .bmp .ppm) in the archive");
}

Sample Cifar10Dataset::load(size_t i, int want_channels) const {
  if (i >= entries_.size()) fail(path_ + ": image index " + std::to_string(i) + " out of range");
  const TarEntry& e = entries_[i];
  Sample s;
  s.source = path_ + ":" + e.name;
  std::string why;
  int w = 0, h = 0;
  if (image_header_size(e.data.data(), e.data.size(), &w, &h))  // before decoding anything
    check_image_pixels(path_ + ": entry '" + e.name + "' at offset " + std::to_string(e.offset), uint64_t(w),
                       uint64_t(h), limits_);
  if (!decode_image(e.data.data(), e.data.size(), want_channels, limits_.max_image_pixels, &s.image, &why))
    fail(path_ + ": entry '" + e.name + "' at offset " + std::to_string(e.offset) + ": cannot decode image: " + why);
  s.image.source = s.source;
  s.label = labels_[i];
  return s;
}

std::string Cifar10Dataset::describe() const {
  return "cifar10:" + path_ + " (" + std::to_string(entries_.size()) + " images)";
}

}  // namespace qrt::data
