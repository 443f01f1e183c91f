// The INT16 accumulation bound (docs/accumulation.md).
//
// An acc16 kernel sums int8 x int8 products in int16 lanes and widens them
// into int32 every `int16_chunk` products per lane. The chunk is chosen from
// the actual weights so that *no* selection of that many products can leave
// int16, whatever order or lane assignment the kernel uses:
//
//   int16_chunk = max n such that for every output channel c
//                 max|x| * (sum of the n largest |w[c, k]|) <= 32767
//
// with max|x| = max(|x_min|, |x_max|) of the int8-stored activation (128 for
// a full-range or U8-shifted input). The converter calls this per layer and
// stores the result in Conv2DOptions.int16_chunk.
//
// A kernel's int16 lane often sums a *run* of products: consecutive k (lane =
// output channel, one product per k: the c1 kernels), or consecutive members
// of one residue class k = r, r + 8, r + 16, ... (lane l of the c16 kernels
// holds k = 16t + l and 16t + 8 + l). Only the runs it actually sums must
// fit, so the runtime computes, at load, from the same weights and range,
//
//   int16_window(stride) = max L such that for every output channel c,
//                          residue r < stride and start s
//                          max|x| * sum_{i < L} |w[c, r + (s + i) * stride]| <= 32767
//
// and runs those kernels with blocks of L members per lane. L products of a
// run are some L products of the channel, so int16_window >= int16_chunk
// always (6-bit MobileNetV2 / ResNet50 conv and FC layers: chunk 8-12,
// window 9-20).
#ifndef QRT_KERNELS_ACCUMULATION_H_
#define QRT_KERNELS_ACCUMULATION_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// weights [channels][k]; activations in [x_min, x_max] (int8 storage).
// Returns a value in [1, k] (k itself when every full sum fits; 0 if k == 0).
// Every int8 product fits (|x| <= 128, |w| <= 128: 16384), so it is never 0
// for k > 0.
size_t qrt_int16_chunk(const int8_t* weights, size_t channels, size_t k,
                       int32_t x_min, int32_t x_max);

// The run bound above for one stride (0 counts as 1): k when every whole
// sequence fits, else the longest safe run (>= 1 for k > 0; 0 if k == 0).
size_t qrt_int16_window(const int8_t* weights, size_t channels, size_t k,
                        size_t stride, int32_t x_min, int32_t x_max);

// The bounds an INT16 layer's kernels may use: the chunk (the file's,
// verified <= qrt_int16_chunk) for kernels whose lanes hold any selection of
// k, the windows of stride 1 and 8 for the run kernels (ukernel int16_stride,
// qrt/kernels/gemm.h).
typedef struct qrt_int16_bounds {
  size_t chunk, run1, run8;
} qrt_int16_bounds;
qrt_int16_bounds qrt_int16_layer_bounds(const int8_t* weights, size_t channels,
                                        size_t k, int32_t x_min, int32_t x_max,
                                        size_t chunk);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_ACCUMULATION_H_
