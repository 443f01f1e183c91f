// The memory planner: every activation and every op's scratch get a fixed
// offset in one arena, decided once at session creation.
//
// Each block (a tensor, or one op's scratch) is live over an inclusive range
// of operator indices: a tensor from the op that writes it (0 for model
// inputs) to the last op that reads it (past the last op for model
// outputs), a scratch block only during its op. An op's inputs and outputs
// are live at the same op, so they never share memory (no in-place ops).
//
// Placement is greedy by size, best fit (the scheme TFLite Micro's
// GreedyMemoryPlanner made popular): blocks sorted from largest to
// smallest, each placed in the smallest gap between already placed blocks
// whose lifetimes overlap its own, or after the last of them if no gap is
// big enough. Sizes and offsets are multiples of 64 bytes. A second plan
// places the same way in another order, outward from the op with the most
// live bytes (its blocks, then those of the ops next to it, alternating
// earlier and later), and the smaller plan is kept (largest-first on a
// tie). Neither is optimal (that problem is NP-hard); on CNN chains the
// result is close to, often equal to, the peak of live bytes (MobileNetV1:
// largest-first alone ends 50,176 bytes above it, the second plan is on it).
//
// With keep_all_tensors every block gets a region of its own, back to back,
// so every intermediate can be read after the run.
//
// Without keep_all_tensors, an F32 model input whose only reader is a
// QUANTIZE (Model::input_quantize) is folded into set_input_f32: the float
// tensor gets no memory (kNotPlanned) and the QUANTIZE's int8 output, which
// set_input_f32 now writes, is live from op 0 like a model input.
#ifndef QRT_RUNTIME_PLANNER_H_
#define QRT_RUNTIME_PLANNER_H_

#include <stddef.h>

#include <vector>

#include "model.h"

namespace qrt {
namespace rt {

constexpr size_t kArenaAlignment = 64;
constexpr size_t kNotPlanned = (size_t)-1;
// PlaceBlocks' / MemoryPlan::arena_bytes' answer when the blocks' sizes add
// up past size_t (possible on 32-bit targets only, with the element limit):
// no allocation or caller arena is that big, so qrt_session_create fails
// with QRT_ERROR_OUT_OF_MEMORY.
constexpr size_t kArenaTooLarge = (size_t)-1;

struct Block {
  size_t size = 0;  // bytes; 0 = needs no memory
  int first = 0;    // first op index where live
  int last = 0;     // last op index where live (inclusive)
};

// Places `blocks`; offsets[i] is kNotPlanned for size-0 blocks. Returns the
// arena size (a multiple of kArenaAlignment).
size_t PlaceBlocks(const std::vector<Block>& blocks, bool separate,
                   std::vector<size_t>* offsets);

struct MemoryPlan {
  size_t arena_bytes = 0;
  std::vector<size_t> tensor_offsets;   // per tensor; kNotPlanned: constant or unused
  std::vector<size_t> scratch_offsets;  // per op; kNotPlanned: no scratch
  std::vector<bool> kept;               // per tensor: readable after run
};

// Builds the blocks of `model` and places them. An op's scratch block holds
// the shared scratch_bytes of its OpPlan::run[storage] and one
// thread_scratch_bytes slice per thread; folds the input QUANTIZEs unless
// keep_all_tensors (above). storage kStorageF16: an F16
// float-adds session (fp16 tensors take 2 bytes per element).
void PlanMemory(const Model& model, bool keep_all_tensors, MemoryPlan* plan,
                size_t num_threads = 1, FloatStorage storage = kStorageF32);

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_PLANNER_H_
