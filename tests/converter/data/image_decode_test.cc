// data/image_decode.h gives PIL's pixels: JPEG through libjpeg as PIL
// decodes it, channels converted as PIL's Image.convert("RGB" / "L"). The
// fixtures in pil/ are PIL's own decodes (pil/make_fixtures.py).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/image_decode.h"
#include "data/jpeg_decode.h"
#include "data/limits.h"
#include "files.h"

using namespace qrt::data;
using namespace qrt::testing;

namespace {

const std::string kPil = QRT_PIL_DIR;

Image decode(const std::vector<uint8_t>& bytes, int channels) {
  Image img;
  std::string why;
  INFO(why);
  REQUIRE(decode_image(bytes.data(), bytes.size(), channels, ReadLimits().max_image_pixels, &img, &why));
  return img;
}

}  // namespace

TEST_CASE("images decode to PIL's pixels: convert('RGB') and convert('L')", "[data][image]") {
  for (const std::string name : {"rgb420.jpg", "gray.jpg", "rgba.png"}) {
    INFO(name);
    const std::vector<uint8_t> file = read_bytes(kPil + "/" + name);
    const Image rgb = decode(file, 3);
    CHECK(rgb.width == 20);
    CHECK(rgb.height == 12);
    CHECK(rgb.channels == 3);
    CHECK(rgb.pixels == read_bytes(kPil + "/" + name + ".rgb"));
    const Image l = decode(file, 1);
    CHECK(l.channels == 1);
    CHECK(l.pixels == read_bytes(kPil + "/" + name + ".l"));
    int w = 0, h = 0;
    REQUIRE(image_header_size(file.data(), file.size(), &w, &h));
    CHECK((w == 20 && h == 12));
  }
}

TEST_CASE("decode_image refuses over the pixel limit before decoding, and bad channel counts", "[data][image]") {
  const std::vector<uint8_t> file = read_bytes(kPil + "/rgb420.jpg");
  Image img;
  std::string why;
  CHECK_FALSE(decode_image(file.data(), file.size(), 3, 239, &img, &why));
  CHECK(why == "image is 20x12 (240 pixels), over the limit of 239 pixels (--max-image-pixels)");
  CHECK(decode_image(file.data(), file.size(), 3, 240, &img, &why));
  CHECK_FALSE(decode_image(file.data(), file.size(), 4, 240, &img, &why));
  CHECK(why == "images decode to 1 or 3 channels, not 4");
}

TEST_CASE("a progressive JPEG with more scans than the limit is refused", "[data][image][jpeg]") {
  // SOI, then SOF2 (progressive, 8x8, one component), DHT and DQT, then
  // kMaxJpegScans + 1 DC-first scans of the one component with an empty
  // entropy segment each.
  std::vector<uint8_t> j = {0xFF, 0xD8,
                            0xFF, 0xDB, 0x00, 0x43, 0x00};
  for (int i = 0; i < 64; ++i) j.push_back(1);
  const std::vector<uint8_t> sof = {0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00};
  j.insert(j.end(), sof.begin(), sof.end());
  // DC table 0: one code of length 1, symbol 0.
  const std::vector<uint8_t> dht = {0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0,    0, 0, 0, 0x00};
  j.insert(j.end(), dht.begin(), dht.end());
  for (int s = 0; s <= kMaxJpegScans; ++s) {
    // SOS: one component, table 0/0, Ss=0 Se=0, Ah=0 Al=0; one byte of data.
    const std::vector<uint8_t> sos = {0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    j.insert(j.end(), sos.begin(), sos.end());
  }
  j.push_back(0xFF);
  j.push_back(0xD9);
  Image img;
  std::string why;
  CHECK_FALSE(decode_image(j.data(), j.size(), 1, ReadLimits().max_image_pixels, &img, &why));
  CHECK(why == "libjpeg: more than " + std::to_string(kMaxJpegScans) + " scans in a progressive JPEG (corrupt JPEG)");
}
