// Datasets (image folder, Fashion-MNIST IDX, .npy) and preprocessing.
#include <catch2/catch.hpp>
#include <zlib.h>

#include "data/idx.h"
#include "data/image_dir.h"
#include "data/npy.h"
#include "data/preprocess.h"
#include "graph/graph.h"
#include "test_util.h"

using namespace qrt::data;
using namespace qrt::testing;

namespace {

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}

std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qrt::ConvertError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("Fashion-MNIST IDX images and labels (gzip)", "[dataset]") {
  TempDir dir;
  std::string img = std::string("\0\0\x08\x03", 4) + be32(2) + be32(2) + be32(3);
  for (int i = 0; i < 12; ++i) img += char(i * 20);
  write_gz(dir.file("img.gz"), img);
  write_gz(dir.file("lab.gz"), std::string("\0\0\x08\x01", 4) + be32(2) + std::string("\x07\x02", 2));
  FashionMnistDataset d(dir.file("img.gz"), dir.file("lab.gz"));
  REQUIRE(d.size() == 2);
  const Sample s = d.load(1, 1);
  REQUIRE(s.label == 2);
  REQUIRE(s.image.width == 3);
  REQUIRE(s.image.height == 2);
  REQUIRE(s.image.pixels == std::vector<uint8_t>{120, 140, 160, 180, 200, 220});
  REQUIRE(d.load(0, 3).image.pixels.size() == 18);  // gray replicated to 3 channels

  write_gz(dir.file("short.gz"), std::string("\0\0\x08\x03", 4) + be32(2) + be32(2) + be32(3) + "abc");
  const std::string m = message_of([&] { FashionMnistDataset(dir.file("short.gz"), ""); });
  REQUIRE_THAT(m, Catch::Contains("short.gz"));
  write_gz(dir.file("bad.gz"), std::string("\x01\0\x08\x03", 4));
  REQUIRE_THAT(message_of([&] { FashionMnistDataset(dir.file("bad.gz"), ""); }), Catch::Contains("bad.gz: offset 0"));
  REQUIRE_THAT(message_of([&] { FashionMnistDataset(dir.file("img.gz"), dir.file("img.gz")); }),
               Catch::Contains("img.gz"));
}

TEST_CASE("image folder with labels.txt; a bad image names the file", "[dataset]") {
  TempDir dir;
  // 2x1 binary PPM (RGB) and 2x2 PGM (gray).
  write_bytes(dir.file("a.ppm"), std::string("P6\n2 1\n255\n") + std::string("\x0a\x14\x1e\x28\x32\x3c", 6));
  write_bytes(dir.file("b.pgm"), std::string("P5\n2 2\n255\n") + std::string("\x01\x02\x03\x04", 4));
  write_bytes(dir.file("labels.txt"), "a.ppm\t3\nb.pgm\t1\n");
  ImageDirDataset d(dir.path());
  REQUIRE(d.size() == 2);
  REQUIRE(d.has_labels());
  const Sample a = d.load(0, 3);
  REQUIRE(a.label == 3);
  REQUIRE(a.image.pixels == std::vector<uint8_t>{10, 20, 30, 40, 50, 60});
  REQUIRE(d.load(1, 1).image.pixels == std::vector<uint8_t>{1, 2, 3, 4});

  write_bytes(dir.file("labels.txt"), "a.ppm\t3\nmissing.png\t1\n");
  ImageDirDataset d2(dir.path());
  REQUIRE_THAT(message_of([&] { d2.load(1, 3); }), Catch::Contains("missing.png"));
  write_bytes(dir.file("labels.txt"), "a.ppm 3\n");
  REQUIRE_THAT(message_of([&] { ImageDirDataset x(dir.path()); }), Catch::Contains("labels.txt:1"));
  std::remove(dir.file("labels.txt").c_str());
  ImageDirDataset d3(dir.path());  // no labels: sorted image files
  REQUIRE(d3.size() == 2);
  REQUIRE(d3.load(0, 3).label == -1);
  REQUIRE(d3.load(1, 1).source == dir.file("b.pgm"));
}

TEST_CASE(".npy float32: batches split into samples; wrong dtype names the file", "[dataset]") {
  TempDir dir;
  std::vector<float> v(2 * 1 * 2 * 2);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.5f;
  write_npy(dir.file("x.npy"), {2, 1, 2, 2}, v);
  NpyDataset d({dir.file("x.npy")});
  REQUIRE(d.size() == 2);
  const Sample s = d.load(1, 1);
  REQUIRE(s.is_tensor);
  REQUIRE(s.tensor == std::vector<float>{2.0f, 2.5f, 3.0f, 3.5f});
  PreprocessConfig cfg;
  cfg.finalize(1);
  REQUIRE(sample_to_input(s, cfg, 1, 2, 2) == s.tensor);
  REQUIRE_THAT(message_of([&] { sample_to_input(s, cfg, 1, 3, 3); }), Catch::Contains("x.npy[1]"));
  write_bytes(dir.file("d.npy"), std::string("\x93NUMPY\x01\x00\x20\x00", 10) +
                                     "{'descr': '<f8', 'shape': (1,), }" + std::string(8, '\0'));
  REQUIRE_THAT(message_of([&] { NpyDataset x({dir.file("d.npy")}); }), Catch::Contains("d.npy"));
}

TEST_CASE("preprocessing: x/255, mean/std per channel, channel order, NCHW", "[preprocess]") {
  Image img;
  img.width = 2;
  img.height = 1;
  img.channels = 3;
  img.pixels = {0, 51, 255, 255, 102, 0};  // two RGB pixels
  img.source = "img";
  PreprocessConfig cfg;
  cfg.mean = {0.0f, 0.2f, 0.5f};
  cfg.std = {1.0f, 0.5f, 0.25f};
  cfg.finalize(3);
  REQUIRE(cfg.channel_order == "RGB");
  const std::vector<float> rgb = preprocess_image(img, cfg, 3, 1, 2);
  REQUIRE(rgb == std::vector<float>{0.0f, 1.0f, (51 / 255.0f - 0.2f) / 0.5f, (102 / 255.0f - 0.2f) / 0.5f,
                                     (1.0f - 0.5f) / 0.25f, (0.0f - 0.5f) / 0.25f});
  cfg.channel_order = "BGR";
  const std::vector<float> bgr = preprocess_image(img, cfg, 3, 1, 2);
  REQUIRE(bgr[0] == 1.0f);  // B of pixel 0 in channel 0
  REQUIRE(bgr[1] == 0.0f);
  PreprocessConfig two;  // fine for .npy tensors, not for images
  two.finalize(2);
  REQUIRE_THAT(message_of([&] { preprocess_image(img, two, 2, 1, 2); }), Catch::Contains("img"));
  PreprocessConfig gray;
  gray.channel_order = "RGB";
  REQUIRE_THROWS_AS(gray.finalize(1), qrt::ConvertError);
}

TEST_CASE("preprocessing: short-side bilinear resize and centre crop", "[preprocess]") {
  Image img;
  img.width = 6;
  img.height = 4;
  img.channels = 1;
  img.source = "img6x4";
  for (int i = 0; i < 24; ++i) img.pixels.push_back(uint8_t(i * 10));
  PreprocessConfig cfg;
  cfg.resize_short = 2;  // 4x6 -> 2x3: each output is the mean of a 2x2 block
  cfg.crop_height = 2;
  cfg.crop_width = 2;    // crop columns 0..1 of 3 ((3 - 2) / 2 = 0)
  cfg.finalize(1);
  const std::vector<float> out = preprocess_image(img, cfg, 1, 2, 2);
  auto block = [](int r, int c) { return (10.0f * float((2 * r) * 6 + 2 * c) + 10.0f * float((2 * r) * 6 + 2 * c + 1) +
                                          10.0f * float((2 * r + 1) * 6 + 2 * c) + 10.0f * float((2 * r + 1) * 6 + 2 * c + 1)) / 4.0f / 255.0f; };
  REQUIRE(out[0] == Approx(block(0, 0)).epsilon(1e-6));
  REQUIRE(out[1] == Approx(block(0, 1)).epsilon(1e-6));
  REQUIRE(out[3] == Approx(block(1, 1)).epsilon(1e-6));
  // A size that does not reach the model input names the file.
  PreprocessConfig none;
  none.finalize(1);
  REQUIRE_THAT(message_of([&] { preprocess_image(img, none, 1, 2, 2); }), Catch::Contains("img6x4"));
  int h = 0, w = 0;
  parse_crop("224x200", &h, &w);
  REQUIRE((h == 224 && w == 200));
  REQUIRE_THROWS_AS(parse_crop("22x", &h, &w), qrt::ConvertError);
  REQUIRE(parse_float_list("0.5,1,-2", "--mean") == std::vector<float>{0.5f, 1.0f, -2.0f});
  REQUIRE_THROWS_AS(parse_float_list("0.5,x", "--mean"), qrt::ConvertError);
}
