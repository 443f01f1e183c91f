// The archive image decoder hook (data/image_decode.h:
// set_memory_image_decoder) and qrt-eval's libjpeg decoder (eval/qrt_eval_jpeg.h).
#include <catch2/catch.hpp>

#include "data/cifar10.h"
#include "data/image_decode.h"
#include "files.h"
#include "qrt_eval_jpeg.h"

using namespace qrt::testing;
using qrt::data::Cifar10Dataset;

namespace {

// Restores the default decoder when a test ends.
struct DecoderGuard {
  ~DecoderGuard() { qrt::data::set_memory_image_decoder(nullptr); }
};

bool fixed_decoder(const uint8_t*, size_t, int want_channels, qrt::data::Image* out, std::string*) {
  out->width = 1;
  out->height = 1;
  out->channels = want_channels;
  out->pixels.assign(size_t(want_channels), 42);
  return true;
}

std::vector<uint8_t> noise(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t s = 12345;
  for (uint8_t& b : v) b = uint8_t((s = s * 1103515245u + 12345u) >> 24);
  return v;
}

}  // namespace

TEST_CASE("archive datasets decode through the installed decoder", "[eval][jpeg]") {
  DecoderGuard guard;
  TempDir dir;
  write_file(dir.file("a.tar.gz"), make_tar({{"test/cat/0.png", encode_png(2, 2, 3, noise(12))}}), true);
  Cifar10Dataset ds(dir.file("a.tar.gz"));
  CHECK(ds.load(0, 3).image.pixels == noise(12));  // stb_image, PNG exact
  qrt::data::set_memory_image_decoder(fixed_decoder);
  CHECK(ds.load(0, 3).image.pixels == std::vector<uint8_t>{42, 42, 42});
  qrt::data::set_memory_image_decoder(nullptr);
  CHECK(ds.load(0, 3).image.pixels == noise(12));
}

TEST_CASE("libjpeg decoder: JPEGs by libjpeg, other formats by stb, errors returned", "[eval][jpeg]") {
  DecoderGuard guard;
  TempDir dir;
  const std::vector<uint8_t> px = noise(32 * 32 * 3);
  write_file(dir.file("a.tar.gz"),
             make_tar({{"test/cat/0.jpg", encode_jpg(32, 32, 3, px)},
                       {"test/cat/1.png", encode_png(32, 32, 3, px)},
                       {"test/dog/0.jpg", std::vector<uint8_t>{0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3}}}),
             true);
  Cifar10Dataset ds(dir.file("a.tar.gz"));
  const auto stb_jpg = ds.load(0, 3).image.pixels;
  qrt::eval::install_libjpeg_decoder();
  const qrt::data::Image lj = ds.load(0, 3).image;
  CHECK(lj.width == 32);
  CHECK(lj.height == 32);
  REQUIRE(lj.pixels.size() == stb_jpg.size());
  // Both decode the same JPEG, a few levels apart at most, but not equal:
  // the decoder really changed.
  int max_diff = 0;
  for (size_t i = 0; i < lj.pixels.size(); ++i) max_diff = std::max(max_diff, std::abs(int(lj.pixels[i]) - int(stb_jpg[i])));
  CHECK(max_diff > 0);
  CHECK(max_diff <= 4);
  CHECK(ds.load(0, 1).image.pixels.size() == 32 * 32);   // grayscale output
  CHECK(ds.load(1, 3).image.pixels == px);               // PNG still exact (stb)
  try {
    ds.load(2, 3);
    FAIL("a broken JPEG must throw");
  } catch (const std::exception& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("'test/dog/0.jpg'") && Catch::Contains("libjpeg:"));
  }
}
