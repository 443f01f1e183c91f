#include "planner.h"

#include <algorithm>

namespace qrt {
namespace rt {

namespace {

size_t AlignUp(size_t n) {
  return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

bool Overlap(const Block& a, const Block& b) {
  return a.first <= b.last && b.first <= a.last;
}

}  // namespace

size_t PlaceBlocks(const std::vector<Block>& blocks, bool separate,
                   std::vector<size_t>* offsets) {
  offsets->assign(blocks.size(), kNotPlanned);
  size_t total = 0;
  if (separate) {
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
  // Largest first; ties by first use, then index, so plans are reproducible.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (blocks[a].size != blocks[b].size) return blocks[a].size > blocks[b].size;
    if (blocks[a].first != blocks[b].first) return blocks[a].first < blocks[b].first;
    return a < b;
  });
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
    scratch.size = per_thread == 0
                       ? shared
                       : ThreadScratchStride(shared) +
                             num_threads * ThreadScratchStride(per_thread);
    scratch.first = scratch.last = op.index;
  }
  for (int i : model.outputs) blocks[(size_t)i].last = num_ops;
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
