/* Plain saturating INT16, emulated on a loaded model (accuracy study only,
 * never faster; docs/accumulation.md "Plain INT16 (emulation)").
 *
 * Part of qrt_study, a host-only library beside qrt-eval: the device
 * library libqrt.a has no option, flag or kernel for it. It works on the
 * runtime's op plans (runtime/src, target qrt_runtime_internal): every
 * CONV_2D / FULLY_CONNECTED operator whose accumulator is INT16 gets, for
 * each float-adds storage, the saturating kernels of study/conv_sat16.h in
 * place of the run function Prepare chose (an fp16-output conv of an F16
 * float-adds session keeps its fp16 bands and computes each band with the
 * saturating kernel). INT32 layers and every other op are unchanged, as are
 * the arena sizes and the kernel names qrt_*_op_info reports. */
#ifndef QRT_EVAL_STUDY_PLAIN_INT16_H_
#define QRT_EVAL_STUDY_PLAIN_INT16_H_

#include <stddef.h>

#include "qrt/qrt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Switches `model` to the plain saturating INT16 emulation: call it after
 * qrt_model_load_* and before creating sessions from the model (sessions
 * share the model's op plans). For the whole life of the model: load the
 * file again for the exact kernels. Calling it twice changes nothing more.
 * *num_layers (may be NULL): how many INT16 layers now emulate.
 * QRT_ERROR_INVALID_ARGUMENT for a NULL model. */
qrt_status qrt_study_emulate_plain_int16(qrt_model* model, size_t* num_layers);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* QRT_EVAL_STUDY_PLAIN_INT16_H_ */
