// qrt-bench --baseline xnnpack (docs/benchmarks.md).
//
// The XNNPACK network is built from the .qrt file itself (FlatBuffers
// reader, bit-packed weights unpacked here), not from qrt's loaded model, so
// a loader bug in qrt would show up as a difference. Each qrt operator maps
// to zero or more XNNPACK operators (a "layer"); every activation tensor
// gets its own buffer (RESHAPE aliases its input), in qrt's storage
// convention: S8/U8 as int8 with the storage zero point (U8: q - 128),
// F32 as float.
//
// Checks, on the bench input:
// - end to end: the model outputs of both runtimes (largest difference in
//   output units, how many differ);
// - per layer, isolated: each layer's XNNPACK operators run on qrt's own
//   input tensors (a keep_all_tensors session), and their output is compared
//   with qrt's output tensor, so a difference belongs to that layer alone.
//   Layers whose arithmetic is the same (int8 conv / FC, quantize,
//   dequantize, max pool, f32 add) must be exact.
//
// --only-op I runs qrt's op I through its run function (runtime internals:
// runtime/src/model.h, linked as qrt_runtime_internal) on the keep-all
// session's tensors, and the layer's XNNPACK operators, for instruction
// counting per layer under qemu (benchmarks/compare_xnnpack.sh).
#include "xnnpack_baseline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <algorithm>
#include <string>
#include <vector>

namespace qrt_bench {

std::vector<float> BenchInput(size_t n) {
  std::vector<float> x(n);
  uint32_t s = 12345;
  for (float& v : x) {
    s = s * 1664525u + 1013904223u;
    v = (float)(s >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
  }
  return x;
}

}  // namespace qrt_bench

#ifndef QRT_BENCH_HAVE_XNNPACK

namespace qrt_bench {
int RunXnnpackBaseline(const BaselineConfig&) {
  fprintf(stderr, "qrt-bench: built without XNNPACK (libxnnpack-dev not found at configure time)\n");
  return 4;
}
}  // namespace qrt_bench

#else

#include <cpuinfo.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include "model.h"        // runtime internals: OpPlan, RunContext (--only-op)
#include "thread_pool.h"
#include "qrt/schema/qrt_generated.h"

namespace qrt_bench {
namespace {

namespace qs = qrt::schema;

double NowMs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = (uint32_t)(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: value man * 2^-24
      float f = (float)man * (1.0f / 16777216.0f);
      memcpy(&bits, &f, 4);
      bits |= sign;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

// Quantization of a tensor in qrt's int8 storage convention.
struct StorageQ {
  float scale = 1.0f;
  int zp = 0, lo = -128, hi = 127;
};

bool Quantized(const qs::Tensor* t) {
  return t->dtype() == qs::DType::S8 || t->dtype() == qs::DType::U8;
}

StorageQ GetStorageQ(const qs::Tensor* t) {
  StorageQ q;
  const qs::Quantization* qt = t->quant();
  const int bits = qt ? qt->bits() : 8;
  if (qt && qt->scale() && qt->scale()->size() > 0) q.scale = qt->scale()->Get(0);
  const int zp = qt && qt->zero_point() && qt->zero_point()->size() > 0 ? qt->zero_point()->Get(0) : 0;
  const int shift = t->dtype() == qs::DType::U8 ? 128 : 0;
  int qmin, qmax;
  if (t->dtype() == qs::DType::S8) {
    qmax = (1 << (bits - 1)) - 1;
    qmin = -qmax;
  } else {
    qmin = 0;
    qmax = (1 << bits) - 1;
  }
  q.zp = zp - shift;
  q.lo = qmin - shift;
  q.hi = qmax - shift;
  return q;
}

// Clamp range narrowed by a fused activation (docs/integer-semantics.md).
void NarrowS8(const StorageQ& y, qs::Activation act, int* lo, int* hi) {
  *lo = y.lo;
  *hi = y.hi;
  if (act == qs::Activation::RELU || act == qs::Activation::RELU6) *lo = std::max(*lo, y.zp);
  if (act == qs::Activation::RELU6) *hi = std::min(*hi, y.zp + (int)lrintf(6.0f / y.scale));
}

void RangeF32(qs::Activation act, float* lo, float* hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (act == qs::Activation::RELU || act == qs::Activation::RELU6) *lo = 0.0f;
  if (act == qs::Activation::RELU6) *hi = 6.0f;
}

const char* UarchName(uint32_t u) {
  switch (u) {
    case cpuinfo_uarch_unknown: return "unknown";
    case cpuinfo_uarch_cortex_a53: return "cortex-a53";
    case cpuinfo_uarch_cortex_a55: return "cortex-a55";
    case cpuinfo_uarch_cortex_a55r0: return "cortex-a55r0";
    case cpuinfo_uarch_cortex_a72: return "cortex-a72";
    case cpuinfo_uarch_cortex_a73: return "cortex-a73";
    case cpuinfo_uarch_cortex_a75: return "cortex-a75";
    case cpuinfo_uarch_cortex_a76: return "cortex-a76";
    default: return "other";
  }
}

// One qrt operator as XNNPACK runs it.
struct Layer {
  int op = 0;
  std::string type, name;
  std::string mapping;          // what XNNPACK runs, for the report
  bool same_arithmetic = true;  // the isolated check must be exact
  std::vector<xnn_operator_t> ops;
};

struct Buffer {
  std::vector<float> f;
  std::vector<int8_t> q;
  void* ptr() { return f.empty() ? (void*)q.data() : (void*)f.data(); }
  size_t n() const { return f.empty() ? q.size() : f.size(); }
};

class XnnNetwork {
 public:
  ~XnnNetwork() {
    for (Layer& l : layers_)
      for (xnn_operator_t op : l.ops) xnn_delete_operator(op);
    if (pool_) pthreadpool_destroy(pool_);
  }

  // Builds every layer; false with `error` naming the op when one cannot be
  // mapped. `qrt_check` (a keep_all_tensors session that has run on the
  // bench input) gives the calibration of the int8 stand-ins for F32 conv
  // outputs.
  bool Build(const std::vector<uint8_t>& file, int threads, qrt_session* qrt_check,
             std::string* error);

  void Run() {
    for (Layer& l : layers_) RunLayer(l);
  }
  void RunLayer(Layer& l) {
    for (xnn_operator_t op : l.ops) xnn_run_operator(op, pool_);
  }

  const qs::Model* fb() const { return fb_; }
  std::vector<Layer>& layers() { return layers_; }
  Buffer& buffer(int tensor) { return buffers_[(size_t)alias_[(size_t)tensor]]; }
  size_t num_xnn_ops() const {
    size_t n = 0;
    for (const Layer& l : layers_) n += l.ops.size();
    return n;
  }

 private:
  bool Fail(std::string* error, const Layer& l, const std::string& why) {
    *error = "operator " + std::to_string(l.op) + " '" + l.name + "' (" + l.type + "): " + why;
    return false;
  }
  const qs::Tensor* T(int i) const { return fb_->tensors()->Get((uint32_t)i); }
  size_t NumElements(const qs::Tensor* t) const {
    size_t n = 1;
    for (int d : *t->shape()) n *= (size_t)d;
    return n;
  }
  std::vector<int8_t> ReadS8(const qs::Tensor* t) const;
  std::vector<int32_t> ReadS32(const qs::Tensor* t) const;
  std::vector<float> WeightScales(const qs::Tensor* w, size_t oc) const;
  bool AddLinear(Layer& l, const qs::Operator* op, bool fc, qrt_session* qrt_check,
                 std::string* error);

  const qs::Model* fb_ = nullptr;
  std::vector<Buffer> buffers_;  // per tensor (activations)
  std::vector<int> alias_;       // tensor -> buffer index
  std::vector<Layer> layers_;
  std::vector<Buffer> extra_;    // int8 stand-ins, kept alive
  pthreadpool_t pool_ = nullptr;
};

std::vector<int8_t> XnnNetwork::ReadS8(const qs::Tensor* t) const {
  const size_t n = NumElements(t);
  std::vector<int8_t> v(n, 0);
  const qs::Buffer* b = fb_->buffers()->Get(t->buffer());
  if (!b || !b->data()) return v;
  const uint8_t* src = b->data()->data();
  const int bits = b->packed_bits();
  if (b->sparse()) {  // bitmap + non-zero values (schema Buffer.sparse); the runtime's loader checked it
    const size_t map = (n + 7) / 8, vb = bits ? (size_t)bits : 8;
    const uint32_t mask = (1u << vb) - 1u, sign = 1u << (vb - 1);
    for (size_t i = 0, k = 0; i < n; ++i) {
      if (!((src[i / 8] >> (i % 8)) & 1u)) continue;
      uint32_t u = 0;
      for (size_t j = 0, bit = k * vb; j < vb; ++j, ++bit) u |= (uint32_t)((src[map + bit / 8] >> (bit % 8)) & 1u) << j;
      v[i] = (int8_t)((int32_t)((u & mask) ^ sign) - (int32_t)sign);
      ++k;
    }
    return v;
  }
  if (bits == 0) {
    memcpy(v.data(), src, std::min(n, (size_t)b->data()->size()));
  } else {  // runtime/src/unpack.cc's format: element i is stream bits [i*b, i*b+b)
    const size_t total = b->data()->size();
    const uint32_t mask = (1u << bits) - 1u, sign = 1u << (bits - 1);
    for (size_t i = 0; i < n; ++i) {
      const size_t bit = i * (size_t)bits, byte = bit / 8;
      uint32_t window = src[byte];
      if (byte + 1 < total) window |= (uint32_t)src[byte + 1] << 8;
      const uint32_t u = (window >> (bit % 8)) & mask;
      v[i] = (int8_t)((int32_t)(u ^ sign) - (int32_t)sign);
    }
  }
  return v;
}

std::vector<int32_t> XnnNetwork::ReadS32(const qs::Tensor* t) const {
  std::vector<int32_t> v(NumElements(t), 0);
  const qs::Buffer* b = fb_->buffers()->Get(t->buffer());
  if (b && b->data())
    memcpy(v.data(), b->data()->data(), std::min(v.size() * 4, (size_t)b->data()->size()));
  return v;
}

std::vector<float> XnnNetwork::WeightScales(const qs::Tensor* w, size_t oc) const {
  std::vector<float> s(oc, 1.0f);
  const auto* sc = w->quant() ? w->quant()->scale() : nullptr;
  for (size_t c = 0; c < oc && sc && sc->size() > 0; ++c)
    s[c] = sc->Get(sc->size() == 1 ? 0 : (uint32_t)c);
  return s;
}

// Largest |value| of a tensor of the keep-all qrt session (F32 or F16).
float MaxAbs(qrt_session* s, int tensor) {
  qrt_tensor_info ti;
  qrt_tensor_info_init(&ti);
  if (qrt_session_tensor_info(s, (size_t)tensor, &ti) != QRT_OK || !ti.data) return 0.0f;
  float m = 0.0f;
  for (size_t i = 0; i < ti.num_elements; ++i) {
    const float v = ti.dtype == QRT_DTYPE_F16
                        ? HalfToFloat(((const uint16_t*)ti.data)[i])
                        : ((const float*)ti.data)[i];
    m = std::max(m, fabsf(v));
  }
  return m;
}

bool XnnNetwork::AddLinear(Layer& l, const qs::Operator* op, bool fc, qrt_session* qrt_check,
                           std::string* error) {
  const auto* in = op->inputs();
  if (in->size() < 2) return Fail(error, l, "needs input and weights");
  const qs::Tensor* x = T(in->Get(0));
  const qs::Tensor* w = T(in->Get(1));
  const int yi = op->outputs()->Get(0);
  const qs::Tensor* y = T(yi);
  if (!Quantized(x)) return Fail(error, l, "float input: no integer XNNPACK conv for it");
  if (w->dtype() != qs::DType::S8) return Fail(error, l, "weights not S8");
  const auto& ws = *w->shape();
  const auto& xs = *x->shape();
  const size_t oc = (size_t)ws.Get(0);
  size_t n, ih, iw, ic, kh = 1, kw = 1;
  uint32_t sh = 1, sw_ = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0, groups = 1;
  qs::Activation act = qs::Activation::NONE;
  if (fc) {
    n = (size_t)xs.Get(0);
    ih = iw = 1;
    ic = NumElements(x) / n;
    if (ic != (size_t)ws.Get(1)) return Fail(error, l, "input size does not match weights");
    if (const auto* o = op->options_as_FullyConnectedOptions()) act = o->activation();
  } else {
    if (xs.size() != 4 || ws.size() != 4) return Fail(error, l, "conv needs NHWC input and OHWI weights");
    n = (size_t)xs.Get(0);
    ih = (size_t)xs.Get(1);
    iw = (size_t)xs.Get(2);
    ic = (size_t)xs.Get(3);
    kh = (size_t)ws.Get(1);
    kw = (size_t)ws.Get(2);
    const qs::Conv2DOptions* o = op->options_as_Conv2DOptions();
    if (o) {
      sh = (uint32_t)o->stride_h(); sw_ = (uint32_t)o->stride_w();
      dh = (uint32_t)o->dilation_h(); dw = (uint32_t)o->dilation_w();
      pt = (uint32_t)o->pad_top(); pl = (uint32_t)o->pad_left();
      pb = (uint32_t)o->pad_bottom(); pr = (uint32_t)o->pad_right();
      groups = (uint32_t)o->groups();
      act = o->activation();
    }
  }
  if (groups == 0 || ic % groups || oc % groups) return Fail(error, l, "bad groups");
  const size_t gic = ic / groups, goc = oc / groups;
  std::vector<int8_t> wq = ReadS8(w);
  const uint32_t flags = (groups > 1 && gic == 1) ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0;
  if (flags) {  // OHWI [OC,KH,KW,1] -> HWGo [KH,KW,OC]
    std::vector<int8_t> t(wq.size());
    for (size_t o = 0; o < oc; ++o)
      for (size_t k = 0; k < kh * kw; ++k) t[k * oc + o] = wq[o * kh * kw + k];
    wq.swap(t);
  }
  std::vector<int32_t> bias(oc, 0);
  if (in->size() > 2 && in->Get(2) >= 0) bias = ReadS32(T(in->Get(2)));
  const StorageQ qx = GetStorageQ(x);
  const std::vector<float> sw = WeightScales(w, oc);

  // Output: qrt's int8 output, or for an F32 (dequantizing) output an int8
  // stand-in calibrated on this input (symmetric, max |y| / 127) followed
  // by a convert to f32.
  StorageQ qy;
  int lo, hi;
  const bool float_out = y->dtype() == qs::DType::F32;
  if (float_out) {
    const float m = MaxAbs(qrt_check, yi);
    qy.scale = m > 0.0f ? m / 127.0f : 1.0f;
    qy.zp = 0;
    qy.lo = -127;
    qy.hi = 127;
    NarrowS8(qy, act, &lo, &hi);
    l.same_arithmetic = false;
  } else if (Quantized(y)) {
    qy = GetStorageQ(y);
    NarrowS8(qy, act, &lo, &hi);
  } else {
    return Fail(error, l, "output dtype not S8/U8/F32");
  }
  // m[c] = (sx * sw[c]) / sy in fp32 (qrt's constant); XNNPACK gets
  // input_scale = output_scale = 1 and kernel_scale = m, so the
  // requantization scale it computes is m exactly.
  std::vector<float> m(oc);
  for (size_t c = 0; c < oc; ++c) m[c] = (qx.scale * sw[c]) / qy.scale;

  xnn_operator_t conv = nullptr;
  xnn_status st = xnn_create_convolution2d_nhwc_qc8(
      pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, sh, sw_, dh, dw, groups, gic, goc, ic, oc,
      (int8_t)qx.zp, 1.0f, m.data(), wq.data(), bias.data(), (int8_t)qy.zp, 1.0f, (int8_t)lo,
      (int8_t)hi, flags, &conv);
  if (st != xnn_status_success)
    return Fail(error, l, "xnn_create_convolution2d_nhwc_qc8 refused it (status " +
                              std::to_string((int)st) + "; m[c] >= 256 or an empty clamp range?)");
  l.ops.push_back(conv);
  int8_t* yq;
  if (float_out) {
    extra_.emplace_back();
    extra_.back().q.resize(NumElements(y));
    yq = extra_.back().q.data();
  } else {
    yq = buffer(yi).q.data();
  }
  st = xnn_setup_convolution2d_nhwc_qc8(conv, n, ih, iw, (const int8_t*)buffer(in->Get(0)).ptr(),
                                        yq, pool_);
  if (st != xnn_status_success) return Fail(error, l, "xnn_setup_convolution2d_nhwc_qc8 failed");
  l.mapping = std::string(flags ? "conv2d_nhwc_qc8 depthwise" : fc ? "conv2d_nhwc_qc8 1x1 (FC)" : "conv2d_nhwc_qc8");
  if (float_out) {
    xnn_operator_t cvt = nullptr;
    if (xnn_create_convert_nc_qs8_f32(oc, oc, oc, qy.scale, (int8_t)qy.zp, 0, &cvt) != xnn_status_success ||
        xnn_setup_convert_nc_qs8_f32(cvt, NumElements(y) / oc, yq, (float*)buffer(yi).ptr(), pool_) !=
            xnn_status_success)
      return Fail(error, l, "convert_nc_qs8_f32 refused");
    l.ops.push_back(cvt);
    l.mapping += " + convert_qs8_f32 (int8 stand-in)";
  }
  return true;
}

bool XnnNetwork::Build(const std::vector<uint8_t>& file, int threads, qrt_session* qrt_check,
                       std::string* error) {
  fb_ = qs::GetModel(file.data());
  if (threads > 1) pool_ = pthreadpool_create((size_t)threads);
  const size_t nt = fb_->tensors()->size();
  buffers_.resize(nt);
  alias_.resize(nt);
  for (size_t i = 0; i < nt; ++i) {
    alias_[i] = (int)i;
    const qs::Tensor* t = T((int)i);
    if (t->buffer() != 0) continue;  // constant
    const size_t n = NumElements(t);
    if (t->dtype() == qs::DType::F32) buffers_[i].f.assign(n, 0.0f);
    else if (Quantized(t)) buffers_[i].q.assign(n, 0);
  }
  for (uint32_t k = 0; k < fb_->operators()->size(); ++k) {
    const qs::Operator* op = fb_->operators()->Get(k);
    layers_.emplace_back();
    Layer& l = layers_.back();
    l.op = (int)k;
    l.type = qs::EnumNameOpType(op->type());
    l.name = op->name() ? op->name()->str() : "";
    const auto* in = op->inputs();
    const int xi = in->size() > 0 ? in->Get(0) : -1;
    const int yi = op->outputs()->Get(0);
    if (xi < 0) return Fail(error, l, "no input");
    const qs::Tensor* x = T(xi);
    const qs::Tensor* y = T(yi);
    const size_t nx = NumElements(x), ny = NumElements(y);
    const size_t c = (size_t)x->shape()->Get(x->shape()->size() - 1);
    xnn_operator_t xo = nullptr;
    xnn_status st = xnn_status_success;
    switch (op->type()) {
      case qs::OpType::CONV_2D:
      case qs::OpType::FULLY_CONNECTED:
        if (!AddLinear(l, op, op->type() == qs::OpType::FULLY_CONNECTED, qrt_check, error)) return false;
        continue;
      case qs::OpType::QUANTIZE: {
        if (x->dtype() != qs::DType::F32 || !Quantized(y)) return Fail(error, l, "not F32 -> S8/U8");
        const StorageQ q = GetStorageQ(y);
        st = xnn_create_convert_nc_f32_qs8(c, c, c, q.scale, (int8_t)q.zp, (int8_t)q.lo, (int8_t)q.hi, 0, &xo);
        if (st == xnn_status_success)
          st = xnn_setup_convert_nc_f32_qs8(xo, nx / c, (const float*)buffer(xi).ptr(), (int8_t*)buffer(yi).ptr(), pool_);
        l.mapping = "convert_nc_f32_qs8";
        break;
      }
      case qs::OpType::DEQUANTIZE: {
        if (!Quantized(x) || y->dtype() != qs::DType::F32) return Fail(error, l, "not S8/U8 -> F32");
        const StorageQ q = GetStorageQ(x);
        st = xnn_create_convert_nc_qs8_f32(c, c, c, q.scale, (int8_t)q.zp, 0, &xo);
        if (st == xnn_status_success)
          st = xnn_setup_convert_nc_qs8_f32(xo, nx / c, (const int8_t*)buffer(xi).ptr(), (float*)buffer(yi).ptr(), pool_);
        l.mapping = "convert_nc_qs8_f32";
        break;
      }
      case qs::OpType::ADD: {
        const int bi = in->Get(1);
        const qs::Tensor* b = T(bi);
        const auto* o = op->options_as_AddOptions();
        const qs::Activation act = o ? o->activation() : qs::Activation::NONE;
        std::vector<size_t> sa(x->shape()->begin(), x->shape()->end());
        std::vector<size_t> sb(b->shape()->begin(), b->shape()->end());
        if (x->dtype() == qs::DType::F32 && b->dtype() == qs::DType::F32 && y->dtype() == qs::DType::F32) {
          float lo, hi;
          RangeF32(act, &lo, &hi);
          st = xnn_create_add_nd_f32(lo, hi, 0, &xo);
          if (st == xnn_status_success)
            st = xnn_setup_add_nd_f32(xo, sa.size(), sa.data(), sb.size(), sb.data(),
                                      (const float*)buffer(xi).ptr(), (const float*)buffer(bi).ptr(),
                                      (float*)buffer(yi).ptr(), pool_);
          l.mapping = "add_nd_f32";
        } else if (Quantized(x) && Quantized(b) && Quantized(y)) {
          const StorageQ qa = GetStorageQ(x), qb = GetStorageQ(b), qy = GetStorageQ(y);
          int lo, hi;
          NarrowS8(qy, act, &lo, &hi);
          st = xnn_create_add_nd_qs8((int8_t)qa.zp, qa.scale, (int8_t)qb.zp, qb.scale, (int8_t)qy.zp,
                                     qy.scale, (int8_t)lo, (int8_t)hi, 0, &xo);
          if (st == xnn_status_success)
            st = xnn_setup_add_nd_qs8(xo, sa.size(), sa.data(), sb.size(), sb.data(),
                                      (const int8_t*)buffer(xi).ptr(), (const int8_t*)buffer(bi).ptr(),
                                      (int8_t*)buffer(yi).ptr(), pool_);
          l.mapping = "add_nd_qs8 (fixed-point, not qrt's fp32)";
          l.same_arithmetic = false;
        } else {
          return Fail(error, l, "mixed float / int8 inputs");
        }
        break;
      }
      case qs::OpType::MAX_POOL_2D:
      case qs::OpType::AVERAGE_POOL_2D: {
        const qs::Pool2DOptions* o = op->options_as_Pool2DOptions();
        if (!o || x->shape()->size() != 4) return Fail(error, l, "needs Pool2DOptions and NHWC input");
        const bool max = op->type() == qs::OpType::MAX_POOL_2D;
        const size_t n = (size_t)x->shape()->Get(0), h = (size_t)x->shape()->Get(1), w = (size_t)x->shape()->Get(2);
        if (Quantized(x)) {
          if (!max) return Fail(error, l, "int8 AVERAGE_POOL_2D: this XNNPACK has no average_pooling2d_nhwc_qs8");
          const StorageQ q = GetStorageQ(y);
          int lo, hi;
          NarrowS8(q, o->activation(), &lo, &hi);
          st = xnn_create_max_pooling2d_nhwc_s8(o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(),
                                                o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(), 1, 1,
                                                c, c, c, (int8_t)lo, (int8_t)hi, 0, &xo);
          if (st == xnn_status_success)
            st = xnn_setup_max_pooling2d_nhwc_s8(xo, n, h, w, (const int8_t*)buffer(xi).ptr(), (int8_t*)buffer(yi).ptr(), pool_);
          l.mapping = "max_pooling2d_nhwc_s8";
        } else {
          float lo, hi;
          RangeF32(o->activation(), &lo, &hi);
          if (max) {
            st = xnn_create_max_pooling2d_nhwc_f32(o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(),
                                                   o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(), 1, 1,
                                                   c, c, c, lo, hi, 0, &xo);
            if (st == xnn_status_success)
              st = xnn_setup_max_pooling2d_nhwc_f32(xo, n, h, w, (const float*)buffer(xi).ptr(), (float*)buffer(yi).ptr(), pool_);
            l.mapping = "max_pooling2d_nhwc_f32";
          } else {
            st = xnn_create_average_pooling2d_nhwc_f32(o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(),
                                                       o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(),
                                                       c, c, c, lo, hi, 0, &xo);
            if (st == xnn_status_success)
              st = xnn_setup_average_pooling2d_nhwc_f32(xo, n, h, w, (const float*)buffer(xi).ptr(), (float*)buffer(yi).ptr(), pool_);
            l.mapping = "average_pooling2d_nhwc_f32";
            l.same_arithmetic = false;
          }
        }
        break;
      }
      case qs::OpType::GLOBAL_AVERAGE_POOL: {
        if (x->shape()->size() != 4) return Fail(error, l, "needs NHWC input");
        const size_t n = (size_t)x->shape()->Get(0);
        const size_t hw = (size_t)x->shape()->Get(1) * (size_t)x->shape()->Get(2);
        if (Quantized(x)) {
          const StorageQ qx = GetStorageQ(x), qy = GetStorageQ(y);
          st = xnn_create_global_average_pooling_nwc_qs8(c, c, c, (int8_t)qx.zp, qx.scale, (int8_t)qy.zp, qy.scale,
                                                         (int8_t)qy.lo, (int8_t)qy.hi, 0, &xo);
          if (st == xnn_status_success)
            st = xnn_setup_global_average_pooling_nwc_qs8(xo, n, hw, (const int8_t*)buffer(xi).ptr(), (int8_t*)buffer(yi).ptr(), pool_);
          l.mapping = "global_average_pooling_nwc_qs8 (fixed-point)";
        } else {
          st = xnn_create_global_average_pooling_nwc_f32(c, c, c, -INFINITY, INFINITY, 0, &xo);
          if (st == xnn_status_success)
            st = xnn_setup_global_average_pooling_nwc_f32(xo, n, hw, (const float*)buffer(xi).ptr(), (float*)buffer(yi).ptr(), pool_);
          l.mapping = "global_average_pooling_nwc_f32 (sum * 1/n)";
        }
        l.same_arithmetic = false;
        break;
      }
      case qs::OpType::RESHAPE:
        if (nx != ny || x->dtype() != y->dtype()) return Fail(error, l, "size or dtype changes");
        alias_[(size_t)yi] = alias_[(size_t)xi];
        l.mapping = "(none: same buffer)";
        continue;
      case qs::OpType::SOFTMAX:
        if (x->dtype() != qs::DType::F32) return Fail(error, l, "not F32");
        st = xnn_create_softmax_nc_f32(c, c, c, 0, &xo);
        if (st == xnn_status_success)
          st = xnn_setup_softmax_nc_f32(xo, nx / c, (const float*)buffer(xi).ptr(), (float*)buffer(yi).ptr(), pool_);
        l.mapping = "softmax_nc_f32";
        l.same_arithmetic = false;
        break;
      default:
        return Fail(error, l, "no XNNPACK mapping for this op in qrt-bench");
    }
    if (xo) l.ops.push_back(xo);
    if (st != xnn_status_success)
      return Fail(error, l, l.mapping + ": XNNPACK refused it (status " + std::to_string((int)st) + ")");
  }
  return true;
}

// Difference between qrt's tensor (keep-all session storage) and the XNNPACK
// buffer: int8 in storage steps, float in output units.
struct Diff {
  size_t n = 0, differ = 0;
  double max = 0.0;
  bool ok = false;
};

Diff Compare(qrt_session* s, int tensor, Buffer& b) {
  Diff d;
  qrt_tensor_info ti;
  qrt_tensor_info_init(&ti);
  if (qrt_session_tensor_info(s, (size_t)tensor, &ti) != QRT_OK || !ti.data || ti.num_elements != b.n())
    return d;
  d.ok = true;
  d.n = ti.num_elements;
  for (size_t i = 0; i < d.n; ++i) {
    double a, x;
    if (ti.dtype == QRT_DTYPE_S8 || ti.dtype == QRT_DTYPE_U8) {
      a = ((const int8_t*)ti.data)[i];
      x = b.q[i];
    } else if (ti.dtype == QRT_DTYPE_F16) {
      a = HalfToFloat(((const uint16_t*)ti.data)[i]);
      x = b.f[i];
    } else {
      a = ((const float*)ti.data)[i];
      x = b.f[i];
    }
    // bit-for-bit for floats: count a difference when the bits differ
    const bool same = (ti.dtype == QRT_DTYPE_F32) ? !memcmp(&((const float*)ti.data)[i], &b.f[i], 4) : a == x;
    if (!same) d.differ++;
    d.max = std::max(d.max, fabs(a - x));
  }
  return d;
}

// Copies qrt's tensor into the XNNPACK buffer (fp16 widened).
void CopyIn(qrt_session* s, int tensor, Buffer& b) {
  qrt_tensor_info ti;
  qrt_tensor_info_init(&ti);
  if (qrt_session_tensor_info(s, (size_t)tensor, &ti) != QRT_OK || !ti.data || ti.num_elements != b.n()) return;
  if (ti.dtype == QRT_DTYPE_F16) {
    for (size_t i = 0; i < b.n(); ++i) b.f[i] = HalfToFloat(((const uint16_t*)ti.data)[i]);
  } else {
    memcpy(b.ptr(), ti.data, b.f.empty() ? b.n() : b.n() * 4);
  }
}

std::string DiffText(const Diff& d, bool quantized) {
  if (!d.ok) return "not compared";
  if (d.differ == 0) return "exact";
  char buf[96];
  if (quantized)
    snprintf(buf, sizeof buf, "%zu/%zu differ, max %.0f step%s", d.differ, d.n, d.max, d.max == 1 ? "" : "s");
  else
    snprintf(buf, sizeof buf, "%zu/%zu differ, max %.3g", d.differ, d.n, d.max);
  return buf;
}

// Runs qrt's op `index` alone on the keep-all session's tensors (runtime
// internals, the same run function qrt_session_run calls).
class QrtOpRunner {
 public:
  QrtOpRunner(qrt_model* model, qrt_session* session, int threads) : model_(*model) {
    const size_t nt = model_.tensors.size();
    data_.resize(nt, nullptr);
    for (size_t i = 0; i < nt; ++i) {
      qrt_tensor_info ti;
      qrt_tensor_info_init(&ti);
      if (qrt_session_tensor_info(session, i, &ti) == QRT_OK) data_[i] = const_cast<void*>(ti.data);
      if (!data_[i] && model_.tensors[i].is_constant) data_[i] = const_cast<void*>(model_.tensors[i].data);
    }
    storage_ = qrt_session_float_adds(session, nullptr) == QRT_FLOAT_ADDS_F16 ? qrt::rt::kStorageF16
                                                                               : qrt::rt::kStorageF32;
    pool_.Start((size_t)threads);
  }
  ~QrtOpRunner() { free(scratch_); }
  void Prepare(int index) {
    const qrt::rt::OpPlan& op = model_.ops[(size_t)index];
    const qrt::rt::OpRun& r = op.run[storage_];
    size_t bytes = qrt::rt::ThreadScratchStride(r.scratch_bytes) +
                   pool_.size() * qrt::rt::ThreadScratchStride(r.thread_scratch_bytes);
    bytes = (bytes + 63) & ~(size_t)63;
    free(scratch_);
    scratch_ = aligned_alloc(64, bytes ? bytes : 64);
    op_ = &op;
  }
  void Run() {
    qrt::rt::RunContext ctx{data_.data(), scratch_, &pool_, pool_.size(), storage_};
    op_->run[storage_].fn(*op_, ctx);
  }

 private:
  const qrt::rt::Model& model_;
  std::vector<void*> data_;
  qrt::rt::FloatStorage storage_ = qrt::rt::kStorageF32;
  qrt::rt::ThreadPool pool_;
  void* scratch_ = nullptr;
  const qrt::rt::OpPlan* op_ = nullptr;
};

}  // namespace

int RunXnnpackBaseline(const BaselineConfig& cfg) {
  const bool run_qrt = strcmp(cfg.side, "xnnpack") != 0;
  const bool run_xnn = strcmp(cfg.side, "qrt") != 0;
  // The file, read once for both.
  std::vector<uint8_t> file;
  {
    FILE* f = fopen(cfg.model_path, "rb");
    if (!f) {
      fprintf(stderr, "qrt-bench: cannot open %s\n", cfg.model_path);
      return 1;
    }
    fseek(f, 0, SEEK_END);
    file.resize((size_t)ftell(f));
    fseek(f, 0, SEEK_SET);
    const size_t got = fread(file.data(), 1, file.size(), f);
    fclose(f);
    if (got != file.size()) return 1;
  }
  qrt_error err;
  qrt_model* model = nullptr;
  if (qrt_model_load_memory(file.data(), file.size(), &model, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: %s\n", err.message);
    return 1;
  }
  // Verified by qrt's loader above (FlatBuffers verifier first).
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = cfg.threads;
  o.profile = 1;
  o.float_adds = cfg.float_adds;
  qrt_session* timed = nullptr;
  qrt_session* check = nullptr;
  if (qrt_session_create(model, &o, &timed, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: %s\n", err.message);
    qrt_model_destroy(model);
    return 1;
  }
  o.profile = 0;
  o.keep_all_tensors = 1;
  if (qrt_session_create(model, &o, &check, &err) != QRT_OK) {
    fprintf(stderr, "qrt-bench: %s\n", err.message);
    qrt_session_destroy(timed);
    qrt_model_destroy(model);
    return 1;
  }
  int rc = 0;
  {
    qrt_tensor_info in;
    qrt_tensor_info_init(&in);
    qrt_model_input_info(model, 0, &in);
    const std::vector<float> x = BenchInput(in.num_elements);
    qrt_session_set_input_f32(timed, 0, x.data(), x.size());
    qrt_session_set_input_f32(check, 0, x.data(), x.size());
    qrt_session_run(check);

    if (xnn_initialize(nullptr) != xnn_status_success) {
      fprintf(stderr, "qrt-bench: xnn_initialize failed\n");
      qrt_session_destroy(check);
      qrt_session_destroy(timed);
      qrt_model_destroy(model);
      return 1;
    }
    XnnNetwork net;
    std::string error;
    if (!net.Build(file, cfg.threads, check, &error)) {
      printf("xnnpack: cannot map %s; skipping XNNPACK for this model (no partial results)\n",
             error.c_str());
      qrt_session_destroy(check);
      qrt_session_destroy(timed);
      qrt_model_destroy(model);
      return 3;
    }
    const qs::Model* fb = net.fb();
    // The model input, in storage form, into XNNPACK's buffer.
    const int input_tensor = fb->inputs()->Get(0);
    CopyIn(check, input_tensor, net.buffer(input_tensor));

    // End to end: both runtimes on the same input, model outputs compared.
    net.Run();
    qrt_session_run(timed);
    printf("model %s\n", cfg.model_path);
    printf("baseline xnnpack, threads %d, iterations %d (warmup %d), side %s\n", cfg.threads,
           cfg.iterations, cfg.warmup, cfg.side);
    size_t f16_tensors = 0;
    const bool f16 = qrt_session_float_adds(timed, &f16_tensors) == QRT_FLOAT_ADDS_F16;
    printf("qrt float adds %s (%zu fp16 tensors); xnnpack %zu operators for %zu qrt operators\n",
           f16 ? "f16" : "f32", f16_tensors, net.num_xnn_ops(), net.layers().size());
    if (cpuinfo_initialize()) {
      const cpuinfo_core* core = cpuinfo_get_core(0);
      printf("cpuinfo (what XNNPACK sees): %u cores, core 0 uarch 0x%08x (%s)%s\n",
             cpuinfo_get_cores_count(), core ? (unsigned)core->uarch : 0u,
             core ? UarchName(core->uarch) : "none",
#if defined(__aarch64__)
             cpuinfo_has_arm_neon_dot() ? ", dotprod" : ", no dotprod"
#else
             ""
#endif
      );
    }
    double worst = 0.0;
    for (uint32_t k = 0; k < fb->outputs()->size(); ++k) {
      const int t = fb->outputs()->Get(k);
      qrt_tensor_info oi;
      qrt_tensor_info_init(&oi);
      qrt_model_output_info(model, k, &oi);
      std::vector<float> a(oi.num_elements), b(oi.num_elements);
      qrt_session_get_output_f32(timed, k, a.data(), a.size());
      Buffer& buf = net.buffer(t);
      const qs::Tensor* tt = fb->tensors()->Get((uint32_t)t);
      const StorageQ q = GetStorageQ(tt);
      for (size_t i = 0; i < b.size(); ++i)
        b[i] = buf.f.empty() ? (float)(buf.q[i] - q.zp) * q.scale : buf.f[i];
      size_t differ = 0;
      double mx = 0.0;
      for (size_t i = 0; i < a.size(); ++i) {
        if (memcmp(&a[i], &b[i], 4)) differ++;
        mx = std::max(mx, (double)fabsf(a[i] - b[i]));
      }
      worst = std::max(worst, mx);
      printf("output %u '%s' (%zu values): max |qrt - xnnpack| = %.6g output units, %zu differ%s\n", k,
             oi.name, a.size(), mx, differ, differ == 0 ? " (bit-exact)" : "");
    }
    if (cfg.max_output_diff >= 0.0) {
      const bool pass = worst <= cfg.max_output_diff;
      printf("output check: %s (largest difference %.6g, bound %.6g)\n", pass ? "PASS" : "FAIL", worst,
             cfg.max_output_diff);
      if (!pass) rc = 1;
    }

    // Per layer, isolated: each layer's XNNPACK operators on qrt's inputs.
    std::vector<std::string> checks(net.layers().size());
    size_t inexact_same = 0;
    for (Layer& l : net.layers()) {
      const qs::Operator* op = fb->operators()->Get((uint32_t)l.op);
      for (int t : *op->inputs())
        if (t >= 0 && fb->tensors()->Get((uint32_t)t)->buffer() == 0) CopyIn(check, t, net.buffer(t));
      net.RunLayer(l);
      const int yt = op->outputs()->Get(0);
      const Diff d = Compare(check, yt, net.buffer(yt));
      checks[(size_t)l.op] = DiffText(d, Quantized(fb->tensors()->Get((uint32_t)yt)));
      // An fp16 output or an ADD of fp16 inputs (qrt's fp16 residual path)
      // is not XNNPACK's fp32 arithmetic.
      bool f16_io = false;
      for (size_t j = 0; j <= op->inputs()->size(); ++j) {
        const int t = j < op->inputs()->size() ? op->inputs()->Get((uint32_t)j) : yt;
        if (t < 0 || (j < op->inputs()->size() && l.type == "QUANTIZE")) continue;  // quantize widens exactly
        qrt_tensor_info ti;
        qrt_tensor_info_init(&ti);
        if (qrt_session_tensor_info(check, (size_t)t, &ti) == QRT_OK && ti.dtype == QRT_DTYPE_F16) f16_io = true;
      }
      if (f16_io) {
        l.same_arithmetic = false;
        checks[(size_t)l.op] += " (qrt fp16)";
      }
      if (l.same_arithmetic && (!d.ok || d.differ)) inexact_same++;
    }
    printf("per-layer check (each layer on qrt's inputs): %zu layer%s with the same arithmetic differ%s\n",
           inexact_same, inexact_same == 1 ? "" : "s", inexact_same ? " (FAIL)" : "");
    if (inexact_same) rc = 1;
    // Restore the end-to-end state (the timed runs start from it).
    CopyIn(check, input_tensor, net.buffer(input_tensor));
    net.Run();

    if (cfg.only_op >= 0) {
      if (cfg.only_op >= (int)net.layers().size()) {
        fprintf(stderr, "qrt-bench: --only-op %d: the model has %zu operators\n", cfg.only_op,
                net.layers().size());
        rc = 1;
      } else {
        Layer& l = net.layers()[(size_t)cfg.only_op];
        QrtOpRunner runner(model, check, cfg.threads);
        runner.Prepare(cfg.only_op);
        for (int i = 0; i < cfg.iterations; ++i) {
          if (run_qrt) runner.Run();
          if (run_xnn) net.RunLayer(l);
        }
        printf("only-op %d (%s '%s'): ran %s %d times\n", cfg.only_op, l.type.c_str(), l.name.c_str(),
               cfg.side, cfg.iterations);
      }
    } else {
      const size_t nl = net.layers().size();
      std::vector<std::vector<double>> q_op(nl), x_op(nl);
      std::vector<double> q_tot, x_tot, q_in;
      if (run_qrt) {
        // One qrt inference = set_input_f32 + run: the runtime may quantize
        // the input inside set_input_f32 (an F32 input read only by a
        // QUANTIZE: that op is then skipped in run), while XNNPACK's
        // convert reads the float input in place.
        for (int i = 0; i < cfg.warmup + cfg.iterations; ++i) {
          const double ts = NowMs();
          qrt_session_set_input_f32(timed, 0, x.data(), x.size());
          const double t0 = NowMs();
          qrt_session_run(timed);
          const double t1 = NowMs();
          if (i < cfg.warmup) continue;
          q_tot.push_back(t1 - ts);
          q_in.push_back(t0 - ts);
          for (size_t k = 0; k < nl; ++k) {
            qrt_op_info info;
            qrt_op_info_init(&info);
            qrt_session_op_info(timed, k, &info);
            q_op[k].push_back((double)info.last_run_ns * 1e-6);
          }
        }
      }
      if (run_xnn) {
        std::vector<double> t(nl + 1);
        for (int i = 0; i < cfg.warmup + cfg.iterations; ++i) {
          t[0] = NowMs();
          for (size_t k = 0; k < nl; ++k) {  // timed per layer, as qrt's profile
            net.RunLayer(net.layers()[k]);
            t[k + 1] = NowMs();
          }
          if (i < cfg.warmup) continue;
          x_tot.push_back(t[nl] - t[0]);
          for (size_t k = 0; k < nl; ++k) x_op[k].push_back(t[k + 1] - t[k]);
        }
      }
      const double qm = Median(q_tot), xm = Median(x_tot);
      printf("latency median: qrt %.4f ms, xnnpack %.4f ms, xnnpack/qrt %.2f\n", qm, xm, qm > 0 ? xm / qm : 0.0);
      double qs_ = Median(q_in), xs_ = 0;
      for (size_t k = 0; k < nl; ++k) {
        qs_ += Median(q_op[k]);
        xs_ += Median(x_op[k]);
      }
      printf("sum of per-layer medians: qrt %.4f ms, xnnpack %.4f ms, xnnpack/qrt %.2f\n", qs_, xs_,
             qs_ > 0 ? xs_ / qs_ : 0.0);
      printf("qrt set_input_f32 median %.4f ms (in qrt's total and sum)\n", Median(q_in));
      printf("%4s %-20s %-28s %10s %10s %7s  %-50s %s\n", "op", "type", "name", "qrt ms", "xnn ms", "xnn/qrt",
             "xnnpack", "check");
      for (size_t k = 0; k < nl; ++k) {
        const Layer& l = net.layers()[k];
        const double a = Median(q_op[k]), b = Median(x_op[k]);
        char ratio[16] = "-";
        if (a > 0 && b > 0) snprintf(ratio, sizeof ratio, "%.2f", b / a);
        printf("%4zu %-20s %-28.28s %10.4f %10.4f %7s  %-50.50s %s\n", k, l.type.c_str(), l.name.c_str(), a, b,
               ratio, l.mapping.c_str(), checks[k].c_str());
      }
    }
  }
  qrt_session_destroy(check);
  qrt_session_destroy(timed);
  qrt_model_destroy(model);
  return rc;
}

}  // namespace qrt_bench

#endif  // QRT_BENCH_HAVE_XNNPACK
