// Conv / FC on the packed kernels and on threads: every layer shape gives
// exactly the reference kernel's bytes (QRT_KERNEL_PATH=ref) on the default
// and every forced kernel path this CPU has, with 1, 2, 3 and 4 threads; the
// reported kernel names say which path ran; the INT16 chunk from the file
// is never trusted beyond what the weights allow; the pool runs every task
// exactly once, its idle workers sleep after a bounded spin and wake for
// the next job, and a caller waiting on a slow worker sleeps and is woken.
#include <stdlib.h>
#include <time.h>

#include <atomic>

#include "qrt/kernels/accumulation.h"
#include "qrt/kernels/dispatch.h"
#include "test_util.h"
#include "thread_pool.h"

using namespace qrt_test;

namespace {

struct Layer {
  int n = 1, h = 9, w = 7, c = 5, oc = 19, k = 3, stride = 1, dilation = 1;
  int groups = 1;
  int pads[4] = {1, 1, 1, 1};
  bool f32_out = false;
  bool fc = false;  // FULLY_CONNECTED [n*h*w, c] x [oc, c]^T instead
  int wmax = 127;
  qrt::schema::Accumulator acc = qrt::schema::Accumulator::INT32;
  int int16_chunk = 0;
};

int OutSize(int in, int k, int s, int d, int p0, int p1) {
  return (in + p0 + p1 - d * (k - 1) - 1) / s + 1;
}

// x U8 (zero point 3) -> CONV_2D / FULLY_CONNECTED (bias, RELU) -> y.
// The output is the last tensor (kOutputTensor).
constexpr int kOutputTensor = 3;
std::vector<uint8_t> LayerModel(const Layer& l) {
  ModelBuilder b;
  const float sx = 0.02f;
  std::vector<float> sw;
  for (int o = 0; o < l.oc; ++o) sw.push_back(0.001f * (float)(1 + o % 5));
  std::vector<float> sb;
  std::vector<int32_t> bias;
  for (int o = 0; o < l.oc; ++o) {
    sb.push_back(sx * sw[(size_t)o]);
    bias.push_back((o * 977) % 2001 - 1000);
  }
  const int cin = l.fc ? l.c : l.c / l.groups;
  std::vector<int> wshape = l.fc ? std::vector<int>{l.oc, l.c}
                                 : std::vector<int>{l.oc, l.k, l.k, cin};
  size_t wn = 1;
  for (int d : wshape) wn *= (size_t)d;
  const int w = b.WeightsS8("w", wshape, RandomS8(wn, -l.wmax, l.wmax, 7), sw);
  const int bi = b.BiasS32("b", bias, sb);
  const DType ydt = l.f32_out ? DType::F32 : DType::S8;
  if (l.fc) {
    const int x = b.Activation("x", DType::U8, {l.n * l.h * l.w, l.c}, sx, 3);
    const int y = b.Activation("y", ydt, {l.n * l.h * l.w, l.oc}, 0.05f, -2);
    REQUIRE(y == kOutputTensor);
    b.FullyConnected("fc", x, w, bi, y, Activation::RELU);
    b.Inputs({x}).Outputs({y});
    return b.Build();
  }
  const int oh = OutSize(l.h, l.k, l.stride, l.dilation, l.pads[0], l.pads[2]);
  const int ow = OutSize(l.w, l.k, l.stride, l.dilation, l.pads[1], l.pads[3]);
  const int x = b.Activation("x", DType::U8, {l.n, l.h, l.w, l.c}, sx, 3);
  const int y = b.Activation("y", ydt, {l.n, oh, ow, l.oc}, 0.05f, -2);
  REQUIRE(y == kOutputTensor);
  ConvOpts o;
  o.stride = l.stride;
  o.dilation = l.dilation;
  o.groups = l.groups;
  for (int i = 0; i < 4; ++i) o.pads[i] = l.pads[i];
  o.activation = Activation::RELU;
  o.accumulator = l.acc;
  o.int16_chunk = l.int16_chunk;
  b.Conv2D("conv", x, w, bi, y, o);
  b.Inputs({x}).Outputs({y});
  return b.Build();
}

struct Result {
  std::vector<uint8_t> bytes;  // raw output storage
  std::string kernel;
  size_t int16_chunk = 0;
};

// Runs the layer with QRT_KERNEL_PATH=path ("" = unset) and `threads`.
Result RunLayer(const std::vector<uint8_t>& file, const char* path, int threads) {
  if (*path) setenv("QRT_KERNEL_PATH", path, 1);
  Runner r(file, false, threads);
  unsetenv("QRT_KERNEL_PATH");
  qrt_tensor_info in;
  REQUIRE(r.model.input_info(0, &in) == QRT_OK);
  // Pixels over the whole U8 range, both ends included.
  std::vector<int> q = RandomInts(in.num_elements, 0, 255, 5);
  q[0] = 0;
  q[q.size() - 1] = 255;
  r.SetInput(0, Dequant(q, 0.02f, 3));
  r.Run();
  Result res;
  res.bytes = r.Raw<uint8_t>(kOutputTensor);
  qrt_op_info info;
  REQUIRE(r.session.op_info(0, &info) == QRT_OK);
  qrt_op_info from_model;
  REQUIRE(r.model.op_info(0, &from_model) == QRT_OK);
  CHECK(std::string(from_model.kernel) == info.kernel);
  CHECK((std::string(info.type) == "CONV_2D" || std::string(info.type) == "FULLY_CONNECTED"));
  CHECK(r.model.op_info(1, &from_model) == QRT_ERROR_INVALID_ARGUMENT);
  res.kernel = info.kernel;
  res.int16_chunk = info.int16_chunk;
  return res;
}

bool EndsWith(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// Every path x {1..4} threads equals the reference; returns the default
// path's kernel name.
std::string CheckLayer(const Layer& l) {
  const std::vector<uint8_t> file = LayerModel(l);
  const Result ref = RunLayer(file, "ref", 1);
  CHECK(EndsWith(ref.kernel, "__ref"));
  const char* paths[] = {"", "neon", "neondot", "i8mm"};
  const qrt_isa isas[] = {QRT_ISA_REF, QRT_ISA_NEON, QRT_ISA_NEONDOT, QRT_ISA_I8MM};
  std::string default_kernel;
  for (int p = 0; p < 4; ++p) {
    if (!qrt_isa_supported(isas[p])) continue;
    for (int threads = 1; threads <= 4; ++threads) {
      INFO("path '" << paths[p] << "', " << threads << " threads");
      const Result r = RunLayer(file, paths[p], threads);
      INFO("kernel " << r.kernel);
      REQUIRE(r.bytes == ref.bytes);
      if (p == 0) default_kernel = r.kernel;
    }
  }
  return default_kernel;
}

}  // namespace

TEST_CASE("conv groups == 1 runs the GEMM kernel, equal to the reference", "[runtime][threads]") {
  Layer l;
  l.n = GENERATE(1, 2);
  SECTION("3x3 stride 1 pad 1") {}
  SECTION("3x3 stride 2, pads 0,0,1,1 (Keras same)") {
    l.h = 10; l.w = 8; l.stride = 2;
    l.pads[0] = l.pads[1] = 0;
  }
  SECTION("1x1 in place, F32 output") {
    l.k = 1; l.f32_out = true;
    for (int& p : l.pads) p = 0;
  }
  SECTION("5x5 dilation 2, tall") {
    l.k = 5; l.dilation = 2; l.h = 17; l.w = 6;
    for (int& p : l.pads) p = 4;
  }
  SECTION("last rows read only bottom padding") {
    l.pads[0] = 0; l.pads[2] = 4;
  }
  const std::string k = CheckLayer(l);
  CHECK(k.find("qrt_gemm_s8_acc32_ukernel_") == 0);
}

TEST_CASE("depthwise runs the dwconv kernels; other groups the GEMM per group", "[runtime][threads]") {
  Layer l;
  l.c = l.oc = 20;
  l.groups = 20;
  SECTION("depthwise 3x3 stride 2, pads 0,0,1,1") {
    l.stride = 2; l.h = 12; l.w = 9;
    l.pads[0] = l.pads[1] = 0;
    CHECK(CheckLayer(l).find("qrt_dwconv3x3_s8_acc32_ukernel_c16__") == 0);
  }
  SECTION("depthwise 3x3 dilation 2, F32 output") {
    l.dilation = 2; l.f32_out = true;
    for (int& p : l.pads) p = 2;
    CHECK(CheckLayer(l).find("qrt_dwconv3x3_s8_acc32_ukernel_c16__") == 0);
  }
  SECTION("depthwise 3x3 INT16, chunk 9: the acc16 kernel") {
    // U8 input (max|x| = 128), |w| <= 28: 9 * 28 * 128 = 32256, chunk 9.
    l.wmax = 28;
    l.acc = qrt::schema::Accumulator::INT16;
    l.int16_chunk = 9;
    l.stride = GENERATE(1, 2);
    l.f32_out = GENERATE(false, true);
    const Result r = RunLayer(LayerModel(l), "", 1);
    CHECK(r.int16_chunk == 9);
    CHECK(CheckLayer(l).find("qrt_dwconv3x3_s8_acc16_ukernel_c16__") == 0);
  }
  SECTION("depthwise 3x3 INT16, chunk 8 or INT32: the acc32 kernel") {
    l.wmax = 28;
    const bool int16 = GENERATE(true, false);
    l.acc = int16 ? qrt::schema::Accumulator::INT16 : qrt::schema::Accumulator::INT32;
    l.int16_chunk = int16 ? 8 : 0;
    const Result r = RunLayer(LayerModel(l), "", 1);
    CHECK(r.int16_chunk == 0);
    CHECK(CheckLayer(l).find("qrt_dwconv3x3_s8_acc32_ukernel_c16__") == 0);
  }
  SECTION("grouped (2 groups): the GEMM, one block per group") {
    l.groups = 2;
    CHECK(CheckLayer(l).find("qrt_gemm_s8_") == 0);
  }
  SECTION("grouped 1x1 in place (4 groups), F32 output") {
    l.groups = 4; l.k = 1; l.oc = 12; l.f32_out = true;
    for (int& p : l.pads) p = 0;
    CHECK(CheckLayer(l).find("qrt_gemm_s8_") == 0);
  }
  SECTION("depthwise 3x3 with channel multiplier 2: the GEMM per group") {
    l.oc = 40; l.stride = 2;
    CHECK(CheckLayer(l).find("qrt_gemm_s8_") == 0);
  }
  SECTION("depthwise 5x5 and 7x7: the KxK dwconv kernel") {
    l.k = GENERATE(5, 7);
    l.stride = GENERATE(1, 2);
    l.h = 11; l.w = 10;
    for (int& p : l.pads) p = l.k / 2;
    l.pads[0] = 0;
    CHECK(CheckLayer(l).find("qrt_dwconv_s8_acc32_ukernel_c16__") == 0);
  }
  SECTION("depthwise 5x5 INT16, chunk 8: the acc16 KxK kernel") {
    // U8 input (max|x| = 128), |w| <= 31: 8 * 31 * 128 = 31744, chunk 8 >= 5.
    l.k = 5; l.wmax = 31; l.dilation = GENERATE(1, 2);
    for (int& p : l.pads) p = 2 * l.dilation;
    l.acc = qrt::schema::Accumulator::INT16;
    l.int16_chunk = 8;
    l.f32_out = GENERATE(false, true);
    const Result r = RunLayer(LayerModel(l), "", 1);
    CHECK(r.int16_chunk == 8);
    CHECK(CheckLayer(l).find("qrt_dwconv_s8_acc16_ukernel_c16__") == 0);
  }
  SECTION("depthwise 7x7 INT16, chunk 5 < 7: the acc32 KxK kernel") {
    l.k = 7; l.wmax = 31;
    for (int& p : l.pads) p = 3;
    l.acc = qrt::schema::Accumulator::INT16;
    l.int16_chunk = 5;
    const Result r = RunLayer(LayerModel(l), "", 1);
    CHECK(r.int16_chunk == 0);
    CHECK(CheckLayer(l).find("qrt_dwconv_s8_acc32_ukernel_c16__") == 0);
  }
}

TEST_CASE("fully connected runs qrt_gemm_s8 split over channel panels", "[runtime][threads]") {
  Layer l;
  l.fc = true;
  l.h = GENERATE(1, 3);
  l.w = 1;
  l.c = 70;
  l.oc = 37;
  l.f32_out = GENERATE(false, true);
  CHECK(CheckLayer(l).find("qrt_gemm_s8_acc32_ukernel_") == 0);
}

TEST_CASE("INT16 layers: the file's chunk is verified against the weights", "[runtime][threads]") {
  // The runtime recomputes the bound from the weights and the input range
  // with the converter's own code (qrt_int16_chunk): +-127 weights with a
  // full-range U8 input allow 2 (2 * 127 * 128 = 32512; an acc16 kernel
  // trusting more would wrap), +-7 weights about 36. A file claiming more
  // than the bound is refused, naming the op and the bound; the bound itself
  // and anything smaller are used exactly as written. Which kernel runs
  // depends on the dispatch rows' break-even chunks; every path must equal
  // the reference.
  const char* acc16_path = qrt_isa_supported(QRT_ISA_NEON) ? "neon" : "";
  bool acc16_seen = false;
  for (int wmax : {127, 7}) {
    INFO("weights in [-" << wmax << ", " << wmax << "]");
    Layer l;
    l.c = 16;
    l.oc = 16;
    l.wmax = wmax;
    l.acc = qrt::schema::Accumulator::INT16;
    const size_t k = 3 * 3 * 16;
    const size_t bound = qrt_int16_chunk(RandomS8(16 * k, -wmax, wmax, 7).data(), 16, k,
                                         -128, 127);  // U8 input: [-128, 127] stored
    REQUIRE(bound >= 2);
    REQUIRE(bound < 144);

    for (int claim : {int(bound) + 1, 1000}) {
      l.int16_chunk = claim;
      const std::vector<uint8_t> file = LayerModel(l);
      qrt::Model model;
      qrt_error err;
      CHECK(model.LoadMemory(file.data(), file.size(), &err) == QRT_ERROR_INVALID_MODEL);
      CHECK(!model);
      const std::string msg = err.message;
      INFO(msg);
      CHECK(msg.find("operator 0") != std::string::npos);
      CHECK(msg.find("int16_chunk " + std::to_string(claim) + " exceeds " + std::to_string(bound)) !=
            std::string::npos);
    }

    for (size_t chunk : {bound, size_t(1)}) {
      l.int16_chunk = int(chunk);
      const std::vector<uint8_t> file = LayerModel(l);
      const Result r = RunLayer(file, acc16_path, 1);
      INFO("kernel " << r.kernel << ", chunk " << r.int16_chunk << ", file " << chunk);
      if (r.kernel.find("_acc16_") != std::string::npos) {
        acc16_seen = true;
        // A kernel whose lanes sum runs of k (int16_stride) runs with the
        // window the runtime computes from the same weights (>= the file's
        // chunk); the others with the file's chunk.
        const qrt_gemm_s8_kernel* rows = nullptr;
        const size_t n_rows = qrt_gemm_s8_kernels(&rows);
        const qrt_gemm_s8_kernel* row = nullptr;
        for (size_t i = 0; i < n_rows; ++i)
          if (r.kernel == rows[i].name) row = &rows[i];
        REQUIRE(row != nullptr);
        const size_t stride = row->ukernel.int16_stride;
        const size_t window =
            stride == 0 ? chunk
                        : qrt_int16_window(RandomS8(16 * k, -wmax, wmax, 7).data(), 16, k, stride,
                                           -128, 127);
        CHECK(window >= chunk);
        CHECK(r.int16_chunk == window);
      } else {
        CHECK(r.kernel.find("_acc32_") != std::string::npos);
        CHECK(r.int16_chunk == 0);
      }
      // With SDOT the default choice is an acc32 kernel (faster, same sums).
      if (qrt_isa_supported(QRT_ISA_NEONDOT)) {
        const Result d = RunLayer(file, "", 1);
        CHECK(d.kernel.find("_acc32_") != std::string::npos);
        CHECK(d.int16_chunk == 0);
      }
      CheckLayer(l);
    }
  }
  CHECK(acc16_seen);  // the bound was exercised on an acc16 kernel
}

TEST_CASE("thread pool runs every task exactly once", "[runtime][threads]") {
  for (size_t threads = 1; threads <= 5; ++threads) {
    qrt::rt::ThreadPool pool;
    REQUIRE(pool.Start(threads));
    REQUIRE(pool.size() == threads);
    for (size_t tasks : {0, 1, 2, 7, 100}) {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<std::atomic<int>> hits(tasks);
        for (auto& h : hits) h = 0;
        struct Ctx { std::vector<std::atomic<int>>* hits; size_t threads; std::atomic<int> bad{0}; } ctx;
        ctx.hits = &hits;
        ctx.threads = threads;
        pool.Parallelize(tasks, [](const void* p, size_t i, size_t t) {
          auto* c = const_cast<Ctx*>(static_cast<const Ctx*>(p));
          (*c->hits)[i]++;
          if (t >= c->threads) c->bad++;
        }, &ctx);
        for (size_t i = 0; i < tasks; ++i) REQUIRE(hits[i] == 1);
        REQUIRE(ctx.bad == 0);
      }
    }
  }
}

TEST_CASE("thread pool: idle workers sleep, a slow worker puts the caller to sleep", "[runtime][threads]") {
  // Workers spin for at most ThreadPool::kSpinNs after a job, then sleep on
  // the condition variable; a job must then wake them. The caller spins for
  // the workers at most as long, then sleeps until the last one checks out.
  using qrt::rt::ThreadPool;
  auto wait_until = [](auto done) {  // up to 5 s, polling every millisecond
    for (int ms = 0; ms < 5000 && !done(); ++ms) {
      struct timespec t = {0, 1000000};
      nanosleep(&t, nullptr);
    }
    return done();
  };
  struct Ctx {
    std::atomic<int> runs{0};
    std::atomic<bool> worker_ran{false};
  };
  auto count = [](const void* p, size_t, size_t) {
    const_cast<Ctx*>(static_cast<const Ctx*>(p))->runs++;
  };
  ThreadPool pool;
  REQUIRE(pool.Start(3));
  Ctx ctx;
  for (int round = 0; round < 3; ++round) {
    // Idle: both workers go to sleep (they do not spin forever).
    REQUIRE(wait_until([&] {
      return pool.sleeping_workers() == 2 && pool.worker_sleeps() >= 2 * (uint64_t)round + 2;
    }));
    ctx.runs = 0;
    pool.Parallelize(50, count, &ctx);  // wakes them
    CHECK(ctx.runs == 50);
  }
  // A worker task that outlasts the caller's spin: the caller sleeps and is
  // woken by the last worker out. The caller's task waits (bounded) until a
  // worker holds the other one, which sleeps 20 ms.
  const uint64_t caller_before = pool.caller_sleeps();
  ctx.worker_ran = false;
  pool.Parallelize(2, [](const void* p, size_t, size_t thread) {
    Ctx* c = const_cast<Ctx*>(static_cast<const Ctx*>(p));
    if (thread != 0) {
      c->worker_ran = true;
      struct timespec t = {0, 20 * 1000000};
      nanosleep(&t, nullptr);
    } else {
      for (int ms = 0; ms < 5000 && !c->worker_ran; ++ms) {
        struct timespec t = {0, 1000000};
        nanosleep(&t, nullptr);
      }
    }
  }, &ctx);
  CHECK(ctx.worker_ran);
  CHECK(pool.caller_sleeps() > caller_before);
  // Back-to-back jobs (workers still spinning) and the pool's destruction
  // right after one.
  for (int rep = 0; rep < 1000; ++rep) {
    ctx.runs = 0;
    pool.Parallelize(3, count, &ctx);
    REQUIRE(ctx.runs == 3);
  }
}

TEST_CASE("thread pool with one thread runs inline and starts nothing", "[runtime][threads]") {
  qrt::rt::ThreadPool pool;
  REQUIRE(pool.Start(1));
  CHECK(pool.size() == 1);
  size_t sum = 0;
  pool.Parallelize(10, [](const void* p, size_t i, size_t thread) {
    *const_cast<size_t*>(static_cast<const size_t*>(p)) += i + 100 * thread;
  }, &sum);
  CHECK(sum == 45);  // all on thread 0, in order, on the caller
  CHECK(pool.worker_sleeps() == 0);
  CHECK(pool.caller_sleeps() == 0);
}

TEST_CASE("num_threads out of range is an error", "[runtime][threads]") {
  const std::vector<uint8_t> file = LayerModel(Layer());
  qrt::Model m;
  REQUIRE(m.LoadMemory(file.data(), file.size()) == QRT_OK);
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = 65;
  qrt_error err;
  qrt::Session s;
  CHECK(s.Create(m, &o, &err) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(err.message) == "num_threads is 65, must be in [0, 64]");
}

TEST_CASE("QRT_KERNEL_PATH with an unknown value fails the load naming it", "[runtime][threads]") {
  const std::vector<uint8_t> file = LayerModel(Layer());
  setenv("QRT_KERNEL_PATH", "avx9", 1);
  std::string message;
  const qrt_status s = TryLoad(file, &message);
  unsetenv("QRT_KERNEL_PATH");
  CHECK(s == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(message.find("operator 0 'conv' (CONV_2D): QRT_KERNEL_PATH=avx9: unknown path") == 0);
}

TEST_CASE("options.profile times each op of the last run", "[runtime][threads]") {
  Layer l;
  l.h = 30;
  l.w = 30;
  const std::vector<uint8_t> file = LayerModel(l);
  qrt::Model m;
  REQUIRE(m.LoadMemory(file.data(), file.size()) == QRT_OK);
  for (int profile = 0; profile <= 1; ++profile) {
    qrt_session_options o;
    qrt_session_options_init(&o);
    o.profile = profile;
    qrt::Session s;
    REQUIRE(s.Create(m, &o) == QRT_OK);
    qrt_op_info info;
    REQUIRE(s.op_info(0, &info) == QRT_OK);
    CHECK(info.last_run_ns == 0);  // nothing ran yet
    std::vector<float> x(30 * 30 * 5, 0.5f);
    REQUIRE(s.SetInput(0, x.data(), x.size()) == QRT_OK);
    REQUIRE(s.Run() == QRT_OK);
    REQUIRE(s.op_info(0, &info) == QRT_OK);
    if (profile) {
      CHECK(info.last_run_ns > 0);
    } else {
      CHECK(info.last_run_ns == 0);
    }
  }
}
