#include "data/image_dir.h"

#include <dirent.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>

#include "data/file_io.h"
#include "data/image_decode.h"

namespace qrt::data {

using detail::fail;
using detail::join_path;

ImageDirDataset::ImageDirDataset(const std::string& dir, const ReadLimits& limits) : dir_(dir), limits_(limits) {
  const std::string labels_path = join_path(dir, "labels.txt");
  std::ifstream in(labels_path);
  if (in) {
    has_labels_ = true;
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const size_t tab = line.find('\t');
      if (tab == std::string::npos || tab == 0)
        fail(labels_path + ":" + std::to_string(line_no) + ": expected 'filename<TAB>class_index'");
      const std::string label_text = line.substr(tab + 1);
      char* end = nullptr;
      const long label = std::strtol(label_text.c_str(), &end, 10);
      if (label_text.empty() || *end != '\0' || label < 0 || label > 1000000)
        fail(labels_path + ":" + std::to_string(line_no) + ": bad class index '" + label_text + "' (0 to 1000000)");
      files_.push_back(line.substr(0, tab));
      labels_.push_back(static_cast<int>(label));
    }
    if (files_.empty()) fail(labels_path + ": no entries");
    return;
  }
  DIR* d = opendir(dir.c_str());
  if (!d) fail(dir + ": cannot open image directory (and no labels.txt)");
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (detail::has_image_extension(name)) files_.push_back(name);
  }
  closedir(d);
  std::sort(files_.begin(), files_.end());  // deterministic order
  if (files_.empty()) fail(dir + ": no image files (.jpg .jpeg .png .bmp .ppm .pgm)");
  labels_.assign(files_.size(), -1);
}

Sample ImageDirDataset::load(size_t i, int want_channels) const {
  const std::string path = join_path(dir_, files_.at(i));
  const std::vector<uint8_t> bytes = detail::read_file(path, uint64_t(INT_MAX));
  Sample s;
  int w = 0, h = 0;
  // The header's size, before decoding anything.
  if (image_header_size(bytes.data(), bytes.size(), &w, &h))
    check_image_pixels(path, uint64_t(w), uint64_t(h), limits_);
  std::string why;
  if (!decode_image(bytes.data(), bytes.size(), want_channels, limits_.max_image_pixels, &s.image, &why))
    fail(path + ": cannot decode image: " + why);
  s.image.source = path;
  s.label = labels_[i];
  s.source = path;
  return s;
}

std::string ImageDirDataset::describe() const {
  return "images:" + dir_ + " (" + std::to_string(files_.size()) + " files" +
         (has_labels_ ? ", labels.txt)" : ")");
}

}  // namespace qrt::data
