// qrt_int16_chunk: the largest per-lane product count that cannot overflow
// int16 for any channel (qrt/kernels/accumulation.h, docs/accumulation.md).
#include "qrt/kernels/accumulation.h"

size_t qrt_int16_chunk(const int8_t* weights, size_t channels, size_t k,
                       int32_t x_min, int32_t x_max) {
  const int32_t ax = x_min < 0 ? -x_min : x_min;
  const int32_t bx = x_max < 0 ? -x_max : x_max;
  const int64_t max_x = ax > bx ? ax : bx;
  size_t chunk = k;
  for (size_t c = 0; c < channels && chunk > 0; c++) {
    // Counting sort of |w| (0..128), then take the largest first.
    size_t count[129] = {0};
    for (size_t i = 0; i < k; i++) {
      const int32_t w = weights[c * k + i];
      count[w < 0 ? -w : w]++;
    }
    int64_t sum = 0;
    size_t n = 0;
    for (int32_t v = 128; v >= 0 && n < chunk; v--) {
      size_t take = count[v];
      if (take > chunk - n) take = chunk - n;
      if (max_x * v > 0) {
        // How many of these fit before sum * max_x exceeds 32767?
        const int64_t room = (32767 - max_x * sum) / (max_x * v);
        if ((int64_t)take > room) {
          n += (size_t)room;
          chunk = n;
          break;
        }
      }
      sum += (int64_t)take * v;
      n += take;
    }
  }
  return chunk;
}

size_t qrt_int16_window(const int8_t* weights, size_t channels, size_t k,
                        size_t stride, int32_t x_min, int32_t x_max) {
  const int32_t ax = x_min < 0 ? -x_min : x_min;
  const int32_t bx = x_max < 0 ? -x_max : x_max;
  const int64_t max_x = ax > bx ? ax : bx;
  if (stride == 0) stride = 1;
  size_t window = k;  // every run fits: k, whatever the stride
  for (size_t c = 0; c < channels && window > 0; c++) {
    for (size_t r = 0; r < stride && r < k; r++) {
      // The sequence w[c][r], w[c][r + stride], ...: for each end i, lo is
      // the first start whose run [lo, i] fits; if the run from lo - 1 does
      // not, no run longer than i - lo + 1 (elements) is safe.
      const int8_t* w = weights + c * k + r;
      const size_t len = (k - r + stride - 1) / stride;
      size_t lo = 0;
      int64_t sum = 0;
      for (size_t i = 0; i < len; i++) {
        const int8_t v = w[i * stride];
        sum += v < 0 ? -(int64_t)v : v;
        while (lo <= i && sum * max_x > 32767) {
          const int8_t u = w[lo * stride];
          sum -= u < 0 ? -(int64_t)u : u;
          lo++;
        }
        if (lo > 0 && i + 1 - lo < window) window = i + 1 - lo;
      }
    }
  }
  return window;
}

qrt_int16_bounds qrt_int16_layer_bounds(const int8_t* weights, size_t channels,
                                        size_t k, int32_t x_min, int32_t x_max,
                                        size_t chunk) {
  qrt_int16_bounds b;
  b.chunk = chunk;
  b.run1 = qrt_int16_window(weights, channels, k, 1, x_min, x_max);
  b.run8 = qrt_int16_window(weights, channels, k, 8, x_min, x_max);
  return b;
}
