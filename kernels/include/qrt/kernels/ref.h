// Portable reference kernels: one per op, the definition of every result.
//
// These kernels are written for clarity, not speed. Each follows
// docs/integer-semantics.md literally, and every optimized kernel (NEON,
// dotprod, ...) must produce the same bits, which its test checks against
// the function declared here. Names follow the grammar in docs/kernels.md:
// `qrt_<op>_<types>[_<acc>_ukernel_<tile>]__<isa>`, here always `__ref`;
// `<types>` lists input then output type where they differ (`s8_f32`:
// int8 in, fp32 out).
//
// Conventions shared by all kernels below:
// - Activations are NHWC, batch first; weights are OHWI
//   ([out_channels, kernel_h, kernel_w, in_channels / groups]); fully
//   connected weights are [out_channels, in_channels].
// - Quantized activations are int8 with a zero point (U8 tensors are stored
//   shifted by -128, see the semantics doc). Weights have zero point 0.
// - Requantization takes fp32 multipliers the caller computed once at load
//   (m[c] = (sx * sw[c]) / sy); int8 outputs are clamped to [output_min,
//   output_max], which also encodes a fused RELU / RELU6.
// - Float outputs are clamped to [output_min, output_max]: NONE is
//   [-INFINITY, INFINITY], RELU [0, INFINITY], RELU6 [0, 6]
//   (qrt_activation_range_f32 fills them).
// - No kernel allocates, throws or fails: the caller validates shapes once
//   (at load) and passes buffers of the documented sizes. These reference
//   kernels need no scratch memory; a kernel that does declares
//   `<name>_scratch_size(params)` and takes the buffer as an argument.
// - Every pooling window must hold at least one input (pad < kernel size,
//   checked by the caller); an empty window yields output_min / -INFINITY
//   for MaxPool and the zero point / 0.0f for AveragePool.
#ifndef QRT_KERNELS_REF_H_
#define QRT_KERNELS_REF_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Fused activation, numbered as in schema/qrt.fbs (enum Activation).
typedef enum qrt_activation {
  QRT_ACTIVATION_NONE = 0,
  QRT_ACTIVATION_RELU = 1,
  QRT_ACTIVATION_RELU6 = 2,
} qrt_activation;

// Float clamp bounds for a fused activation: NONE -> [-inf, inf],
// RELU -> [0, inf], RELU6 -> [0, 6].
void qrt_activation_range_f32(qrt_activation activation, float* output_min,
                              float* output_max);

// Output size of a conv/pool along one axis:
//   (input + pad_before + pad_after - dilation * (kernel - 1) - 1) / stride + 1,
// or 0 when the (dilated) kernel does not fit in the padded input.
size_t qrt_conv_output_size(size_t input, size_t kernel, size_t stride,
                            size_t dilation, size_t pad_before, size_t pad_after);

// ---------------------------------------------------------------------------
// Conv2D (regular, grouped and depthwise) and FullyConnected.

typedef struct qrt_conv2d_params {
  size_t batch;
  size_t input_height, input_width;
  size_t input_channels;   // total, = groups * input channels per group
  size_t output_height, output_width;
  size_t output_channels;  // total, a multiple of groups
  size_t kernel_height, kernel_width;
  size_t stride_height, stride_width;        // >= 1
  size_t dilation_height, dilation_width;    // >= 1
  size_t pad_top, pad_left, pad_bottom, pad_right;
  size_t groups;           // >= 1; groups == in == out channels: depthwise
  int32_t input_zero_point;
} qrt_conv2d_params;

// Requantization of int32 sums into int8 (one multiplier per output channel).
typedef struct qrt_requant_s8_params {
  const float* multipliers;  // [output_channels]: (sx * sw[c]) / sy
  int32_t output_zero_point;
  int8_t output_min, output_max;
} qrt_requant_s8_params;

// Dequantizing epilogue: y = (float)acc * scales[c], clamped.
typedef struct qrt_dequant_f32_params {
  const float* scales;  // [output_channels]: sx * sw[c]
  float output_min, output_max;
} qrt_dequant_f32_params;

// input:  [batch, input_height, input_width, input_channels] int8
// weights:[output_channels, kernel_height, kernel_width, input_channels/groups]
// bias:   [output_channels] int32 or NULL (= 0)
// output: [batch, output_height, output_width, output_channels]
void qrt_conv2d_s8__ref(const qrt_conv2d_params* params, const int8_t* input,
                        const int8_t* weights, const int32_t* bias,
                        const qrt_requant_s8_params* requant, int8_t* output);
void qrt_conv2d_s8_f32__ref(const qrt_conv2d_params* params,
                            const int8_t* input, const int8_t* weights,
                            const int32_t* bias,
                            const qrt_dequant_f32_params* dequant,
                            float* output);

typedef struct qrt_fully_connected_params {
  size_t batch;            // rows of input and output
  size_t input_channels;
  size_t output_channels;
  int32_t input_zero_point;
} qrt_fully_connected_params;

// input [batch, input_channels], weights [output_channels, input_channels],
// bias [output_channels] or NULL, output [batch, output_channels].
void qrt_fully_connected_s8__ref(const qrt_fully_connected_params* params,
                                 const int8_t* input, const int8_t* weights,
                                 const int32_t* bias,
                                 const qrt_requant_s8_params* requant,
                                 int8_t* output);
void qrt_fully_connected_s8_f32__ref(const qrt_fully_connected_params* params,
                                     const int8_t* input, const int8_t* weights,
                                     const int32_t* bias,
                                     const qrt_dequant_f32_params* dequant,
                                     float* output);

// ---------------------------------------------------------------------------
// Quantize / Dequantize (elementwise, n elements).

// q = round(clamp(x * inv_scale, lo - zp, hi - zp)) + zp; inv_scale = 1.0f / s
// computed once by the caller. A NaN input gives output_min.
void qrt_quantize_f32_s8__ref(size_t n, const float* input, float inv_scale,
                              int32_t zero_point, int8_t output_min,
                              int8_t output_max, int8_t* output);
// x = (float)(q - zp) * scale.
void qrt_dequantize_s8_f32__ref(size_t n, const int8_t* input, float scale,
                                int32_t zero_point, float* output);

// ---------------------------------------------------------------------------
// Pooling (NHWC, channels pooled independently).

typedef struct qrt_pool2d_params {
  size_t batch;
  size_t input_height, input_width;
  size_t channels;
  size_t output_height, output_width;
  size_t kernel_height, kernel_width;
  size_t stride_height, stride_width;
  size_t pad_top, pad_left, pad_bottom, pad_right;
  int count_include_pad;  // AveragePool: divide by kernel area, not in-bounds count
  // ceil_mode (AveragePool): of pad_bottom / pad_right, the rows / columns
  // that only extend the last windows past the explicit padding. With
  // count_include_pad they do not count: the divisor is the part of the
  // window inside the explicitly padded input (ONNX, PyTorch). 0: none.
  size_t ceil_bottom, ceil_right;
} qrt_pool2d_params;

// Input and output share scale and zero point; result clamped to [min, max].
void qrt_maxpool2d_s8__ref(const qrt_pool2d_params* params, const int8_t* input,
                           int8_t output_min, int8_t output_max, int8_t* output);
void qrt_maxpool2d_f32__ref(const qrt_pool2d_params* params, const float* input,
                            float output_min, float output_max, float* output);

// Quantization of an int8 average: sum of (x - input_zero_point) over the
// window, n elements, v = (float)sum * (input_scale / (output_scale * (float)n)).
typedef struct qrt_avgpool_s8_params {
  float input_scale, output_scale;
  int32_t input_zero_point, output_zero_point;
  int8_t output_min, output_max;
} qrt_avgpool_s8_params;

void qrt_avgpool2d_s8__ref(const qrt_pool2d_params* params, const int8_t* input,
                           const qrt_avgpool_s8_params* quant, int8_t* output);
void qrt_avgpool2d_f32__ref(const qrt_pool2d_params* params, const float* input,
                            float output_min, float output_max, float* output);

// [batch, height, width, channels] -> [batch, channels] (the 1x1 spatial
// output, NHWC [batch, 1, 1, channels], has the same layout).
void qrt_global_avgpool_s8__ref(size_t batch, size_t height, size_t width,
                                size_t channels, const int8_t* input,
                                const qrt_avgpool_s8_params* quant,
                                int8_t* output);
void qrt_global_avgpool_f32__ref(size_t batch, size_t height, size_t width,
                                 size_t channels, const float* input,
                                 float output_min, float output_max,
                                 float* output);

// ---------------------------------------------------------------------------
// Add, Softmax, Concat (float unless named s8).

// y[i] = clamp(a[i] + b[i], output_min, output_max), n elements.
void qrt_add_f32__ref(size_t n, const float* a, const float* b,
                      float output_min, float output_max, float* output);

// Softmax over rows of `cols` values: e = expf(x - max_row), y = e / sum(e).
void qrt_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                          float* output);
// LogSoftmax over rows: y = (x - max_row) - logf(sum(expf(x - max_row))).
void qrt_log_softmax_f32__ref(size_t rows, size_t cols, const float* input,
                              float* output);

// Concat along one axis. With the output viewed as [outer, row] (outer = the
// product of the dimensions before the axis), input i contributes
// input_row_sizes[i] contiguous elements (its axis dimension times the
// product of the dimensions after the axis) to each of the outer rows.
typedef struct qrt_concat_s8_input {
  float multiplier;    // input_scale / output_scale
  int32_t zero_point;  // the input's zero point
} qrt_concat_s8_input;

// y = round(clamp((float)(q - zi) * multiplier, lo - zy, hi - zy)) + zy.
void qrt_concat_s8__ref(size_t outer, size_t num_inputs,
                        const size_t* input_row_sizes,
                        const int8_t* const* inputs,
                        const qrt_concat_s8_input* input_quant,
                        int32_t output_zero_point, int8_t output_min,
                        int8_t output_max, int8_t* output);
void qrt_concat_f32__ref(size_t outer, size_t num_inputs,
                         const size_t* input_row_sizes,
                         const float* const* inputs, float* output);

// ---------------------------------------------------------------------------
// Add (int8): y = round(clamp((a - za) * ma + (b - zb) * mb, lo - zy, hi - zy)) + zy
// with ma = sa / sy and mb = sb / sy computed once by the caller (fp32);
// the two products and the sum in fp32 (no FMA). Storage zero points (U8
// tensors shifted by -128). The method keeps residual adds in float; this
// is the converter's --quantize-adds ablation.
typedef struct qrt_add_s8_params {
  float a_multiplier, b_multiplier;  // sa / sy, sb / sy
  int32_t a_zero_point, b_zero_point, output_zero_point;
  int8_t output_min, output_max;     // storage range, fused RELU/RELU6 folded in
} qrt_add_s8_params;

void qrt_add_s8__ref(size_t n, const int8_t* a, const int8_t* b,
                     const qrt_add_s8_params* params, int8_t* output);

// ---------------------------------------------------------------------------
// Lookup table (int8 -> int8 through 256 entries): y[i] = table[x[i] + 128],
// x in int8 storage form. The converter computes the table
// (docs/integer-semantics.md, "Lookup table"); n elements.
void qrt_lookup_table_s8__ref(size_t n, const int8_t* input,
                              const int8_t* table, int8_t* output);

// ---------------------------------------------------------------------------
// Mul (int8): acc = (a - za) * (b - zb) (exact, int32), then
//   y = round(clamp((float)acc * m, lo - zy, hi - zy)) + zy,  m = sa * sb / sy
// computed once by the caller in fp32 ((sa * sb) / sy, in that order).
// a is [batch, spatial, channels]; b is the same shape, or with
// b_broadcast [batch, channels] broadcast over `spatial` (the
// squeeze-and-excitation multiply [N,H,W,C] x [N,1,1,C]).
typedef struct qrt_mul_s8_params {
  float multiplier;  // (sa * sb) / sy
  int32_t a_zero_point, b_zero_point, output_zero_point;
  int8_t output_min, output_max;  // storage range, fused RELU/RELU6 folded in
} qrt_mul_s8_params;

void qrt_mul_s8__ref(size_t batch, size_t spatial, size_t channels,
                     const int8_t* a, const int8_t* b, int b_broadcast,
                     const qrt_mul_s8_params* params, int8_t* output);

// ---------------------------------------------------------------------------
// Channel shuffle, Slice, Pad: copies (values, scale and zero point
// unchanged).

// y[r, o] = x[r, (o % groups) * group_channels + o / groups] for each of the
// `outer` rows of C = groups * group_channels channels.
void qrt_channel_shuffle_s8__ref(size_t outer, size_t groups, size_t group_channels,
                                 const int8_t* input, int8_t* output);
void qrt_channel_shuffle_f32__ref(size_t outer, size_t groups, size_t group_channels,
                                  const float* input, float* output);

// A box of `small_shape` at `offset` inside a tensor of `big_shape` (4-D,
// row-major; lower ranks padded with leading 1s by the caller), with
// offset[d] + small_shape[d] <= big_shape[d].
typedef struct qrt_box_params {
  size_t big_shape[4];
  size_t small_shape[4];
  size_t offset[4];
} qrt_box_params;

// SLICE: input is the big tensor, output the box (step 1).
void qrt_slice_s8__ref(const qrt_box_params* params, const int8_t* input,
                       int8_t* output);
void qrt_slice_f32__ref(const qrt_box_params* params, const float* input,
                        float* output);
// PAD: input is the box, output the big tensor; elements outside the box
// are `value` (int8: the constant's code, quantized by the caller).
void qrt_pad_s8__ref(const qrt_box_params* params, const int8_t* input,
                     int8_t value, int8_t* output);
void qrt_pad_f32__ref(const qrt_box_params* params, const float* input,
                      float value, float* output);

// ---------------------------------------------------------------------------
// LRN across channels (fp32): for each of `outer` rows of `channels`,
//   y[c] = x[c] / powf(bias + (alpha / size) * sum_{c'} x[c']^2, beta)
// over c' in [c - (size - 1) / 2, c + size / 2] clipped to the row.
typedef struct qrt_lrn_params {
  size_t size;  // >= 1
  float alpha, beta, bias;
} qrt_lrn_params;

void qrt_lrn_f32__ref(size_t outer, size_t channels, const qrt_lrn_params* params,
                      const float* input, float* output);

// ---------------------------------------------------------------------------
// PRelu (int8), one slope per channel of `channels` (the last axis):
// d = x - zx; y = round(clamp((float)d * (d >= 0 ? m_pos : m_neg[c]),
// lo - zy, hi - zy)) + zy, with m_pos = sx / sy and m_neg[c] =
// (sx * slope[c]) / sy computed once by the caller (fp32).
typedef struct qrt_prelu_s8_params {
  float positive_multiplier;           // sx / sy
  const float* negative_multipliers;   // [channels]: (sx * slope[c]) / sy
  int32_t input_zero_point, output_zero_point;
  int8_t output_min, output_max;
} qrt_prelu_s8_params;

void qrt_prelu_s8__ref(size_t outer, size_t channels, const int8_t* input,
                       const qrt_prelu_s8_params* params, int8_t* output);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QRT_KERNELS_REF_H_
