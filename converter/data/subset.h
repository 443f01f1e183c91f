// Calibration subsets: which samples of a source to use, reproducibly
// (first N, N from an offset, or N drawn at random with a seed), so
// calibration can be repeated on different subsets (iterative calibration,
// the subset-sensitivity studies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace qrt::data {

// Which samples of a source to use.
//   sequential (random == false): `count` samples from `offset` on;
//   random: `count` distinct samples drawn uniformly with `seed` (the same
//   seed always gives the same samples, on every platform), returned in
//   ascending index order.
// count == 0 means all (from offset on; with random, a permutation of all,
// sorted: the whole set).
struct SubsetSpec {
  size_t count = 0;
  size_t offset = 0;
  bool random = false;
  uint64_t seed = 0;
  std::string describe() const;  // "first 200", "200 from offset 400", "200 random (seed 3)"
};

// The indices `spec` selects from `total` samples. Throws ConvertError if
// offset >= total (with total > 0). Fewer than `count` remain: all of them.
std::vector<size_t> select_subset(size_t total, const SubsetSpec& spec);
// Shorthand for the random mode: n distinct indices of [0, total) for `seed`.
std::vector<size_t> select_subset(size_t total, size_t n, uint64_t seed);

// A view of `base` restricted to `indices` (sample i is base[indices[i]]).
class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::unique_ptr<Dataset> base, std::vector<size_t> indices, std::string how);
  size_t size() const override { return indices_.size(); }
  Sample load(size_t i, int want_channels) const override;
  std::string describe() const override;
  size_t base_index(size_t i) const { return indices_.at(i); }

 private:
  std::unique_ptr<Dataset> base_;
  std::vector<size_t> indices_;
  std::string how_;
};

// make_unique<SubsetDataset>(base, select_subset(base->size(), spec), spec.describe()).
std::unique_ptr<Dataset> make_subset(std::unique_ptr<Dataset> base, const SubsetSpec& spec);

}  // namespace qrt::data
