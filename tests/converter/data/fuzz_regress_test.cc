// The fuzzer's findings in the data readers (docs/reliability.md), each
// replayed from the reproducer's bytes, committed under fuzz/ beside this
// file (copied from the fuzz branch's fuzz/open/<target>/<name>), or built
// here: the reader must refuse with a message naming the file and the
// place, and must not touch memory it does not own (the ASan+UBSan build
// runs this test too).
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_decode.h"
#include "data/image_dir.h"
#include "data/jpeg_check.h"
#include "data/npy.h"
#include "files.h"
#include "graph/graph.h"

using namespace qrt::data;
using namespace qrt::testing;

namespace {

const std::string kFuzz = QRT_FUZZ_DIR;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qrt::ConvertError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string npy_with_shape(const std::string& shape) {
  std::string d = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + d.size() + 1) % 64 != 0) d += ' ';
  d += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(d.size() & 0xff) + char(d.size() >> 8) + d;
}

// The entry `name`'s bytes in an uncompressed tar (the reproducer archive
// ends early, so a tar tool refuses it).
std::vector<uint8_t> tar_entry(const std::vector<uint8_t>& tar, const std::string& name) {
  for (size_t off = 0; off + 512 <= tar.size();) {
    const std::string entry(reinterpret_cast<const char*>(&tar[off]));
    const size_t size = std::stoul(std::string(reinterpret_cast<const char*>(&tar[off + 124]), 11), nullptr, 8);
    if (entry == name) return std::vector<uint8_t>(tar.begin() + long(off + 512), tar.begin() + long(off + 512 + size));
    off += 512 + (size + 511) / 512 * 512;
  }
  FAIL("no entry " << name);
  return {};
}

}  // namespace

TEST_CASE("fuzz D1: IDX dims whose product is 0 mod 2^64 are refused at open", "[fuzz][idx]") {
  const std::string path = kFuzz + "/idx_zero_rows_load";  // fuzz/open/idx/idx_zero_rows_load
  CHECK_THAT(message_of([&] { FashionMnistDataset d(path, ""); }),
             Catch::Contains("idx_zero_rows_load: offset 4: IDX dimensions: (50331648, 33554432, 67174400) has more "
                             "elements than fit in 64 bits"));
}

TEST_CASE("fuzz D2: a .npy array of 0 elements is refused naming the file and shape", "[fuzz][npy]") {
  TempDir dir;
  write_bytes(dir.file("empty.npy"), npy_with_shape("(2, 0, 5)"));
  CHECK_THAT(message_of([&] { NpyDataset d({dir.file("empty.npy")}); }),
             Catch::Contains("empty.npy: .npy shape (2, 0, 5) has 0 elements"));
  write_bytes(dir.file("zero.npy"), npy_with_shape("(0,)"));
  CHECK_THAT(message_of([&] { NpyDataset d({dir.file("zero.npy")}); }),
             Catch::Contains("zero.npy: .npy shape (0,) has 0 elements"));
  // The reproducer itself (a garbled header) is refused too.
  CHECK_THAT(message_of([&] { NpyDataset d({kFuzz + "/npy_zero_element_memcpy"}); }),
             Catch::Contains("npy_zero_element_memcpy: "));
}

TEST_CASE("fuzz D3: a JPEG whose Huffman counts sum past 256 never reaches stb_image", "[fuzz][jpeg]") {
  const std::string archive = kFuzz + "/stb_jpeg_huffman_257";  // fuzz/open/cifar10/stb_jpeg_huffman_257
  const std::vector<uint8_t> jpg = tar_entry(read_bytes(archive), "train/dog/0002.jpg");
  std::string why;
  CHECK_FALSE(jpeg_huffman_tables_valid(jpg.data(), jpg.size(), &why));
  CHECK_THAT(why, Catch::Contains("offset 161: JPEG Huffman table (DHT segment at offset 157) defines 260 codes"));
  int w = 0, h = 0;
  CHECK_FALSE(image_header_size(jpg.data(), jpg.size(), &w, &h));  // stbi_info reads the DHT too
  Image img;
  why.clear();
  CHECK_FALSE(decode_image_stb(jpg.data(), jpg.size(), 3, &img, &why));
  CHECK_THAT(why, Catch::Contains("defines 260 codes"));
  Cifar10Dataset d(archive);
  REQUIRE(d.size() == 2);
  CHECK_THAT(message_of([&] { d.load(1, 3); }),
             Catch::Contains("stb_jpeg_huffman_257: entry 'train/dog/0002.jpg' at offset 1024: cannot decode image: "
                             "offset 161: JPEG Huffman table"));
}

TEST_CASE("fuzz D3: the DHT check passes valid JPEGs and follows stb_image's walk", "[fuzz][jpeg]") {
  std::vector<uint8_t> px(16 * 16 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 7);
  std::vector<uint8_t> jpg = encode_jpg(16, 16, 3, px);
  std::string why;
  CHECK(jpeg_huffman_tables_valid(jpg.data(), jpg.size(), &why));
  Image img;
  REQUIRE(decode_image_stb(jpg.data(), jpg.size(), 3, &img, &why));
  CHECK(img.width == 16);
  // The first DHT table's 16-bit code count raised past 256: refused.
  size_t dht = 0;
  for (size_t i = 2; i + 1 < jpg.size() && !dht; ++i)
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC4) dht = i;
  REQUIRE(dht != 0);
  std::vector<uint8_t> bad = jpg;
  bad[dht + 5 + 15] = 0xFF;
  CHECK_FALSE(jpeg_huffman_tables_valid(bad.data(), bad.size(), &why));
  CHECK_FALSE(decode_image_stb(bad.data(), bad.size(), 3, &img, &why));
  CHECK_THAT(why, Catch::Contains("JPEG Huffman table (DHT segment at offset " + std::to_string(dht) + ")"));
  // 0xFFC4 inside an APP1 payload is data, not a DHT: not refused.
  const std::vector<uint8_t> app = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x16, 0xFF, 0xC4, 0x00, 0x20, 0x10,
                                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xD9};
  CHECK(jpeg_huffman_tables_valid(app.data(), app.size(), &why));
  // A DHT after a scan's entropy data (with a stuffed 0xFF00 and a restart
  // marker in it), as progressive JPEGs have: checked.
  std::vector<uint8_t> scan = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0,
                               0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xC4, 0x00, 0x13, 0x00};
  for (int i = 0; i < 16; ++i) scan.push_back(i == 15 ? 0xFF : 0x02);
  CHECK_FALSE(jpeg_huffman_tables_valid(scan.data(), scan.size(), &why));
  CHECK_THAT(why, Catch::Contains("DHT segment at offset 20) defines 285 codes"));
  // Exactly 256 codes is a full table, not an overrun.
  std::vector<uint8_t> full = {0xFF, 0xD8, 0xFF, 0xC4, 0x01, 0x13, 0x00};
  for (int i = 0; i < 16; ++i) full.push_back(i == 15 ? 0x10 : 0x10);
  full.resize(full.size() + 256, 0);
  CHECK(jpeg_huffman_tables_valid(full.data(), full.size(), &why));
  // Not a JPEG: not this check's business.
  CHECK(jpeg_huffman_tables_valid(px.data(), px.size(), &why));
}

TEST_CASE("fuzz D4: a corrupt PNG is refused with a reason", "[fuzz][png]") {
  const std::vector<uint8_t> png = read_bytes(kFuzz + "/png_refused_without_reason");  // fuzz/open/image/...
  Image img;
  std::string why;
  CHECK_FALSE(decode_image_stb(png.data(), png.size(), 3, &img, &why));
  CHECK_FALSE(why.empty());
  TempDir dir;
  write_bytes(dir.file("bad.png"), std::string(png.begin(), png.end()));
  ImageDirDataset d(dir.path());
  CHECK_THAT(message_of([&] { d.load(0, 3); }), Catch::Matches(".*bad\\.png: cannot decode image: [a-z].*"));
}
