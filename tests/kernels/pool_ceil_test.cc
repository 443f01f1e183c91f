// AveragePool with ceil_mode overhang (qrt_pool2d_params.ceil_bottom /
// ceil_right): the divisor with count_include_pad is the window clipped to
// the explicitly padded input, as ONNX and PyTorch define it; without it,
// the in-bounds count. Reference kernels against a naive loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "naive.h"
#include "qrt/kernels/ref.h"

using qrt_test::naive_requantize;
using qrt_test::Rng;

TEST_CASE("avgpool2d ceil overhang: divisor clipped to the explicit padding", "[pool][ref]") {
  Rng rng(23);
  for (int trial = 0; trial < 200; trial++) {
    const size_t ih = size_t(rng.uniform_int(1, 7)), iw = size_t(rng.uniform_int(1, 7));
    const size_t kh = size_t(rng.uniform_int(1, 4)), kw = size_t(rng.uniform_int(1, 4));
    const size_t sh = size_t(rng.uniform_int(1, 3)), sw = size_t(rng.uniform_int(1, 3));
    const size_t pt = size_t(rng.uniform_int(0, int(kh) - 1)), pl = size_t(rng.uniform_int(0, int(kw) - 1));
    const size_t pb = size_t(rng.uniform_int(0, int(kh) - 1)), pr = size_t(rng.uniform_int(0, int(kw) - 1));
    if (ih + pt + pb < kh || iw + pl + pr < kw) continue;
    // ceil_mode output sizes (last window starts inside the input or top/left pad).
    auto ceil_out = [](size_t in, size_t p0, size_t p1, size_t k, size_t s) {
      size_t o = (in + p0 + p1 - k + s - 1) / s + 1;
      if ((o - 1) * s >= in + p0) --o;
      return o;
    };
    const size_t oh = ceil_out(ih, pt, pb, kh, sh), ow = ceil_out(iw, pl, pr, kw, sw);
    const size_t cb = (oh - 1) * sh + kh - ih - pt - pb, cr = (ow - 1) * sw + kw - iw - pl - pr;
    if (pb + cb >= kh || pr + cr >= kw) continue;  // the runtime refuses those
    const int cip = trial % 2;
    const size_t ch = 3;
    qrt_pool2d_params p = {1, ih, iw, ch, oh, ow, kh, kw, sh, sw, pt, pl, pb + cb, pr + cr, cip, cb, cr};
    const std::vector<float> xf = rng.floats(ih * iw * ch, -1, 1);
    const std::vector<int8_t> xq = rng.int8s(ih * iw * ch);
    std::vector<float> yf(oh * ow * ch);
    std::vector<int8_t> yq(oh * ow * ch);
    qrt_avgpool_s8_params q = {0.1f, 0.07f, 3, -2, -128, 127};
    qrt_avgpool2d_f32__ref(&p, xf.data(), -1e30f, 1e30f, yf.data());
    qrt_avgpool2d_s8__ref(&p, xq.data(), &q, yq.data());
    for (size_t oy = 0; oy < oh; oy++)
      for (size_t ox = 0; ox < ow; ox++) {
        // Window in input coordinates; the divisor's box ends at the explicit padding.
        const long y0 = long(oy * sh) - long(pt), x0 = long(ox * sw) - long(pl);
        const long y1 = std::min(y0 + long(kh), long(ih + pb)), x1 = std::min(x0 + long(kw), long(iw + pr));
        const long ys = std::max(y0, 0L), xs = std::max(x0, 0L), ye = std::min(y1, long(ih)), xe = std::min(x1, long(iw));
        const long n = cip ? (y1 - y0) * (x1 - x0) : (ye - ys) * (xe - xs);
        for (size_t c = 0; c < ch; c++) {
          float sum = 0.0f;
          int32_t isum = 0;
          for (long y = ys; y < ye; y++)
            for (long x = xs; x < xe; x++) {
              sum += xf[(size_t(y) * iw + size_t(x)) * ch + c];
              isum += xq[(size_t(y) * iw + size_t(x)) * ch + c] - q.input_zero_point;
            }
          INFO("trial " << trial << " oy " << oy << " ox " << ox);
          REQUIRE(yf[(oy * ow + ox) * ch + c] == sum / float(n));
          REQUIRE(yq[(oy * ow + ox) * ch + c] ==
                  naive_requantize(isum, q.input_scale / (q.output_scale * float(n)), q.output_zero_point, -128, 127));
        }
      }
  }
}
