// Memory: nothing allocates on the run path (malloc and operator new are
// counted in this binary), a caller-provided arena works (and one too small
// is refused), and the planner never lets two live tensors overlap while
// still sharing memory on a chain.
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <new>

#include "planner.h"
#include "test_util.h"

// ---- Allocation counting --------------------------------------------------
// Every malloc-family call and operator new in this process is counted;
// g_counting switches counting on around the calls under test.
//
// A normal build replaces malloc, calloc, ..., operator new and counts in
// the replacements. A sanitizer build cannot: ASan, TSan and their
// allocators own malloc, and replacing it breaks them (this binary
// segfaulted under ASan). There the sanitizer's own allocation hook counts
// instead (__sanitizer_install_malloc_and_free_hooks, in every sanitizer
// runtime of GCC and clang), which sees the same calls: malloc and operator
// new both reach the sanitizer allocator. The test "the counter does count"
// below checks either way that counting works.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define QRT_TEST_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define QRT_TEST_SANITIZER_ALLOCATOR 1
#endif
#endif

namespace {
volatile bool g_counting = false;
volatile size_t g_allocations = 0;
void Count() {
  if (g_counting) g_allocations = g_allocations + 1;
}
}  // namespace

#ifdef QRT_TEST_SANITIZER_ALLOCATOR
extern "C" int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, size_t), void (*free_hook)(const volatile void*));

namespace {
void MallocHook(const volatile void*, size_t) { Count(); }
void FreeHook(const volatile void*) {}
const int g_hooks_installed = __sanitizer_install_malloc_and_free_hooks(MallocHook, FreeHook);
}  // namespace
#else
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

extern "C" {
void* malloc(size_t n) { Count(); return __libc_malloc(n); }
void* calloc(size_t n, size_t m) { Count(); return __libc_calloc(n, m); }
void* realloc(void* p, size_t n) { Count(); return __libc_realloc(p, n); }
void* aligned_alloc(size_t a, size_t n) { Count(); return __libc_memalign(a, n); }
void* memalign(size_t a, size_t n) { Count(); return __libc_memalign(a, n); }
int posix_memalign(void** p, size_t a, size_t n) {
  Count();
  *p = __libc_memalign(a, n);
  return *p ? 0 : 12;
}
void free(void* p) { __libc_free(p); }
}

void* operator new(size_t n) {
  Count();
  void* p = __libc_malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  Count();
  return __libc_malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }
#endif

namespace {
// Under a sanitizer a new thread allocates while it starts (ASan's thread
// setup calls pthread_getattr_np, which mallocs), and a session's pool
// threads may still be starting when qrt_session_create returns; the hook
// would count that. There, one uncounted run first: a parallel job returns
// only after every worker has checked in for it (thread_pool.h), so every
// pool thread has started. A normal build counts from the first call after
// create.
void LetPoolThreadsStart(qrt::Session& s, const std::vector<float>& x) {
#ifdef QRT_TEST_SANITIZER_ALLOCATOR
  REQUIRE(s.SetInput(0, x.data(), x.size()) == QRT_OK);
  REQUIRE(s.Run() == QRT_OK);
#else
  (void)s;
  (void)x;
#endif
}
}  // namespace

using namespace qrt_test;
using qrt::schema::OpType;

namespace {

// x -> stem conv -> two branches (conv -> conv, and conv), both ending in a
// dequantizing epilogue, -> residual ADD -> output; plus a concat of the
// stem and a branch tensor as a second output.
std::vector<uint8_t> BranchyModel() {
  ModelBuilder b;
  const float s = 0.05f;
  auto conv = [&](const char* name, int in, int c_in, int out, int c_out, uint32_t seed) {
    int w = b.WeightsS8(std::string(name) + ".w", {c_out, 3, 3, c_in},
                        RandomS8((size_t)c_out * 9 * (size_t)c_in, -127, 127, seed), {0.01f});
    ConvOpts o;
    o.pad = 1;
    b.Conv2D(name, in, w, -1, out, o);
  };
  int x = b.Activation("x", DType::S8, {1, 8, 8, 3}, s);
  int stem = b.Activation("stem", DType::S8, {1, 8, 8, 8}, s);
  int b1 = b.Activation("b1", DType::S8, {1, 8, 8, 8}, s);
  int b1f = b.FloatActivation("b1f", {1, 8, 8, 8});
  int b2f = b.FloatActivation("b2f", {1, 8, 8, 8});
  int sum = b.FloatActivation("sum", {1, 8, 8, 8});
  int cat = b.Activation("cat", DType::S8, {1, 8, 8, 16}, s);
  conv("stem", x, 3, stem, 8, 1);
  conv("b1", stem, 8, b1, 8, 2);
  conv("b1f", b1, 8, b1f, 8, 3);
  conv("b2f", stem, 8, b2f, 8, 4);
  b.Add("residual", b1f, b2f, sum, Activation::RELU);
  b.Concat("cat", {stem, b1}, cat, 3);
  b.Inputs({x}).Outputs({sum, cat});
  return b.Build();
}

// x (F32) -> QUANTIZE -> q (S8) -> conv -> y (S8): the converter's shape
// of a model input. With `second_reader`, x is also read by a SOFTMAX
// (a second output), so its QUANTIZE cannot be folded.
std::vector<uint8_t> FloatInputModel(bool second_reader) {
  ModelBuilder b;
  int x = b.FloatActivation("x", {1, 16, 16, 3});
  int q = b.Activation("q", DType::S8, {1, 16, 16, 3}, 0.02f, 3);
  int y = b.Activation("y", DType::S8, {1, 16, 16, 8}, 0.05f);
  int w = b.WeightsS8("w", {8, 3, 3, 3}, RandomS8(8 * 27, -127, 127, 5), {0.01f});
  ConvOpts o;
  o.pad = 1;
  b.Simple(OpType::QUANTIZE, "quant", x, q);
  b.Conv2D("conv", q, w, -1, y, o);
  if (second_reader) {
    int sm = b.FloatActivation("sm", {1, 16, 16, 3});
    b.Op(OpType::SOFTMAX, "sm", {x}, {sm});
    b.Inputs({x}).Outputs({y, sm});
  } else {
    b.Inputs({x}).Outputs({y});
  }
  return b.Build();
}

std::vector<float> Input(size_t n) {
  std::vector<int> q = RandomInts(n, -127, 127, 99);
  return Dequant(q, 0.05f, 0);
}

}  // namespace

TEST_CASE("no allocation in set_input, run, get_output", "[runtime][memory]") {
  const std::vector<uint8_t> file = BranchyModel();
  const int threads = GENERATE(1, 3);  // the pool starts at create, not run
  // F16: fp16 residual tensors, banded conv scratch, ADD's fp16 scratch.
  const int float_adds = GENERATE(QRT_FLOAT_ADDS_F32, QRT_FLOAT_ADDS_F16);
  INFO(threads << " threads, float_adds " << float_adds);
  Runner r(file, false, threads, float_adds);
  size_t f16 = 0;
  CHECK(r.session.float_adds(&f16) == float_adds);
  CHECK(f16 == (float_adds == QRT_FLOAT_ADDS_F16 ? 2u : 0u));  // b1f, b2f
  const std::vector<float> x = Input(8 * 8 * 3);
  std::vector<float> y0(8 * 8 * 8), y1(8 * 8 * 16);
  qrt_tensor_info info;
  LetPoolThreadsStart(r.session, x);
  g_allocations = 0;
  g_counting = true;
  qrt_status s[6];
  s[0] = r.session.SetInput(0, x.data(), x.size());
  s[1] = r.session.Run();
  s[2] = r.session.Run();
  s[3] = r.session.GetOutput(0, y0.data(), y0.size());
  s[4] = r.session.GetOutput(1, y1.data(), y1.size());
  s[5] = r.session.tensor_info(3, &info);
  const qrt_status bad = r.session.GetOutput(7, y0.data(), y0.size());  // error path too
  g_counting = false;
  CHECK(g_allocations == 0);
  for (qrt_status v : s) CHECK(v == QRT_OK);
  CHECK(bad == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(r.session.last_error()) ==
        "get_output: index 7, but the model has 2 outputs");

  // The counter does count: malloc, operator new and creating a session
  // are each seen.
#ifdef QRT_TEST_SANITIZER_ALLOCATOR
  REQUIRE(g_hooks_installed != 0);  // the runtime took the hook
#endif
  g_allocations = 0;
  g_counting = true;
  void* volatile raw = malloc(24);
  g_counting = false;
  free(raw);
  CHECK(g_allocations == 1);
  g_allocations = 0;
  g_counting = true;
  int* volatile boxed = new int(3);
  g_counting = false;
  delete boxed;
  CHECK(g_allocations == 1);
  g_allocations = 0;
  g_counting = true;
  qrt::Session other;
  REQUIRE(other.Create(r.model) == QRT_OK);
  g_counting = false;
  CHECK(g_allocations > 0);
}

TEST_CASE("caller-provided arena", "[runtime][memory]") {
  const std::vector<uint8_t> file = BranchyModel();
  Runner own(file);
  size_t need = 0;
  REQUIRE(own.model.arena_size(nullptr, &need) == QRT_OK);
  CHECK(need == own.session.arena_size());
  CHECK(need % 64 == 0);
  const std::vector<float> x = Input(8 * 8 * 3);
  own.SetInput(0, x);
  own.Run();
  const std::vector<float> want0 = own.Output(0), want1 = own.Output(1);

  const size_t misalign = GENERATE(0, 1, 17);
  std::vector<uint8_t> storage(need + 64 + 63);
  uint8_t* base = storage.data() + (64 - (uintptr_t)storage.data() % 64) % 64 + misalign;
  const size_t slack = misalign ? 64 - misalign : 0;
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.arena = base;

  SECTION("big enough") {
    o.arena_size = need + slack;
    qrt::Session s;
    qrt_error err;
    REQUIRE(s.Create(own.model, &o, &err) == QRT_OK);
    REQUIRE(s.SetInput(0, x.data(), x.size()) == QRT_OK);
    REQUIRE(s.Run() == QRT_OK);
    std::vector<float> y0(want0.size()), y1(want1.size());
    REQUIRE(s.GetOutput(0, y0.data(), y0.size()) == QRT_OK);
    REQUIRE(s.GetOutput(1, y1.data(), y1.size()) == QRT_OK);
    CHECK(y0 == want0);
    CHECK(y1 == want1);
    qrt_tensor_info info;
    REQUIRE(s.tensor_info(6, &info) == QRT_OK);  // "cat", a model output
    const uint8_t* p = static_cast<const uint8_t*>(info.data);
    CHECK(p >= base);
    CHECK(p + info.storage_bytes <= base + o.arena_size);
    CHECK((uintptr_t)p % 64 == 0);
  }
  SECTION("one byte too small") {
    o.arena_size = need + slack - 1;
    qrt::Session s;
    qrt_error err;
    CHECK(s.Create(own.model, &o, &err) == QRT_ERROR_OUT_OF_MEMORY);
    CHECK_THAT(std::string(err.message),
               Catch::StartsWith("the caller's arena of " + std::to_string(o.arena_size) +
                                 " bytes is too small: the plan needs " +
                                 std::to_string(need) + " bytes"));
    CHECK(!s);
  }
}

TEST_CASE("options struct_size is checked", "[runtime][memory]") {
  Runner r(BranchyModel());
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.struct_size = 0;
  qrt_session* s = nullptr;
  qrt_error err;
  CHECK(qrt_session_create(r.model.get(), &o, &s, &err) == QRT_ERROR_INVALID_ARGUMENT);
  CHECK(s == nullptr);
  CHECK_THAT(std::string(err.message), Catch::Contains("struct_size is 0"));
}

TEST_CASE("planner: live tensors never overlap on a branchy model", "[runtime][planner]") {
  const std::vector<uint8_t> file = BranchyModel();
  Runner r(file);
  const qrt::rt::Model& m = *reinterpret_cast<const qrt::rt::Model*>(r.model.get());
  qrt::rt::MemoryPlan plan;
  qrt::rt::PlanMemory(m, false, &plan);
  // Lifetimes recomputed here: [writer op (0 for inputs), last reader op
  // (or past the end for outputs)].
  const size_t nt = m.tensors.size();
  std::vector<int> first(nt, 0), last(nt, 0);
  for (const auto& op : m.ops) {
    for (int o : op.outputs) first[(size_t)o] = last[(size_t)o] = op.index;
    for (int i : op.inputs) {
      if (i >= 0) last[(size_t)i] = std::max(last[(size_t)i], op.index);
    }
  }
  for (int o : m.outputs) last[(size_t)o] = (int)m.ops.size();
  size_t total = 0, planned = 0;
  for (size_t a = 0; a < nt; ++a) {
    if (m.tensors[a].is_constant) continue;
    REQUIRE(plan.tensor_offsets[a] != qrt::rt::kNotPlanned);
    CHECK(plan.tensor_offsets[a] % 64 == 0);
    CHECK(plan.tensor_offsets[a] + m.tensors[a].bytes <= plan.arena_bytes);
    total += m.tensors[a].bytes;
    ++planned;
    for (size_t b = a + 1; b < nt; ++b) {
      if (m.tensors[b].is_constant) continue;
      const bool live_together = first[a] <= last[b] && first[b] <= last[a];
      const size_t oa = plan.tensor_offsets[a], ob = plan.tensor_offsets[b];
      const bool disjoint = oa + m.tensors[a].bytes <= ob || ob + m.tensors[b].bytes <= oa;
      INFO(m.tensors[a].name << " vs " << m.tensors[b].name);
      if (live_together) CHECK(disjoint);
    }
  }
  CHECK(planned == 7);
  CHECK(plan.arena_bytes < total);  // something is shared (x with b2f, ...)

  // Sharing changes no result: keep_all_tensors gives the same outputs.
  Runner keep(file, true);
  const std::vector<float> x = Input(8 * 8 * 3);
  r.SetInput(0, x);
  keep.SetInput(0, x);
  r.Run();
  keep.Run();
  CHECK(r.Output(0) == keep.Output(0));
  CHECK(r.Output(1) == keep.Output(1));
  CHECK(keep.session.arena_size() >= total);
  // keep_all_tensors: every intermediate readable; otherwise only outputs.
  qrt_tensor_info info;
  REQUIRE(keep.session.tensor_info(3, &info) == QRT_OK);  // "b1"
  CHECK(info.data != nullptr);
  REQUIRE(r.session.tensor_info(3, &info) == QRT_OK);
  CHECK(info.data == nullptr);
}

TEST_CASE("planner: a chain needs far less than the sum of its tensors", "[runtime][planner]") {
  ModelBuilder b;
  int prev = b.FloatActivation("t0", {1, 1000});
  const int input = prev;
  for (int i = 1; i <= 8; ++i) {
    int next = b.FloatActivation("t" + std::to_string(i), {1, 1000});
    b.Op(OpType::SOFTMAX, "s" + std::to_string(i), {prev}, {next});
    prev = next;
  }
  b.Inputs({input}).Outputs({prev});
  Runner r(b.Build());
  // Two 4000-byte tensors (rounded to 4032) alternate: 2 x 4032.
  CHECK(r.session.arena_size() == 2 * 4032);
  Runner keep(b.Build(), true);
  CHECK(keep.session.arena_size() == 9 * 4032);
}

TEST_CASE("planner: best fit picks the smallest gap that fits", "[runtime][planner]") {
  using qrt::rt::Block;
  // The property on random sets: live blocks never overlap, and no plan is
  // smaller than the peak of live bytes.
  uint32_t s = 7;
  auto next = [&s]() { s = s * 1664525u + 1013904223u; return s >> 8; };
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Block> blocks(1 + next() % 20);
    for (Block& blk : blocks) {
      blk.size = next() % 500;
      blk.first = (int)(next() % 10);
      blk.last = blk.first + (int)(next() % 5);
    }
    std::vector<size_t> off;
    const size_t total = qrt::rt::PlaceBlocks(blocks, false, &off);
    size_t peak = 0;  // no plan can be smaller than the peak of live bytes
    for (int t = 0; t < 15; ++t) {
      size_t live = 0;
      for (const Block& blk : blocks) {
        if (blk.first <= t && t <= blk.last) live += (blk.size + 63) / 64 * 64;
      }
      peak = std::max(peak, live);
    }
    CHECK(total >= peak);
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i].size == 0) {
        CHECK(off[i] == qrt::rt::kNotPlanned);
        continue;
      }
      CHECK(off[i] + blocks[i].size <= total);
      for (size_t j = i + 1; j < blocks.size(); ++j) {
        if (blocks[j].size == 0) continue;
        const bool live = blocks[i].first <= blocks[j].last && blocks[j].first <= blocks[i].last;
        const bool disjoint = off[i] + blocks[i].size <= off[j] || off[j] + blocks[j].size <= off[i];
        if (live) CHECK(disjoint);
      }
    }
  }
  // Best fit, by hand (size, first op, last op). Largest first: big3 (op 4)
  // and big1 (op 0) at 0, they never live together; n1 (ops 2-3) at 0;
  // n2 (ops 0-3) after big1 and n1, at 320; n3 (ops 3-4) after big3, at 448. z, live at op 3 only, sees n1 [0,128),
  // n2 [320,384), n3 [448,512): gaps of 192 at 128 and of 64 at 384. Best
  // fit takes 384 (first fit would take 128).
  std::vector<Block> hand = {{448, 4, 4}, {320, 0, 0}, {128, 2, 3},
                             {64, 0, 3},  {64, 3, 4},  {64, 3, 3}};
  std::vector<size_t> off;
  CHECK(qrt::rt::PlaceBlocks(hand, false, &off) == 512);
  CHECK(off == std::vector<size_t>{0, 0, 0, 320, 448, 384});

  // The head of MobileNetV1-0.25 once its input is int8 (input, conv 1,
  // depthwise, pointwise twice as wide, strided depthwise; bytes, first op,
  // last op). Largest first puts the pointwise output at 0, the input at 0,
  // conv 1 above the input and the depthwise above both: 351232. The plan
  // grown outward from the peak (op 3: depthwise + pointwise = 301056)
  // reaches the peak: pointwise 0, depthwise above it, conv 1 at 0 under
  // the depthwise, the input above conv 1, the strided depthwise above the
  // pointwise.
  std::vector<Block> mbv1 = {{150528, 0, 1}, {100352, 1, 2}, {100352, 2, 3},
                             {200704, 3, 4}, {50176, 4, 5}};
  CHECK(qrt::rt::PlaceBlocks(mbv1, false, &off) == 301056);
  CHECK(off == std::vector<size_t>{100352, 0, 200704, 0, 200704});
}

TEST_CASE("a float input's QUANTIZE is folded into set_input_f32", "[runtime][memory]") {
  // The F32 input gets no arena; set_input_f32 writes the int8 tensor with
  // the QUANTIZE op's kernel, and run skips the op. keep_all_tensors keeps
  // the float tensor and runs the op: the outputs are the same bits.
  const std::vector<uint8_t> file = FloatInputModel(false);
  const int threads = GENERATE(1, 3);
  Runner fold(file, false, threads), keep(file, true, threads);
  const qrt::rt::Model& m = *reinterpret_cast<const qrt::rt::Model*>(fold.model.get());
  REQUIRE(m.input_quantize == std::vector<int>{0});
  qrt::rt::MemoryPlan plan;
  qrt::rt::PlanMemory(m, false, &plan);
  CHECK(plan.tensor_offsets[0] == qrt::rt::kNotPlanned);  // x
  CHECK(plan.tensor_offsets[1] != qrt::rt::kNotPlanned);  // q
  // The session's plan lacks x's 3072 bytes that the keep_all plan holds.
  CHECK(fold.session.arena_size() + 16 * 16 * 3 * 4 <= keep.session.arena_size());
  qrt_tensor_info info;
  REQUIRE(fold.session.tensor_info(0, &info) == QRT_OK);
  CHECK(info.data == nullptr);
  REQUIRE(keep.session.tensor_info(0, &info) == QRT_OK);
  CHECK(info.data != nullptr);
  LetPoolThreadsStart(fold.session, std::vector<float>(16 * 16 * 3, 0.5f));
  LetPoolThreadsStart(keep.session, std::vector<float>(16 * 16 * 3, 0.5f));  // its pool too
  for (uint32_t seed : {1u, 2u}) {
    std::vector<float> x(16 * 16 * 3);
    const std::vector<int> r = RandomInts(x.size(), -3000, 3000, seed);
    for (size_t i = 0; i < x.size(); ++i) x[i] = (float)r[i] * 0.001f;  // some clamp
    g_allocations = 0;
    g_counting = true;
    const qrt_status set = fold.session.SetInput(0, x.data(), x.size());
    const qrt_status run = fold.session.Run();
    g_counting = false;
    CHECK(set == QRT_OK);
    CHECK(run == QRT_OK);
    CHECK(g_allocations == 0);
    keep.SetInput(0, x);
    keep.Run();
    CHECK(fold.Output(0) == keep.Output(0));
  }
}

TEST_CASE("a float input with a second reader keeps its arena copy", "[runtime][memory]") {
  Runner r(FloatInputModel(true));
  const qrt::rt::Model& m = *reinterpret_cast<const qrt::rt::Model*>(r.model.get());
  CHECK(m.input_quantize == std::vector<int>{-1});
  qrt::rt::MemoryPlan plan;
  qrt::rt::PlanMemory(m, false, &plan);
  CHECK(plan.tensor_offsets[0] != qrt::rt::kNotPlanned);
  std::vector<float> x(16 * 16 * 3, 0.25f);
  r.SetInput(0, x);
  r.Run();
  const std::vector<float> sm = r.Output(1);
  CHECK(std::abs(sm[0] - 1.0f / 3.0f) < 1e-6f);  // softmax of 3 equal values: x was read
}
