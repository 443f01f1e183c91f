#include "data/subset.h"

#include <algorithm>

#include "data/file_io.h"

namespace qrt::data {

using detail::fail;

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
    fail("--calib-offset " + std::to_string(spec.offset) + " is past the end of the data (" + std::to_string(total) +
         " samples; give 0 to " + std::to_string(total - 1) + ")");
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

}  // namespace qrt::data
