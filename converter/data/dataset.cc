#include "data/dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "graph/graph.h"

#include "stb_image.h"

namespace qrt::backend {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw ConvertError(msg); }

bool has_image_extension(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "bmp" ||
         ext == "ppm" || ext == "pgm" || ext == "pnm";
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// Reads a file through zlib: gzip streams are inflated, plain files pass.
std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof(buf));
    if (n < 0) {
      int errnum = 0;
      const std::string what = gzerror(f, &errnum);
      gzclose(f);
      fail(path + ": read error after " + std::to_string(out.size()) + " bytes: " + what);
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  gzclose(f);
  return out;
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

}  // namespace

// ---------------------------------------------------------------- images

ImageDirDataset::ImageDirDataset(const std::string& dir) : dir_(dir) {
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
      if (label_text.empty() || *end != '\0' || label < 0)
        fail(labels_path + ":" + std::to_string(line_no) + ": bad class index '" + label_text + "'");
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
    if (has_image_extension(name)) files_.push_back(name);
  }
  closedir(d);
  std::sort(files_.begin(), files_.end());  // deterministic order
  if (files_.empty()) fail(dir + ": no image files (.jpg .jpeg .png .bmp .ppm .pgm)");
  labels_.assign(files_.size(), -1);
}

Sample ImageDirDataset::load(size_t i, int want_channels) const {
  const std::string path = join_path(dir_, files_.at(i));
  int w = 0, h = 0, c = 0;
  uint8_t* px = stbi_load(path.c_str(), &w, &h, &c, want_channels);
  if (!px) fail(path + ": cannot decode image: " + stbi_failure_reason());
  Sample s;
  s.image.width = w;
  s.image.height = h;
  s.image.channels = want_channels;
  s.image.pixels.assign(px, px + size_t(w) * h * want_channels);
  s.image.source = path;
  stbi_image_free(px);
  s.label = labels_[i];
  s.source = path;
  return s;
}

std::string ImageDirDataset::describe() const {
  return "images:" + dir_ + " (" + std::to_string(files_.size()) + " files" +
         (has_labels_ ? ", labels.txt)" : ")");
}

// ---------------------------------------------------------------- IDX

IdxArray read_idx_file(const std::string& path, uint8_t expect_type_code, int expect_ndims) {
  const std::vector<uint8_t> bytes = read_maybe_gzip(path);
  if (bytes.size() < 4) fail(path + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) fail(path + ": offset 0: not an IDX file (bad magic)");
  if (bytes[2] != expect_type_code)
    fail(path + ": offset 2: IDX type code " + std::to_string(bytes[2]) + ", expected " +
         std::to_string(expect_type_code) + " (unsigned byte)");
  const int ndims = bytes[3];
  if (ndims != expect_ndims)
    fail(path + ": offset 3: " + std::to_string(ndims) + " dimensions, expected " + std::to_string(expect_ndims));
  const size_t header = 4 + 4 * size_t(ndims);
  if (bytes.size() < header) fail(path + ": truncated IDX header");
  IdxArray a;
  size_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t v = be32(&bytes[4 + 4 * d]);
    if (v == 0 || v > (1u << 28)) fail(path + ": offset " + std::to_string(4 + 4 * d) + ": bad dimension " + std::to_string(v));
    a.dims.push_back(static_cast<int>(v));
    total *= v;
  }
  if (bytes.size() != header + total)
    fail(path + ": expected " + std::to_string(header + total) + " bytes from the header, file has " +
         std::to_string(bytes.size()));
  a.data.assign(bytes.begin() + header, bytes.end());
  return a;
}

FashionMnistDataset::FashionMnistDataset(const std::string& images_path, const std::string& labels_path)
    : images_path_(images_path) {
  IdxArray img = read_idx_file(images_path, 0x08, 3);
  count_ = size_t(img.dims[0]);
  rows_ = img.dims[1];
  cols_ = img.dims[2];
  pixels_ = std::move(img.data);
  if (!labels_path.empty()) {
    IdxArray lab = read_idx_file(labels_path, 0x08, 1);
    if (size_t(lab.dims[0]) != count_)
      fail(labels_path + ": " + std::to_string(lab.dims[0]) + " labels but " + images_path + " has " +
           std::to_string(count_) + " images");
    labels_ = std::move(lab.data);
  }
}

Sample FashionMnistDataset::load(size_t i, int want_channels) const {
  if (i >= count_) fail(images_path_ + ": image index " + std::to_string(i) + " out of range");
  Sample s;
  s.source = images_path_ + "[" + std::to_string(i) + "]";
  s.image.width = cols_;
  s.image.height = rows_;
  s.image.channels = want_channels;
  s.image.source = s.source;
  const uint8_t* src = &pixels_[i * size_t(rows_) * cols_];
  const size_t n = size_t(rows_) * cols_;
  s.image.pixels.resize(n * want_channels);
  for (size_t p = 0; p < n; ++p)
    for (int c = 0; c < want_channels; ++c) s.image.pixels[p * want_channels + c] = src[p];
  s.label = labels_.empty() ? -1 : labels_[i];
  return s;
}

std::string FashionMnistDataset::describe() const {
  return "fashion-mnist:" + images_path_ + " (" + std::to_string(count_) + " images)";
}

// ---------------------------------------------------------------- NPY

NpyArray read_npy_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0) fail(path + ": offset 0: not a .npy file");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path + ": truncated .npy header");
    header_len = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    header_start = 12;
  } else {
    fail(path + ": offset 6: unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < header_start + header_len) fail(path + ": truncated .npy header");
  const std::string header(bytes.begin() + header_start, bytes.begin() + header_start + header_len);
  auto field = [&](const std::string& key) -> std::string {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) fail(path + ": .npy header has no '" + key + "'");
    size_t v = header.find(':', k);
    return header.substr(v + 1);
  };
  const std::string descr = field("descr");
  if (descr.find("'<f4'") == std::string::npos && descr.find("'float32'") == std::string::npos)
    fail(path + ": .npy dtype must be little-endian float32 ('<f4'), header: " + header);
  const std::string fortran = field("fortran_order");
  if (fortran.find("True") < fortran.find("False"))
    fail(path + ": .npy fortran_order arrays are not supported");
  std::string shape_text = field("shape");
  const size_t open = shape_text.find('('), close = shape_text.find(')');
  if (open == std::string::npos || close == std::string::npos) fail(path + ": bad .npy shape in header");
  NpyArray a;
  std::stringstream ss(shape_text.substr(open + 1, close - open - 1));
  std::string item;
  size_t total = 1;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    const long long d = std::stoll(item);
    if (d < 0) fail(path + ": negative dimension in .npy shape");
    a.shape.push_back(d);
    total *= size_t(d);
  }
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start != total * 4)
    fail(path + ": .npy data is " + std::to_string(bytes.size() - data_start) + " bytes, shape needs " +
         std::to_string(total * 4));
  a.data.resize(total);
  std::memcpy(a.data.data(), bytes.data() + data_start, total * 4);  // host is little-endian
  return a;
}

NpyDataset::NpyDataset(const std::vector<std::string>& files) : files_(files) {
  if (files.empty()) fail("--calib-npy: no files given");
  for (size_t f = 0; f < files.size(); ++f) {
    arrays_.push_back(read_npy_f32(files[f]));
    const NpyArray& a = arrays_.back();
    const size_t items = (a.shape.size() == 4 && a.shape[0] > 1) ? size_t(a.shape[0]) : 1;
    for (size_t i = 0; i < items; ++i) index_.push_back({f, i});
  }
}

Sample NpyDataset::load(size_t i, int /*want_channels*/) const {
  const Entry& e = index_.at(i);
  const NpyArray& a = arrays_[e.file];
  Sample s;
  s.is_tensor = true;
  s.source = files_[e.file] + (a.shape.size() == 4 && a.shape[0] > 1 ? "[" + std::to_string(e.item) + "]" : "");
  s.shape = a.shape;
  if (a.shape.size() == 4) s.shape[0] = 1;
  const size_t per = a.data.size() / (a.shape.size() == 4 && a.shape[0] > 1 ? size_t(a.shape[0]) : 1);
  s.tensor.assign(a.data.begin() + e.item * per, a.data.begin() + (e.item + 1) * per);
  return s;
}

std::string NpyDataset::describe() const {
  std::string s = "npy:";
  for (size_t f = 0; f < files_.size(); ++f) s += (f ? "," : "") + files_[f];
  return s + " (" + std::to_string(index_.size()) + " tensors)";
}

// ---------------------------------------------------------------- tar

namespace {

constexpr size_t kBlock = 512;

// Reads exactly n bytes from a gz stream (plain files pass through). Returns
// the count read (< n only at the end of the stream); a corrupt or truncated
// gzip stream throws, naming the uncompressed offset reached.
size_t gz_read_exact(gzFile f, const std::string& path, uint64_t at, uint8_t* dst, size_t n) {
  size_t got = 0;
  while (got < n) {
    const unsigned chunk = unsigned(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, dst + got, chunk);
    int errnum = Z_OK;
    const char* what = gzerror(f, &errnum);
    if (r < 0 || (errnum != Z_OK && errnum != Z_BUF_ERROR))
      fail(path + ": corrupt gzip stream near uncompressed offset " + std::to_string(at + got) + ": " + what);
    if (errnum == Z_BUF_ERROR)  // zlib's "unexpected end of file"
      fail(path + ": gzip stream truncated at uncompressed offset " + std::to_string(at + got + size_t(r > 0 ? r : 0)));
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

// A numeric header field: octal digits (space/NUL padded), or GNU base-256
// when the first byte has its top bit set.
bool parse_tar_number(const uint8_t* p, size_t len, uint64_t* out) {
  uint64_t v = 0;
  if (p[0] & 0x80) {
    if (p[0] != 0x80) return false;  // negative or too large
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return false;
      v = (v << 8) | p[i];
    }
    *out = v;
    return true;
  }
  size_t i = 0;
  while (i < len && p[i] == ' ') ++i;
  bool any = false;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return false;
    v = v * 8 + uint64_t(p[i] - '0');
    any = true;
  }
  for (; i < len; ++i)
    if (p[i] != ' ' && p[i] != 0) return false;
  *out = v;
  return any;
}

std::string field_string(const uint8_t* p, size_t len) {
  size_t n = 0;
  while (n < len && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

// The "path" record of a pax extended header ("<len> path=<value>\n"...).
std::string pax_path(const std::vector<uint8_t>& data) {
  std::string rec(data.begin(), data.end()), path;
  size_t pos = 0;
  while (pos < rec.size()) {
    const size_t sp = rec.find(' ', pos);
    if (sp == std::string::npos) break;
    const size_t len = size_t(std::strtoull(rec.c_str() + pos, nullptr, 10));
    if (len == 0 || pos + len > rec.size()) break;
    const std::string kv = rec.substr(sp + 1, pos + len - sp - 2);  // without '\n'
    if (kv.compare(0, 5, "path=") == 0) path = kv.substr(5);
    pos += len;
  }
  return path;
}

}  // namespace

std::vector<TarEntry> read_tar(const std::string& path, const std::function<bool(const std::string&)>& keep) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path + ": cannot open");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  gzbuffer(f, 1 << 17);

  std::vector<TarEntry> out;
  uint64_t at = 0;  // uncompressed offset of the next block
  std::string long_name;  // from a GNU 'L' or pax 'x' entry, for the next one
  uint8_t h[kBlock];
  for (;;) {
    const size_t got = gz_read_exact(f, path, at, h, kBlock);
    if (got == 0) break;  // no end-of-archive blocks: accepted
    if (got < kBlock)
      fail(path + ": truncated tar header at offset " + std::to_string(at) + " (" + std::to_string(got) +
           " of 512 bytes)");
    if (std::all_of(h, h + kBlock, [](uint8_t b) { return b == 0; })) break;  // end of archive

    uint64_t stored = 0;
    if (!parse_tar_number(h + 148, 8, &stored))
      fail(path + ": offset " + std::to_string(at) + ": not a tar header (bad checksum field)");
    uint64_t sum = 0;
    int64_t ssum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      const uint8_t b = (i >= 148 && i < 156) ? uint8_t(' ') : h[i];
      sum += b;
      ssum += int8_t(b);
    }
    if (stored != sum && int64_t(stored) != ssum)
      fail(path + ": offset " + std::to_string(at) + ": tar header checksum mismatch (stored " +
           std::to_string(stored) + ", computed " + std::to_string(sum) + "): not a tar archive or corrupted");

    std::string name = field_string(h, 100);
    if (std::memcmp(h + 257, "ustar\0", 6) == 0) {  // POSIX ustar: name prefix
      const std::string prefix = field_string(h + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (!long_name.empty()) name = long_name;
    uint64_t size = 0;
    if (!parse_tar_number(h + 124, 12, &size))
      fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": bad size field");
    const char type = char(h[156]);
    const bool regular = type == '0' || type == '\0' || type == '7';
    const bool meta = type == 'L' || type == 'x';
    const bool want = meta || (regular && (!keep || keep(name)));
    const uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
    const uint64_t data_at = at + kBlock;

    TarEntry e;
    e.name = name;
    e.offset = at;
    if (want) {
      if (size > (uint64_t(1) << 32))
        fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": " + std::to_string(size) +
             " bytes is too large");
      e.data.resize(size_t(padded));
      const size_t n = gz_read_exact(f, path, data_at, e.data.data(), size_t(padded));
      if (n < size)
        fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": data truncated (" +
             std::to_string(size) + " bytes, archive ends after " + std::to_string(n) + ")");
      e.data.resize(size_t(size));
    } else {
      uint8_t skip[1 << 14];
      uint64_t left = padded;
      while (left > 0) {
        const size_t step = size_t(std::min<uint64_t>(left, sizeof(skip)));
        const size_t n = gz_read_exact(f, path, data_at + (padded - left), skip, step);
        left -= n;
        if (n < step && padded - left < size)
          fail(path + ": entry '" + name + "' at offset " + std::to_string(at) + ": data truncated (" +
               std::to_string(size) + " bytes, archive ends after " + std::to_string(padded - left) + ")");
        if (n < step) break;
      }
    }
    at = data_at + padded;

    if (type == 'L') {
      long_name = field_string(e.data.data(), e.data.size());
      continue;
    }
    if (type == 'x') {
      long_name = pax_path(e.data);
      continue;
    }
    long_name.clear();
    if (want) out.push_back(std::move(e));
  }
  return out;
}

// ---------------------------------------------------------------- CIFAR-10

namespace {
MemoryImageDecoder g_decoder = nullptr;
}  // namespace

bool decode_image_stb(const uint8_t* data, size_t size, int want_channels, Image* out, std::string* error) {
  int w = 0, h = 0, c = 0;
  uint8_t* px = stbi_load_from_memory(data, int(size), &w, &h, &c, want_channels);
  if (!px) {
    *error = stbi_failure_reason();
    return false;
  }
  out->width = w;
  out->height = h;
  out->channels = want_channels;
  out->pixels.assign(px, px + size_t(w) * h * want_channels);
  stbi_image_free(px);
  return true;
}

void set_memory_image_decoder(MemoryImageDecoder decoder) { g_decoder = decoder; }
MemoryImageDecoder memory_image_decoder() { return g_decoder ? g_decoder : decode_image_stb; }

const char* const kCifar10Classes[kCifar10NumClasses] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                         "dog",      "frog",       "horse", "ship", "truck"};

int cifar10_class_index(const std::string& name) {
  for (int i = 0; i < kCifar10NumClasses; ++i)
    if (name == kCifar10Classes[i]) return i;
  return -1;
}

Cifar10Dataset::Cifar10Dataset(const std::string& archive_path) : path_(archive_path) {
  entries_ = read_tar(archive_path, [](const std::string& name) { return has_image_extension(name); });
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
  if (!memory_image_decoder()(e.data.data(), e.data.size(), want_channels, &s.image, &why))
    fail(path_ + ": entry '" + e.name + "' at offset " + std::to_string(e.offset) + ": cannot decode image: " + why);
  s.image.source = s.source;
  s.label = labels_[i];
  return s;
}

std::string Cifar10Dataset::describe() const {
  return "cifar10:" + path_ + " (" + std::to_string(entries_.size()) + " images)";
}

// ---------------------------------------------------------------- subsets

namespace {

// splitmix64: a tiny, well-mixed generator whose output is the same on every
// platform (std::uniform_int_distribution is not).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0, by rejection (no modulo bias).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = next(); while (v >= limit);
    return v % n;
  }
};

}  // namespace

std::string SubsetSpec::describe() const {
  const std::string n = count == 0 ? std::string("all") : std::to_string(count);
  if (random) return n + " random (seed " + std::to_string(seed) + ")";
  if (offset == 0) return count == 0 ? "all" : "first " + n;
  return n + " from offset " + std::to_string(offset);
}

std::vector<size_t> select_subset(size_t total, const SubsetSpec& spec) {
  std::vector<size_t> idx;
  if (total == 0) return idx;
  if (spec.random) {
    const size_t n = spec.count == 0 ? total : std::min(spec.count, total);
    std::vector<size_t> perm(total);
    for (size_t i = 0; i < total; ++i) perm[i] = i;
    SplitMix64 rng{spec.seed};
    for (size_t i = 0; i < n; ++i) {  // partial Fisher-Yates: the first n are a uniform draw
      const size_t j = i + size_t(rng.below(uint64_t(total - i)));
      std::swap(perm[i], perm[j]);
    }
    idx.assign(perm.begin(), perm.begin() + std::ptrdiff_t(n));
    std::sort(idx.begin(), idx.end());
    return idx;
  }
  if (spec.offset >= total)
    fail("subset offset " + std::to_string(spec.offset) + " is past the end (" + std::to_string(total) +
         " samples)");
  const size_t left = total - spec.offset;
  const size_t n = spec.count == 0 ? left : std::min(spec.count, left);
  for (size_t i = 0; i < n; ++i) idx.push_back(spec.offset + i);
  return idx;
}

std::vector<size_t> select_subset(size_t total, size_t n, uint64_t seed) {
  SubsetSpec spec;
  spec.count = n;
  spec.random = true;
  spec.seed = seed;
  return select_subset(total, spec);
}

SubsetDataset::SubsetDataset(std::unique_ptr<Dataset> base, std::vector<size_t> indices, std::string how)
    : base_(std::move(base)), indices_(std::move(indices)), how_(std::move(how)) {
  for (size_t i : indices_)
    if (i >= base_->size())
      fail(base_->describe() + ": subset index " + std::to_string(i) + " out of range");
}

Sample SubsetDataset::load(size_t i, int want_channels) const { return base_->load(indices_.at(i), want_channels); }

std::string SubsetDataset::describe() const { return base_->describe() + ", " + how_; }

std::unique_ptr<Dataset> make_subset(std::unique_ptr<Dataset> base, const SubsetSpec& spec) {
  std::vector<size_t> idx = select_subset(base->size(), spec);
  return std::make_unique<SubsetDataset>(std::move(base), std::move(idx), spec.describe());
}

}  // namespace qrt::backend
