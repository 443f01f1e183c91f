// The tar(.gz) reader and the CIFAR-10 dataset (converter/data/tar.h, cifar10.h):
// archives are built byte by byte in the test (tests/support/files.h), so every
// header field and every corruption is under control.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <functional>
#include <set>

#include "data/cifar10.h"
#include "data/tar.h"
#include "files.h"
#include "shared_data.h"
#include "graph/graph.h"

using namespace qrt::testing;
using qrt::data::Cifar10Dataset;
using qrt::data::read_tar;

namespace {

std::vector<uint8_t> bytes_of(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A w x h RGB image whose pixel (x, y) channel k is (seed + 7x + 13y + 51k) mod 256.
std::vector<uint8_t> pattern(int w, int h, int seed) {
  std::vector<uint8_t> px(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < 3; ++k) px[(size_t(y) * w + x) * 3 + k] = uint8_t(seed + 7 * x + 13 * y + 51 * k);
  return px;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qrt::ConvertError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("read_tar: names, data, directories, long names, ustar prefix, gzip or plain", "[data][tar]") {
  TempDir dir;
  const std::string long_name = "test/" + std::string(120, 'x') + "/file.bin";
  const std::vector<TarItem> items = {
      {"test/", {}, '5'},
      {"test/a.txt", bytes_of("hello"), '0'},
      {"test/empty", {}, '0'},
      {long_name, bytes_of(std::string(700, 'z')), '0', true},
      {"deep/folder/with/prefix/b.txt", bytes_of("prefix"), '0', false, true},
  };
  for (bool gz : {true, false}) {
    const std::string path = dir.file(gz ? "a.tar.gz" : "a.tar");
    write_file(path, make_tar(items), gz);
    const auto entries = read_tar(path);
    REQUIRE(entries.size() == 4);  // the directory is skipped
    CHECK(entries[0].name == "test/a.txt");
    CHECK(entries[0].data == bytes_of("hello"));
    CHECK(entries[0].offset == 512);
    CHECK(entries[1].name == "test/empty");
    CHECK(entries[1].data.empty());
    CHECK(entries[2].name == long_name);
    CHECK(entries[2].data == bytes_of(std::string(700, 'z')));
    CHECK(entries[3].name == "deep/folder/with/prefix/b.txt");
    CHECK(entries[3].data == bytes_of("prefix"));
  }
  SECTION("keep() selects which files are returned") {
    write_file(dir.file("k.tar.gz"), make_tar(items), true);
    const auto kept = read_tar(dir.file("k.tar.gz"), [](const std::string& n) { return n.size() > 3 && n.substr(n.size() - 4) == ".txt"; });
    REQUIRE(kept.size() == 2);
    CHECK(kept[0].name == "test/a.txt");
    CHECK(kept[1].name == "deep/folder/with/prefix/b.txt");
  }
}

TEST_CASE("read_tar: bad archives name the file and the offset", "[data][tar]") {
  TempDir dir;
  std::vector<uint8_t> tar = make_tar({{"t/a.txt", bytes_of("abc")}, {"t/b.txt", bytes_of(std::string(1000, 'b'))}});
  const std::string path = dir.file("bad.tar.gz");

  SECTION("header checksum") {
    std::vector<uint8_t> bad = tar;
    bad[1024 + 3] ^= 0x20;  // the name of the second header (at offset 1024)
    write_file(path, bad, true);
    const std::string msg = error_of([&] { read_tar(path); });
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("offset 1024") && Catch::Contains("checksum"));
  }
  SECTION("not a tar at all") {
    write_file(path, bytes_of(std::string(2048, 'q')), true);
    CHECK_THAT(error_of([&] { read_tar(path); }), Catch::Contains(path) && Catch::Contains("offset 0"));
  }
  SECTION("entry data cut short") {
    std::vector<uint8_t> cut(tar.begin(), tar.begin() + 1024 + 512 + 300);
    write_file(path, cut, true);
    CHECK_THAT(error_of([&] { read_tar(path); }),
               Catch::Contains(path) && Catch::Contains("'t/b.txt'") && Catch::Contains("offset 1024") &&
                   Catch::Contains("truncated"));
  }
  SECTION("header cut short") {
    std::vector<uint8_t> cut(tar.begin(), tar.begin() + 1024 + 100);
    write_file(path, cut, false);
    CHECK_THAT(error_of([&] { read_tar(path); }), Catch::Contains("truncated tar header at offset 1024"));
  }
  SECTION("gzip stream cut short") {
    write_file(path, tar, true);
    std::vector<uint8_t> gz = read_bytes(path);
    gz.resize(gz.size() / 2);
    write_file(path, gz, false);
    CHECK_THAT(error_of([&] { read_tar(path); }), Catch::Contains(path) && Catch::Contains("gzip stream truncated"));
  }
  SECTION("bad size field") {
    std::vector<uint8_t> bad = tar;
    bad[124] = '9';  // not octal; fix the checksum so only the size is wrong
    std::memset(&bad[148], ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) sum += bad[size_t(i)];
    std::snprintf(reinterpret_cast<char*>(&bad[148]), 8, "%06o", sum);
    bad[155] = ' ';
    write_file(path, bad, true);
    CHECK_THAT(error_of([&] { read_tar(path); }),
               Catch::Contains("'t/a.txt'") && Catch::Contains("offset 0") && Catch::Contains("bad size field"));
  }
  SECTION("missing file") {
    CHECK_THAT(error_of([&] { read_tar(dir.file("nope.tar.gz")); }), Catch::Contains("nope.tar.gz: cannot open"));
  }
}

TEST_CASE("Cifar10Dataset: class from the folder, sorted order, images decoded from memory", "[data][cifar10]") {
  TempDir dir;
  // Written out of order, with a README, a directory entry and a JPEG.
  std::vector<TarItem> items = {
      {"test/truck/0001.png", encode_png(4, 3, 3, pattern(4, 3, 9))},
      {"test/", {}, '5'},
      {"test/airplane/0002.png", encode_png(4, 3, 3, pattern(4, 3, 2))},
      {"README.md", bytes_of("not an image")},
      {"test/cat/0000.png", encode_png(4, 3, 3, pattern(4, 3, 5))},
      {"test/airplane/0000.png", encode_png(4, 3, 3, pattern(4, 3, 0))},
      {"test/frog/0000.jpg", encode_jpg(8, 8, 3, std::vector<uint8_t>(8 * 8 * 3, 128))},
  };
  const std::string path = dir.file("c10.tar.gz");
  write_file(path, make_tar(items), true);
  Cifar10Dataset ds(path);
  REQUIRE(ds.size() == 5);
  const char* names[] = {"test/airplane/0000.png", "test/airplane/0002.png", "test/cat/0000.png",
                         "test/frog/0000.jpg", "test/truck/0001.png"};
  const int labels[] = {0, 0, 3, 6, 9};
  const int seeds[] = {0, 2, 5, -1, 9};
  for (size_t i = 0; i < 5; ++i) {
    CHECK(ds.entry_name(i) == names[i]);
    const qrt::data::Sample s = ds.load(i, 3);
    CHECK(s.label == labels[i]);
    CHECK(s.source == path + ":" + names[i]);
    if (seeds[i] >= 0) {
      CHECK(s.image.width == 4);
      CHECK(s.image.height == 3);
      CHECK(s.image.pixels == pattern(4, 3, seeds[i]));  // PNG: lossless
    } else {
      CHECK(s.image.width == 8);
      for (uint8_t p : s.image.pixels) CHECK(std::abs(int(p) - 128) <= 2);  // JPEG: flat grey
    }
  }
  CHECK(ds.load(0, 1).image.pixels.size() == 12);  // gray decode
  CHECK_THAT(ds.describe(), Catch::Contains("cifar10:" + path) && Catch::Contains("5 images"));

  SECTION("the class table is the usual CIFAR-10 order") {
    const char* order[] = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
    for (int i = 0; i < 10; ++i) CHECK(qrt::data::cifar10_class_index(order[i]) == i);
    CHECK(qrt::data::cifar10_class_index("Airplane") == -1);
  }
}

TEST_CASE("Cifar10Dataset: errors name the archive and the entry", "[data][cifar10]") {
  TempDir dir;
  const std::string path = dir.file("c10.tar.gz");
  SECTION("unknown class folder") {
    write_file(path, make_tar({{"test/cat/0.png", encode_png(1, 1, 3, {1, 2, 3})},
                               {"test/dragon/0.png", encode_png(1, 1, 3, {1, 2, 3})}}), true);
    const std::string msg = error_of([&] { Cifar10Dataset ds(path); });
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("'test/dragon/0.png'") && Catch::Contains("offset 1024") &&
                        Catch::Contains("'dragon' is not a CIFAR-10 class"));
  }
  SECTION("image at the top level has no class") {
    write_file(path, make_tar({{"0.png", encode_png(1, 1, 3, {1, 2, 3})}}), true);
    CHECK_THAT(error_of([&] { Cifar10Dataset ds(path); }), Catch::Contains("'0.png'"));
  }
  SECTION("undecodable image: the error comes when it is loaded") {
    write_file(path, make_tar({{"test/cat/0.jpg", bytes_of("garbage")}}), true);
    Cifar10Dataset ds(path);
    CHECK_THAT(error_of([&] { ds.load(0, 3); }),
               Catch::Contains(path) && Catch::Contains("'test/cat/0.jpg'") && Catch::Contains("cannot decode"));
  }
  SECTION("no images") {
    write_file(path, make_tar({{"README", bytes_of("x")}}), true);
    CHECK_THAT(error_of([&] { Cifar10Dataset ds(path); }), Catch::Contains("no image files"));
  }
}

TEST_CASE("Cifar10Dataset on the shared test archive (fails under CI=true when absent)", "[cifar10][data]") {
  const std::string path = qrt::testing::shared_file("data/cifar10/test_jpg.tar.gz");
  if (path.empty()) return;
  Cifar10Dataset ds(path);
  REQUIRE(ds.size() == 10000);
  int per_class[10] = {};
  for (size_t i = 0; i < ds.size(); ++i) ++per_class[ds.label(i)];
  for (int c = 0; c < 10; ++c) CHECK(per_class[c] == 1000);
  CHECK(ds.entry_name(0) == "test/airplane/0000.jpg");
  CHECK(ds.entry_name(9999) == "test/truck/0999.jpg");
  const qrt::data::Sample s = ds.load(5000, 3);
  CHECK(s.label == 5);
  CHECK(s.image.width == 32);
  CHECK(s.image.height == 32);
}
