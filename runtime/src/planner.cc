#include "planner.h"

#include <stdint.h>

#include <algorithm>

namespace qrt {
namespace rt {

namespace {

// Callers check first (TotalAligned) that no block's rounding overflows.
size_t AlignUp(size_t n) {
  return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

// The sum of all blocks' rounded sizes, or kArenaTooLarge if it does not fit
// size_t. Every offset + size any placement computes is at most this sum.
size_t TotalAligned(const std::vector<Block>& blocks) {
  size_t total = 0;
  for (const Block& b : blocks) {
    if (b.size > SIZE_MAX - (kArenaAlignment - 1) ||
        __builtin_add_overflow(total, AlignUp(b.size), &total) || total == kArenaTooLarge) {
      return kArenaTooLarge;
    }
  }
  return total;
}

bool Overlap(const Block& a, const Block& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

namespace {

// Best fit in the given order: each block into the smallest gap between
// already placed blocks whose lifetimes overlap its own, or after the last
// of them. Returns the arena size.
size_t PlaceInOrder(const std::vector<Block>& blocks, const std::vector<size_t>& order,
                    std::vector<size_t>* offsets) {
  offsets->assign(blocks.size(), kNotPlanned);
  size_t total = 0;
  std::vector<size_t> placed;     // indices already placed
  std::vector<size_t> neighbors;  // placed ones live at the same time
  for (size_t i : order) {
    const size_t size = AlignUp(blocks[i].size);
    neighbors.clear();
    for (size_t j : placed) {
      if (Overlap(blocks[i], blocks[j])) neighbors.push_back(j);
    }
    std::sort(neighbors.begin(), neighbors.end(),
              [&](size_t a, size_t b) { return (*offsets)[a] < (*offsets)[b]; });
    size_t best = kNotPlanned, best_gap = kNotPlanned, cursor = 0;
    for (size_t j : neighbors) {
      const size_t start = (*offsets)[j];
      if (start >= cursor && start - cursor >= size && start - cursor < best_gap) {
        best = cursor;
        best_gap = start - cursor;
      }
      cursor = std::max(cursor, start + AlignUp(blocks[j].size));
    }
    if (best == kNotPlanned) best = cursor;
    (*offsets)[i] = best;
    total = std::max(total, best + size);
    placed.push_back(i);
  }
  return total;
}

}  // namespace

size_t PlaceBlocks(const std::vector<Block>& blocks, bool separate,
                   std::vector<size_t>* offsets) {
  if (TotalAligned(blocks) == kArenaTooLarge) {
    offsets->assign(blocks.size(), kNotPlanned);
    return kArenaTooLarge;
  }
  if (separate) {
    offsets->assign(blocks.size(), kNotPlanned);
    size_t total = 0;
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i].size == 0) continue;
      (*offsets)[i] = total;
      total += AlignUp(blocks[i].size);
    }
    return total;
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].size != 0) order.push_back(i);
  }
  // 1. Largest first; ties by first use, then index, so plans are
  //    reproducible.
  auto by_size = [&](size_t a, size_t b) {
    if (blocks[a].size != blocks[b].size) return blocks[a].size > blocks[b].size;
    if (blocks[a].first != blocks[b].first) return blocks[a].first < blocks[b].first;
    return a < b;
  };
  std::sort(order.begin(), order.end(), by_size);
  size_t total = PlaceInOrder(blocks, order, offsets);
  // 2. Outward from the peak: the blocks live at the op with the most live
  //    bytes (largest first), then those at the ops next to it, alternating
  //    one op earlier and one op later, and so on. On a chain whose largest
  //    tensor comes after a smaller pair (MobileNetV1: input, conv 1,
  //    depthwise, then the 2x wider pointwise output), largest-first puts
  //    the early pair side by side under the big block's neighbour and ends
  //    above the peak of live bytes; growing the plan from the peak reaches
  //    it. The smaller of the two plans is kept (the first on a tie).
  int lo = 0, hi = 0;
  for (size_t n = 0; n < order.size(); ++n) {
    const Block& blk = blocks[order[n]];
    if (n == 0 || blk.first < lo) lo = blk.first;
    if (n == 0 || blk.last > hi) hi = blk.last;
  }
  std::vector<size_t> live((size_t)(hi - lo + 1), 0);
  for (size_t i : order) {
    for (int t = blocks[i].first; t <= blocks[i].last; ++t) {
      live[(size_t)(t - lo)] += AlignUp(blocks[i].size);
    }
  }
  const int peak = lo + (int)(std::max_element(live.begin(), live.end()) - live.begin());
  std::vector<size_t> by_peak;  // `order` is still largest first
  std::vector<bool> taken(blocks.size(), false);
  for (int d = 0; peak - d >= lo || peak + d <= hi; ++d) {
    for (int side = 0; side < (d == 0 ? 1 : 2); ++side) {
      const int t = side == 0 ? peak - d : peak + d;
      if (t < lo || t > hi) continue;
      for (size_t i : order) {
        if (!taken[i] && blocks[i].first <= t && t <= blocks[i].last) {
          taken[i] = true;
          by_peak.push_back(i);
        }
      }
    }
  }
  std::vector<size_t> other;
  const size_t other_total = PlaceInOrder(blocks, by_peak, &other);
  if (other_total < total) {
    offsets->swap(other);
    total = other_total;
  }
  return total;
}

void PlanMemory(const Model& model, bool keep_all_tensors, MemoryPlan* plan,
                size_t num_threads, FloatStorage storage) {
  const int num_ops = (int)model.ops.size();
  const size_t num_tensors = model.tensors.size();
  // Blocks 0..num_tensors-1 are tensors, then one scratch block per op.
  std::vector<Block> blocks(num_tensors + model.ops.size());
  std::vector<bool> used(num_tensors, false);
  for (int i : model.inputs) {
    blocks[(size_t)i].first = 0;
    blocks[(size_t)i].last = 0;
    used[(size_t)i] = true;
  }
  for (const OpPlan& op : model.ops) {
    for (int i : op.outputs) {
      blocks[(size_t)i].first = op.index;
      blocks[(size_t)i].last = op.index;
      used[(size_t)i] = true;
    }
    for (int i : op.inputs) {
      if (i >= 0 && !model.tensors[(size_t)i].is_constant) {
        blocks[(size_t)i].last = std::max(blocks[(size_t)i].last, op.index);
      }
    }
    Block& scratch = blocks[num_tensors + (size_t)op.index];
    const size_t shared = op.run[storage].scratch_bytes;
    const size_t per_thread = op.run[storage].thread_scratch_bytes;
    // Saturating: a sum that does not fit makes the whole plan kArenaTooLarge.
    size_t threads_bytes = 0;
    if (per_thread == 0) {
      scratch.size = shared;
    } else if (__builtin_mul_overflow(num_threads, ThreadScratchStride(per_thread),
                                      &threads_bytes) ||
               __builtin_add_overflow(ThreadScratchStride(shared), threads_bytes,
                                      &scratch.size)) {
      scratch.size = kArenaTooLarge;
    }
    scratch.first = scratch.last = op.index;
  }
  for (int i : model.outputs) blocks[(size_t)i].last = num_ops;
  if (!keep_all_tensors) {
    for (size_t k = 0; k < model.input_quantize.size(); ++k) {
      const int q = model.input_quantize[k];
      if (q < 0) continue;
      used[(size_t)model.inputs[k]] = false;  // set_input_f32 never stores it
      blocks[(size_t)model.ops[(size_t)q].outputs[0]].first = 0;
    }
  }
  for (size_t i = 0; i < num_tensors; ++i) {
    if (used[i] && !model.tensors[i].is_constant) {
      const bool half =
          storage == kStorageF16 && i < model.f16.size() && model.f16[i];
      blocks[i].size = half ? model.tensors[i].num_elements * 2 : model.tensors[i].bytes;
    }
  }
  std::vector<size_t> offsets;
  plan->arena_bytes = PlaceBlocks(blocks, keep_all_tensors, &offsets);
  plan->tensor_offsets.assign(offsets.begin(), offsets.begin() + (ptrdiff_t)num_tensors);
  plan->scratch_offsets.assign(offsets.begin() + (ptrdiff_t)num_tensors, offsets.end());
  plan->kept.assign(num_tensors, keep_all_tensors);
  for (int i : model.outputs) plan->kept[(size_t)i] = true;
  for (size_t i = 0; i < num_tensors; ++i) {
    if (plan->tensor_offsets[i] == kNotPlanned) plan->kept[i] = false;
  }
}

}  // namespace rt
}  // namespace qrt
