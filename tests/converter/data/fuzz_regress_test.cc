// The fuzzer's findings in the data readers (docs/reliability.md), each
// replayed from the reproducer's bytes in fuzz/regressions/<target>/, or
// built here: the reader must refuse with a message naming the file and the
// place, and must not touch memory it does not own (the ASan+UBSan build
// runs this test too).
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "data/cifar10.h"
#include "data/idx.h"
#include "data/image_decode.h"
#include "data/image_dir.h"
#include "data/image_check.h"
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
  const std::string path = kFuzz + "/idx/idx_zero_rows_load";
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
  CHECK_THAT(message_of([&] { NpyDataset d({kFuzz + "/npy/npy_zero_element_memcpy"}); }),
             Catch::Contains("npy_zero_element_memcpy: "));
}

TEST_CASE("fuzz D3: a JPEG whose Huffman counts sum past 256 is refused by libjpeg", "[fuzz][jpeg]") {
  const std::string archive = kFuzz + "/cifar10/stb_jpeg_huffman_257";
  const std::vector<uint8_t> jpg = tar_entry(read_bytes(archive), "train/dog/0002.jpg");
  std::string why;
  int w = 0, h = 0;
  CHECK_FALSE(image_header_size(jpg.data(), jpg.size(), &w, &h));  // libjpeg reads the DHT with the header
  Image img;
  CHECK_FALSE(decode_image(jpg.data(), jpg.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK_THAT(why, Catch::Contains("libjpeg: Bogus Huffman table definition"));
  Cifar10Dataset d(archive);
  REQUIRE(d.size() == 2);
  CHECK_THAT(message_of([&] { d.load(1, 3); }),
             Catch::Contains("stb_jpeg_huffman_257: entry 'train/dog/0002.jpg' at offset 1024: cannot decode image: "
                             "libjpeg: Bogus Huffman table definition"));
}

TEST_CASE("fuzz D3: valid JPEGs decode, a DHT count raised past 256 is refused", "[fuzz][jpeg]") {
  std::vector<uint8_t> px(16 * 16 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = uint8_t(i * 7);
  std::vector<uint8_t> jpg = encode_jpg(16, 16, 3, px);
  std::string why;
  Image img;
  REQUIRE(decode_image(jpg.data(), jpg.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK(img.width == 16);
  size_t dht = 0;
  for (size_t i = 2; i + 1 < jpg.size() && !dht; ++i)
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC4) dht = i;
  REQUIRE(dht != 0);
  std::vector<uint8_t> bad = jpg;
  bad[dht + 5 + 15] = 0xFF;
  CHECK_FALSE(decode_image(bad.data(), bad.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK_THAT(why, Catch::StartsWith("libjpeg: "));
}

TEST_CASE("fuzz D5: corrupt entropy-coded data (stb_image shifted by 32 there) decodes or is refused cleanly",
          "[fuzz][jpeg]") {
  const std::vector<uint8_t> jpg = read_bytes(kFuzz + "/image/stb_jpeg_shift_32.jpg");
  Image img;
  std::string why;
  if (decode_image(jpg.data(), jpg.size(), 3, ReadLimits().max_image_pixels, &img, &why)) {
    CHECK(img.pixels.size() == size_t(img.width) * img.height * 3);  // libjpeg fills what is corrupt
  } else {
    CHECK_THAT(why, Catch::StartsWith("libjpeg: "));
  }
}

TEST_CASE("fuzz D6: a PNG chunk longer than the file is refused before stb_image allocates it", "[fuzz][png]") {
  // A 2.3 KB archive whose PNG's IDAT says 1,869,021,232 bytes: stb_image
  // grew its buffer to that before reading.
  const std::string archive = kFuzz + "/cifar10/png_idat_length_1869021232";
  const std::vector<uint8_t> png = tar_entry(read_bytes(archive), "train/cat/0001.png");
  std::string why;
  CHECK_FALSE(image_container_valid(png.data(), png.size(), &why));
  CHECK(why == "offset 33: PNG chunk 'IDAT' says 1869021232 bytes, the file has 60 after its header (truncated or "
               "corrupt PNG)");
  Cifar10Dataset d(archive);
  CHECK_THAT(message_of([&] { d.load(0, 3); }),
             Catch::Contains("entry 'train/cat/0001.png' at offset 0: cannot decode image: offset 33: PNG chunk 'IDAT'"));
  // Valid PNGs pass, also with chunks after IEND's end ignored; a cut-off
  // chunk header is refused.
  std::vector<uint8_t> px(5 * 4 * 3, 77);
  std::vector<uint8_t> ok = encode_png(5, 4, 3, px);
  CHECK(image_container_valid(ok.data(), ok.size(), &why));
  Image img;
  REQUIRE(decode_image(ok.data(), ok.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK(img.pixels == px);
  ok.push_back(0);
  CHECK(image_container_valid(ok.data(), ok.size(), &why));
  std::vector<uint8_t> cut(ok.begin(), ok.begin() + 8 + 13 + 12 + 5);  // IHDR whole, then 5 bytes
  CHECK_FALSE(image_container_valid(cut.data(), cut.size(), &why));
  CHECK(why == "offset 33: PNG chunk header cut off (5 bytes left, a chunk takes at least 12; truncated PNG)");
}

TEST_CASE("fuzz D8: an empty first IDAT chunk is refused (stb_image copied it to a null buffer)", "[fuzz][png]") {
  const std::string archive = kFuzz + "/cifar10/png_empty_first_idat";
  Cifar10Dataset d(archive);
  REQUIRE(d.size() >= 1);
  CHECK_THAT(message_of([&] { d.load(0, 3); }),
             Catch::Contains("entry 'train/cat/0001.png' at offset 0: cannot decode image: offset 95: empty IDAT chunk "
                             "before any image data (corrupt PNG)"));
  // An empty IDAT after one with data is valid PNG and passes the check.
  std::vector<uint8_t> png = encode_png(3, 2, 3, std::vector<uint8_t>(18, 9));
  size_t iend = 8;
  while (iend + 8 <= png.size() && std::string(png.begin() + long(iend) + 4, png.begin() + long(iend) + 8) != "IEND")
    iend += 12 + ((size_t(png[iend]) << 24) | (size_t(png[iend + 1]) << 16) | (size_t(png[iend + 2]) << 8) | png[iend + 3]);
  const std::vector<uint8_t> empty_idat = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xAF, 0x06, 0x1E};
  png.insert(png.begin() + long(iend), empty_idat.begin(), empty_idat.end());
  std::string why;
  CHECK(image_container_valid(png.data(), png.size(), &why));
  Image img;
  REQUIRE(decode_image(png.data(), png.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK(img.pixels == std::vector<uint8_t>(18, 9));
}

TEST_CASE("fuzz D7: 16-bit and truncated PNMs are refused before stb_image reads them", "[fuzz][pnm]") {
  // 16-bit P6 converted to 1 channel: stb_image read past its buffer.
  const std::vector<uint8_t> p16 = read_bytes(kFuzz + "/image/pnm_16bit_channel_change");
  Image img;
  std::string why;
  for (int c : {1, 3}) {
    CHECK_FALSE(decode_image(p16.data(), p16.size(), c, ReadLimits().max_image_pixels, &img, &why));
    CHECK(why == "PNM maxval 25555: 16-bit PNM is not supported (convert to 8 bits, maxval <= 255)");
  }
  const auto pnm = [](const std::string& header, size_t pixel_bytes) {
    std::vector<uint8_t> v(header.begin(), header.end());
    for (size_t i = 0; i < pixel_bytes; ++i) v.push_back(uint8_t(i * 13));
    return v;
  };
  // Whole files decode, with comments in the header, as P5 and P6.
  std::vector<uint8_t> p6 = pnm("P6\n# a comment\n3 2\n255\n", 18);
  REQUIRE(decode_image(p6.data(), p6.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK(img.pixels == std::vector<uint8_t>(p6.end() - 18, p6.end()));
  std::vector<uint8_t> p5 = pnm("P5 3 2 255 ", 6);
  REQUIRE(decode_image(p5.data(), p5.size(), 1, ReadLimits().max_image_pixels, &img, &why));
  CHECK(img.pixels == std::vector<uint8_t>(p5.end() - 6, p5.end()));
  // One byte short: refused (stb_image returned uninitialized pixels).
  std::vector<uint8_t> short6 = pnm("P6\n3 2\n255\n", 17);
  CHECK_FALSE(decode_image(short6.data(), short6.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK(why == "offset 11: PNM 3x2x3 needs 18 pixel bytes, the file has 17 (truncated PNM)");
  std::vector<uint8_t> zero = pnm("P5 0 2 255 ", 6);
  CHECK_FALSE(image_container_valid(zero.data(), zero.size(), &why));
  CHECK(why == "offset 3: PNM width 0 is out of range (1 to 2147483647)");
  std::vector<uint8_t> none = pnm("P5 3 ", 0);
  CHECK_FALSE(image_container_valid(none.data(), none.size(), &why));
  CHECK(why == "offset 5: PNM height missing (corrupt PNM header)");
  std::vector<uint8_t> digits = pnm("P5 12345678901 2 255 ", 0);
  CHECK_FALSE(image_container_valid(digits.data(), digits.size(), &why));
  CHECK(why == "offset 3: PNM width has more than 10 digits (corrupt PNM header)");
}

TEST_CASE("fuzz D4: a corrupt PNG is refused with a reason", "[fuzz][png]") {
  const std::vector<uint8_t> png = read_bytes(kFuzz + "/image/png_refused_without_reason");
  Image img;
  std::string why;
  CHECK_FALSE(decode_image(png.data(), png.size(), 3, ReadLimits().max_image_pixels, &img, &why));
  CHECK_FALSE(why.empty());
  TempDir dir;
  write_bytes(dir.file("bad.png"), std::string(png.begin(), png.end()));
  ImageDirDataset d(dir.path());
  CHECK_THAT(message_of([&] { d.load(0, 3); }), Catch::Matches(".*bad\\.png: cannot decode image: [a-z].*"));
}
