/* Plain saturating INT16 accumulation, emulated (accuracy study only, never
 * faster; host-only library qrt_study, docs/accumulation.md "Plain INT16
 * (emulation)"): the products w * (x - zx) (padding contributes nothing) are
 * summed in K order (ky, kx, ci) in ONE int16 accumulator saturating at every
 * add; then acc = bias + acc16 in int32, requantized or dequantized as the
 * reference kernels (qrt/kernels/ref.h: qrt_conv2d_s8__ref, ...). Equal to
 * them when no partial sum leaves int16. Parameters and layouts are those of
 * the reference kernels. */
#ifndef QRT_EVAL_STUDY_CONV_SAT16_H_
#define QRT_EVAL_STUDY_CONV_SAT16_H_

#include <stddef.h>
#include <stdint.h>

#include "qrt/kernels/ref.h"

#ifdef __cplusplus
extern "C" {
#endif

void qrt_study_conv2d_s8_sat16(const qrt_conv2d_params* params,
                               const int8_t* input, const int8_t* weights,
                               const int32_t* bias,
                               const qrt_requant_s8_params* requant,
                               int8_t* output);
void qrt_study_conv2d_s8_f32_sat16(const qrt_conv2d_params* params,
                                   const int8_t* input, const int8_t* weights,
                                   const int32_t* bias,
                                   const qrt_dequant_f32_params* dequant,
                                   float* output);
void qrt_study_fully_connected_s8_sat16(
    const qrt_fully_connected_params* params, const int8_t* input,
    const int8_t* weights, const int32_t* bias,
    const qrt_requant_s8_params* requant, int8_t* output);
void qrt_study_fully_connected_s8_f32_sat16(
    const qrt_fully_connected_params* params, const int8_t* input,
    const int8_t* weights, const int32_t* bias,
    const qrt_dequant_f32_params* dequant, float* output);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* QRT_EVAL_STUDY_CONV_SAT16_H_ */
