// One GEMM (M x N x K) or depthwise 3x3 (H x W x C, stride) through one named
// kernel row, run once: a deterministic workload for counting instructions
// under qemu (docs/performance.md). Prints the MAC count.
//   qrt_kernels_insncount gemm KERNEL_NAME M N K [INT16_CHUNK (default 127) [REPS (default 1)]]
//     REPS runs the same GEMM REPS times: the whole-process count of REPS = R + 1
//     minus that of REPS = 1, divided by R, is everything one qrt_gemm_s8 call
//     executes (driver, micro-kernel, any helper it calls), independent of
//     which symbols the compiler kept.
//   qrt_kernels_insncount dwconv KERNEL_NAME H W C STRIDE [REPS (default 1)]
//     padding 1 on every side; REPS as for gemm (whole call = count(2) - count(1))
//   qrt_kernels_insncount conv IMPL H W C OC K STRIDE GROUPS [REPS [CHUNK]]
//     one conv layer (depthwise KxK row, grouped GEMM row, auto, ref or
//     xnnpack; insncount_conv.cc)
//   qrt_kernels_insncount op KERNEL_NAME H W C     elementwise / pooling op
//     of an op table (qrt_select_op_kernels): quantize / dequantize / add on
//     H*W*C elements, maxpool 3x3 stride 2 pad 1 on HxWxC, global avgpool
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "qrt/kernels/dispatch.h"

// One elementwise / pooling kernel (by name, from any op table) once.
static int run_op(const char* name, size_t h, size_t w, size_t c) {
  const qrt_op_kernels* tables;
  const size_t count = qrt_op_kernel_tables(&tables);
  const size_t n = h * w * c;
  for (size_t i = 0; i < count; i++) {
    const qrt_op_kernels& t = tables[i];
    std::vector<float> xf(n), yf(n);
    for (size_t j = 0; j < n; j++) xf[j] = float(int(j % 97) - 48) * 0.37f;
    std::vector<int8_t> xq(n, 3), yq(n);
    if (std::strcmp(name, t.quantize_f32_s8.name) == 0) {
      t.quantize_f32_s8.fn(n, xf.data(), 3.0f, 1, -128, 127, yq.data());
    } else if (std::strcmp(name, t.dequantize_s8_f32.name) == 0) {
      t.dequantize_s8_f32.fn(n, xq.data(), 0.1f, 1, yf.data());
    } else if (std::strcmp(name, t.add_f32.name) == 0) {
      t.add_f32.fn(n, xf.data(), xf.data(), 0.0f, 6.0f, yf.data());
    } else if (std::strcmp(name, t.maxpool2d_s8.name) == 0) {
      qrt_pool2d_params p{};
      p.batch = 1; p.input_height = h; p.input_width = w; p.channels = c;
      p.kernel_height = p.kernel_width = 3; p.stride_height = p.stride_width = 2;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      p.output_height = qrt_conv_output_size(h, 3, 2, 1, 1, 1);
      p.output_width = qrt_conv_output_size(w, 3, 2, 1, 1, 1);
      t.maxpool2d_s8.fn(&p, xq.data(), -128, 127, yq.data());
      std::printf("%s %zux%zux%zu outputs=%zu\n", name, h, w, c,
                  p.output_height * p.output_width * c);
      return 0;
    } else if (std::strcmp(name, t.global_avgpool_s8.name) == 0) {
      const qrt_avgpool_s8_params q{0.05f, 0.04f, -3, 2, -128, 127};
      t.global_avgpool_s8.fn(1, h, w, c, xq.data(), &q, yq.data());
    } else {
      continue;
    }
    std::printf("%s %zux%zux%zu elements=%zu\n", name, h, w, c, n);
    return 0;
  }
  std::fprintf(stderr, "unknown op kernel '%s' (see qrt_op_kernel_tables)\n", name);
  return 1;
}

int run_conv(int argc, char** argv);  // insncount_conv.cc

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "conv") == 0) return run_conv(argc, argv);
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: %s gemm NAME M N K [CHUNK [REPS]] | dwconv NAME H W C STRIDE [REPS] | op NAME H W C\n",
                 argv[0]);
    return 2;
  }
  if (std::strcmp(argv[1], "op") == 0) return run_op(argv[2], std::strtoul(argv[3], nullptr, 10),
                                                     std::strtoul(argv[4], nullptr, 10),
                                                     std::strtoul(argv[5], nullptr, 10));
  const bool gemm = std::strcmp(argv[1], "gemm") == 0;
  const size_t a = std::strtoul(argv[3], nullptr, 10), b = std::strtoul(argv[4], nullptr, 10),
               c = std::strtoul(argv[5], nullptr, 10);
  const qrt_gemm_s8_epilogue e = qrt_gemm_s8_epilogue_s8(0, -128, 127);
  if (gemm) {
    const qrt_gemm_s8_kernel* rows;
    const size_t n = qrt_gemm_s8_kernels(&rows);
    for (size_t i = 0; i < n; i++) {
      if (std::strcmp(rows[i].name, argv[2]) != 0) continue;
      const qrt_gemm_s8_ukernel& uk = rows[i].ukernel;
      std::vector<int8_t> x(a * c, 3), w(b * c, -2), y(a * b);
      std::vector<int32_t> bias(b, 1);
      std::vector<float> s(b, 0.01f);
      std::vector<uint8_t> packed(qrt_gemm_s8_packed_size(&uk, b, c));
      qrt_gemm_s8_pack_weights(&uk, b, c, w.data(), bias.data(), s.data(), 0, packed.data());
      // Weights are -2: any chunk up to 32767 / (128 * 2) = 127 is valid.
      const size_t chunk = argc >= 7 ? std::strtoul(argv[6], nullptr, 10) : 127;
      if (chunk < 1 || chunk > 127) {
        std::fprintf(stderr, "int16 chunk %zu out of [1, 127]\n", chunk);
        return 2;
      }
      const size_t reps = argc >= 8 ? std::strtoul(argv[7], nullptr, 10) : 1;
      for (size_t rep = 0; rep < reps; rep++) {
        qrt_gemm_s8(&uk, a, b, c, x.data(), c, packed.data(), y.data(), b, &e, chunk);
      }
      std::printf("%s M=%zu N=%zu K=%zu chunk=%zu reps=%zu MACs=%zu\n", argv[2], a, b, c, chunk,
                  reps, a * b * c);
      return 0;
    }
  } else if (argc >= 7) {
    const qrt_dwconv3x3_s8_kernel* rows;
    const size_t n = qrt_dwconv3x3_s8_kernels(&rows);
    const size_t stride = std::strtoul(argv[6], nullptr, 10);
    for (size_t i = 0; i < n; i++) {
      if (std::strcmp(rows[i].name, argv[2]) != 0) continue;
      qrt_conv2d_params p{};
      p.batch = 1; p.input_height = a; p.input_width = b;
      p.input_channels = p.output_channels = p.groups = c;
      p.kernel_height = p.kernel_width = 3;
      p.stride_height = p.stride_width = stride;
      p.dilation_height = p.dilation_width = 1;
      p.pad_top = p.pad_left = p.pad_bottom = p.pad_right = 1;
      p.output_height = qrt_conv_output_size(a, 3, stride, 1, 1, 1);
      p.output_width = qrt_conv_output_size(b, 3, stride, 1, 1, 1);
      std::vector<int8_t> x(a * b * c, 3), w(c * 9, -2), y(p.output_height * p.output_width * c);
      std::vector<int32_t> bias(c, 1);
      std::vector<float> s(c, 0.01f);
      std::vector<uint8_t> packed(qrt_dwconv3x3_s8_packed_size(c));
      qrt_dwconv3x3_s8_pack_weights(c, w.data(), bias.data(), s.data(), 0, packed.data());
      const size_t reps = argc >= 8 ? std::strtoul(argv[7], nullptr, 10) : 1;
      for (size_t rep = 0; rep < reps; rep++) rows[i].fn(&p, x.data(), packed.data(), &e, y.data());
      std::printf("%s H=%zu W=%zu C=%zu stride=%zu reps=%zu MACs=%zu\n", argv[2], a, b, c, stride,
                  reps, p.output_height * p.output_width * c * 9);
      return 0;
    }
  }
  std::fprintf(stderr, "unknown kernel '%s' (see qrt/kernels/dispatch.h rows)\n", argv[2]);
  return 1;
}
