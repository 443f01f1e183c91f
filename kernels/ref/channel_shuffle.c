// Reference CHANNEL_SHUFFLE kernels (NHWC): the last axis of C = groups *
// group_channels channels is read as [groups, group_channels] and written
// transposed, [group_channels, groups]:
//   y[..., o] = x[..., (o % groups) * group_channels + o / groups]
// (ShuffleNet's Reshape [N,g,C/g,H,W] -> Transpose -> Reshape on NCHW). A
// copy: values, scale and zero point are unchanged.

#include "qrt/kernels/ref.h"

// Input channel i * group_channels + j (group i, position j) is output
// channel j * groups + i: the formula above without a division per element.
#define QRT_CHANNEL_SHUFFLE_BODY                                     \
  const size_t c = groups * group_channels;                         \
  for (size_t r = 0; r < outer; r++) {                              \
    for (size_t i = 0; i < groups; i++) {                           \
      for (size_t j = 0; j < group_channels; j++) {                 \
        output[r * c + j * groups + i] = input[r * c + i * group_channels + j]; \
      }                                                             \
    }                                                               \
  }

void qrt_channel_shuffle_s8__ref(size_t outer, size_t groups, size_t group_channels,
                                 const int8_t* input, int8_t* output) {
  QRT_CHANNEL_SHUFFLE_BODY
}

void qrt_channel_shuffle_f32__ref(size_t outer, size_t groups, size_t group_channels,
                                  const float* input, float* output) {
  QRT_CHANNEL_SHUFFLE_BODY
}
