// The box copy SLICE and PAD share (kernels/ref/slice.c, pad.c): a box
// of `small_shape` at `offset` inside a 4-D tensor of `big_shape`,
// row-major, copied one innermost row (memcpy) at a time. Private to ref/.
#ifndef QRT_KERNELS_REF_BOX_H_
#define QRT_KERNELS_REF_BOX_H_

#include <string.h>

#include "qrt/kernels/ref.h"

// Copies the box of `shape` at offset `at` of `big` to / from `small`
// (element size `es`): gather (big -> small) or scatter (small -> big).
static inline void copy_box(const qrt_box_params* p, const uint8_t* src, uint8_t* dst,
                     size_t es, int gather) {
  const size_t* s = p->small_shape;
  const size_t* b = p->big_shape;
  const size_t row = s[3] * es;
  for (size_t i0 = 0; i0 < s[0]; i0++)
    for (size_t i1 = 0; i1 < s[1]; i1++)
      for (size_t i2 = 0; i2 < s[2]; i2++) {
        const size_t small_at = ((i0 * s[1] + i1) * s[2] + i2) * s[3];
        const size_t big_at =
            (((i0 + p->offset[0]) * b[1] + i1 + p->offset[1]) * b[2] + i2 + p->offset[2]) * b[3] +
            p->offset[3];
        if (gather) {
          memcpy(dst + small_at * es, src + big_at * es, row);
        } else {
          memcpy(dst + big_at * es, src + small_at * es, row);
        }
      }
}

static inline size_t box_elements(const size_t* shape) {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

#endif  // QRT_KERNELS_REF_BOX_H_
