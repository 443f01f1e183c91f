// Calibration subsets (converter/data/dataset.h: select_subset,
// SubsetDataset): reproducible, distinct, and different per seed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <set>

#include "data/subset.h"
#include "graph/graph.h"

using qrt::data::SubsetSpec;
using qrt::data::select_subset;

namespace {

// A dataset whose sample i has label i (no files).
class CountingDataset : public qrt::data::Dataset {
 public:
  explicit CountingDataset(size_t n) : n_(n) {}
  size_t size() const override { return n_; }
  qrt::data::Sample load(size_t i, int) const override {
    qrt::data::Sample s;
    s.label = int(i);
    return s;
  }
  std::string describe() const override { return "counting"; }

 private:
  size_t n_;
};

}  // namespace

TEST_CASE("select_subset: random mode is seeded, distinct, sorted", "[data][subset]") {
  const auto a = select_subset(50000, 200, 1);
  REQUIRE(a.size() == 200);
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::set<size_t>(a.begin(), a.end()).size() == 200);
  CHECK(a.back() < 50000);
  CHECK(select_subset(50000, 200, 1) == a);  // reproducible
  // Eight seeds give eight different subsets, spread over the whole range
  // (a CIFAR-10 archive is sorted by class: the first 200 are all airplanes).
  std::set<std::vector<size_t>> distinct;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const auto s = select_subset(50000, 200, seed);
    distinct.insert(s);
    CHECK(s.back() - s.front() > 40000);
  }
  CHECK(distinct.size() == 8);
  // Pinned: the generator is our own (splitmix64), so this holds on every
  // platform and compiler.
  CHECK(select_subset(1000, 5, 42) == std::vector<size_t>{26, 182, 338, 413, 552});
  const auto all = select_subset(10, 0, 7);
  CHECK(all == std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(select_subset(5, 99, 3).size() == 5);
}

TEST_CASE("select_subset: sequential mode from an offset", "[data][subset]") {
  SubsetSpec spec;
  spec.count = 3;
  spec.offset = 4;
  CHECK(select_subset(10, spec) == std::vector<size_t>{4, 5, 6});
  spec.offset = 8;
  CHECK(select_subset(10, spec) == std::vector<size_t>{8, 9});
  spec.count = 0;
  spec.offset = 7;
  CHECK(select_subset(10, spec) == std::vector<size_t>{7, 8, 9});
  spec.offset = 10;
  CHECK_THROWS_WITH(select_subset(10, spec), Catch::Contains("--calib-offset 10 is past the end of the data (10 samples; give 0 to 9)"));
  CHECK(spec.describe() == "all from offset 10");
  SubsetSpec first;
  first.count = 200;
  CHECK(first.describe() == "first 200");
  SubsetSpec rnd;
  rnd.count = 200;
  rnd.random = true;
  rnd.seed = 3;
  CHECK(rnd.describe() == "200 random (seed 3)");
}

TEST_CASE("SubsetDataset / make_subset load the selected samples", "[data][subset]") {
  SubsetSpec spec;
  spec.count = 4;
  spec.random = true;
  spec.seed = 5;
  const auto expect = select_subset(100, spec);
  auto ds = qrt::data::make_subset(std::make_unique<CountingDataset>(100), spec);
  REQUIRE(ds->size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(ds->load(i, 3).label == int(expect[i]));
  CHECK(ds->describe() == "counting, 4 random (seed 5)");
  CHECK_THROWS_WITH(qrt::data::SubsetDataset(std::make_unique<CountingDataset>(3), {0, 3}, "x"),
                    Catch::Contains("subset index 3 out of range"));
}
