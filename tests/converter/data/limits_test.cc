// The data readers' limits and checked arithmetic (data/limits.h): sizes
// read from hostile headers never overflow, never allocate before the
// check, and the message names the file, the field and the flag. The
// command-line side of the same cases is in tests/bad_inputs/.
#include <catch2/catch.hpp>

#include <string>

#include "data/image_decode.h"
#include "data/limits.h"
#include "data/npy.h"
#include "data/preprocess.h"
#include "graph/graph.h"
#include "test_util.h"

using namespace qrt::data;
using namespace qrt::testing;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qrt::ConvertError& e) {
    return e.what();
  }
  return "(no error)";
}

// A version-1 .npy header for `shape` (a Python tuple's text), no data.
std::string npy_header(const std::string& shape) {
  std::string d = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + d.size() + 1) % 64 != 0) d += ' ';
  d += '\n';
  return std::string("\x93NUMPY\x01\x00", 8) + char(d.size() & 0xff) + char(d.size() >> 8) + d;
}

}  // namespace

TEST_CASE("limits: element counts are multiplied without overflow", "[limits]") {
  ReadLimits l;
  CHECK(checked_elements("x", {2, 3, 4}, l) == 24);
  CHECK(checked_elements("x", {uint64_t(1) << 40, 0}, l) == 0);  // empty, whatever the other dims
  CHECK_THAT(message_of([&] { checked_elements("f.npy", {uint64_t(1) << 32, uint64_t(1) << 32, 1}, l); }),
             Catch::Contains("f.npy: (4294967296, 4294967296, 1) has more elements than fit in 64 bits"));
  l.max_tensor_elements = 23;
  CHECK_THAT(message_of([&] { checked_elements("f.npy", {2, 3, 4}, l); }),
             Catch::Contains("24 elements, over the limit of 23 (--max-tensor-elements"));
  CHECK_THAT(message_of([&] { check_image_pixels("a.png", 20000, 20000, ReadLimits{}); }),
             Catch::Contains("a.png: image is 20000x20000 (400000000 pixels), over the limit of 16777216 pixels "
                             "(--max-image-pixels"));
  check_image_pixels("a.png", 4096, 4096, ReadLimits{});  // the default allows 4096x4096
}

TEST_CASE("limits: the 128-byte .npy of shape (2^32, 2^32, 1, 1) is refused at once", "[limits][npy]") {
  TempDir dir;
  const std::string bytes = npy_header("(4294967296, 4294967296, 1, 1)");
  REQUIRE(bytes.size() == 128);
  write_bytes(dir.file("huge.npy"), bytes);
  CHECK_THAT(message_of([&] { NpyDataset d({dir.file("huge.npy")}); }),
             Catch::Contains("huge.npy: .npy shape: (4294967296, 4294967296, 1, 1) has more elements than fit"));
  write_bytes(dir.file("word.npy"), npy_header("(1, 3, eight, 8)"));
  CHECK_THAT(message_of([&] { read_npy_f32(dir.file("word.npy")); }),
             Catch::Contains("shape (1, 3, eight, 8): 'eight' is not a dimension"));
  write_bytes(dir.file("short.npy"), npy_header("(2, 2)") + std::string(12, '\0'));
  CHECK_THAT(message_of([&] { read_npy_f32(dir.file("short.npy")); }),
             Catch::Contains("short.npy: offset 128: 12 bytes of data, shape (2, 2) needs 16"));
  write_bytes(dir.file("ok.npy"), npy_header("(2, 2)") + std::string(16, '\0'));
  CHECK(read_npy_f32(dir.file("ok.npy")).data.size() == 4);
  ReadLimits small;
  small.max_tensor_elements = 3;
  CHECK_THAT(message_of([&] { read_npy_f32(dir.file("ok.npy"), small); }), Catch::Contains("over the limit of 3"));
}

TEST_CASE("limits: an image's size comes from its header, even one stb_image refuses", "[limits][image]") {
  // PNG signature + IHDR of a 20000x20000 RGB image (1.2 GB decoded: over
  // stb_image's own 2^30 bound, so its info call fails) and nothing else.
  std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  png += std::string("\0\0\x4e\x20\0\0\x4e\x20\x08\x02\0\0\0", 13) + std::string(4, '\0');
  int w = 0, h = 0;
  REQUIRE(image_header_size(reinterpret_cast<const uint8_t*>(png.data()), png.size(), &w, &h));
  CHECK(w == 20000);
  CHECK(h == 20000);
}

TEST_CASE("limits: a resize over --max-image-pixels names the image, sizes are checked before int", "[limits]") {
  PreprocessConfig cfg;
  cfg.resize_short = 16384;
  cfg.finalize(1);
  Image img;
  img.width = 4000;  // 16384 * 4000 wide: over 2^31 as an int
  img.height = 1;
  img.channels = 1;
  img.pixels.assign(4000, 0);
  img.source = "wide.png";
  CHECK_THAT(message_of([&] { preprocess_image(img, cfg, 1, 8, 8); }),
             Catch::Contains("wide.png: resizing 1x4000 to short side 16384 gives 16384x65536000, over the limit"));
  PreprocessConfig big;
  big.resize_short = 100000;
  CHECK_THAT(message_of([&] { big.finalize(1); }),
             Catch::Contains("--resize-short: 100000 is out of range: give 0 to 16384"));
  PreprocessConfig stored;
  stored.origin = "m.qrt: stored preprocessing";
  stored.std = {0.0f};
  const std::string m = message_of([&] { stored.finalize(1); });
  CHECK_THAT(m, Catch::Contains("m.qrt: stored preprocessing std: value 0 is 0"));
  CHECK_THAT(m, !Catch::Contains("--std"));
  int ch = 0, cw = 0;
  CHECK_THAT(message_of([&] { parse_crop("99999999999x2", &ch, &cw); }),
             Catch::Contains("--crop: '99999999999x2': 99999999999 is out of range (each side 1 to 16384)"));
}
