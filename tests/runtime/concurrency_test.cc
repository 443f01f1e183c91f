// Sessions on several threads, as an app runs them: one loaded model shared
// by every thread, each thread with its own sessions, sessions created and
// destroyed while the others run, sessions with their own pool of 2 threads
// inside, and a thread loading and freeing copies of the model meanwhile.
// Every output must equal, bit for bit, what one thread alone computes
// (which in turn equals the committed host reference). Runs in every build;
// under -DQRT_SANITIZE=thread it is the TSan check of the runtime
// (scripts/ci/sanitizers.sh, docs/reliability.md).
//
// Catch2 assertions are not thread-safe: workers use the C API and record
// what went wrong; the main thread checks after joining them.
#include <string.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "e2e_util.h"
#include "qrt/qrt.h"

namespace {

std::string Data(const std::string& name) { return std::string(QRT_E2E_DATA_DIR) + "/" + name; }

// One model, its inputs (preprocessed as the e2e test does) and the
// single-threaded outputs, as raw float bits [image][element].
struct Case {
  std::vector<uint8_t> file;
  qrt_model* model = nullptr;
  size_t input_elements = 0, output_elements = 0;
  std::vector<std::vector<float>> inputs;
  std::vector<std::vector<uint32_t>> want;
  ~Case() { qrt_model_destroy(model); }
};

// Runs every input through a new session; "" or what failed.
std::string RunAll(const Case& c, int threads, std::vector<std::vector<uint32_t>>* bits) {
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = threads;
  o.float_adds = QRT_FLOAT_ADDS_F32;  // as the committed reference
  qrt_session* s = nullptr;
  qrt_error err;
  if (qrt_session_create(c.model, &o, &s, &err) != QRT_OK) return std::string("create: ") + err.message;
  std::vector<float> y(c.output_elements);
  bits->assign(c.inputs.size(), std::vector<uint32_t>(c.output_elements));
  std::string error;
  for (size_t i = 0; i < c.inputs.size() && error.empty(); ++i) {
    if (qrt_session_set_input_f32(s, 0, c.inputs[i].data(), c.inputs[i].size()) != QRT_OK ||
        qrt_session_run(s) != QRT_OK ||
        qrt_session_get_output_f32(s, 0, y.data(), y.size()) != QRT_OK) {
      error = std::string("run: ") + qrt_session_last_error(s);
    }
    memcpy((*bits)[i].data(), y.data(), y.size() * sizeof(float));
  }
  qrt_session_destroy(s);
  return error;
}

void Prepare(const std::string& model_name, const std::string& ref_name, Case* c) {
  std::ifstream in(Data(model_name), std::ios::binary);
  REQUIRE(in);
  c->file.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  qrt_error err;
  REQUIRE(qrt_model_load_memory(c->file.data(), c->file.size(), &c->model, &err) == QRT_OK);
  qrt_tensor_info xi, yi;
  qrt_tensor_info_init(&xi);
  qrt_tensor_info_init(&yi);
  REQUIRE(qrt_model_input_info(c->model, 0, &xi) == QRT_OK);
  REQUIRE(qrt_model_output_info(c->model, 0, &yi) == QRT_OK);
  c->input_elements = xi.num_elements;
  c->output_elements = yi.num_elements;
  qrt_e2e::Reference ref;
  std::string error;
  std::vector<uint8_t> pixels;
  if (!qrt_e2e::ReadReference(Data(ref_name), &ref, &error)) FAIL(error);
  if (!qrt_e2e::MakePixels(ref, c->input_elements, &pixels, &error)) FAIL(error);
  qrt_preprocess pre;
  qrt_preprocess_init(&pre);
  REQUIRE(qrt_model_preprocess(c->model, &pre) == QRT_OK);
  const size_t channels = (size_t)xi.shape[xi.rank - 1];
  for (size_t i = 0; i < ref.count; ++i) {
    std::vector<float> x(c->input_elements);
    for (size_t e = 0; e < x.size(); ++e) {
      float v = (float)pixels[i * x.size() + e] / 255.0f;
      if (pre.num_mean > 0) v -= pre.mean[(e % channels) % pre.num_mean];
      if (pre.num_std > 0) v /= pre.std[(e % channels) % pre.num_std];
      x[e] = v;
    }
    c->inputs.push_back(x);
  }
  // One thread alone: the reference the threads must reproduce.
  REQUIRE(RunAll(*c, 1, &c->want) == "");
  REQUIRE(c->want == ref.bits);
}

struct Worker {
  int session_threads = 1;
  int rounds = 0;
  size_t runs = 0, mismatches = 0;
  std::string error;
};

// Every worker (and the churn thread) waits here until all have started,
// so their sessions really overlap.
void Rendezvous(std::atomic<int>* arrived, int total) {
  arrived->fetch_add(1);
  while (arrived->load() < total) std::this_thread::yield();
}

}  // namespace

TEST_CASE("threads sharing one model, each with its own sessions, give one thread's bits",
          "[runtime][concurrency]") {
  const std::string name = GENERATE(std::string("fashion_mnist_w8a8"), std::string("fashion_mnist_w6a8"));
  INFO(name);
  Case c;
  Prepare(name + ".qrt", name + ".ref", &c);

  // Workers with 1-thread and 2-thread sessions; each round is a new
  // session, so sessions are created and destroyed while others run.
  std::vector<Worker> workers(4);
  for (size_t w = 0; w < workers.size(); ++w) {
    workers[w].session_threads = w % 2 ? 2 : 1;
    workers[w].rounds = 3;
  }
  std::atomic<int> arrived{0};
  std::atomic<bool> stop{false};
  const int total = (int)workers.size() + 1;
  std::vector<std::thread> threads;
  for (Worker& w : workers) {
    threads.emplace_back([&c, &w, &arrived, total] {
      Rendezvous(&arrived, total);
      for (int r = 0; r < w.rounds && w.error.empty(); ++r) {
        std::vector<std::vector<uint32_t>> got;
        w.error = RunAll(c, w.session_threads, &got);
        for (size_t i = 0; i < got.size(); ++i) {
          ++w.runs;
          w.mismatches += got[i] != c.want[i];
        }
      }
    });
  }
  // Churn: sessions with a 2-thread pool created and destroyed without a
  // run, and copies of the model loaded from the same bytes and freed,
  // until the workers are done.
  size_t churned = 0;
  std::string churn_error;
  threads.emplace_back([&] {
    Rendezvous(&arrived, total);
    while (!stop.load() && churn_error.empty()) {
      qrt_session_options o;
      qrt_session_options_init(&o);
      o.num_threads = 2;
      qrt_session* s = nullptr;
      qrt_model* copy = nullptr;
      qrt_error err;
      if (qrt_session_create(c.model, &o, &s, &err) != QRT_OK) churn_error = err.message;
      qrt_session_destroy(s);
      if (qrt_model_load_memory(c.file.data(), c.file.size(), &copy, &err) != QRT_OK) churn_error = err.message;
      qrt_model_destroy(copy);
      ++churned;
    }
  });
  for (size_t t = 0; t < workers.size(); ++t) threads[t].join();
  stop.store(true);
  threads.back().join();

  for (const Worker& w : workers) {
    INFO(w.session_threads << "-thread sessions");
    CHECK(w.error == "");
    CHECK(w.runs == (size_t)w.rounds * c.inputs.size());
    CHECK(w.mismatches == 0);
  }
  CHECK(churn_error == "");
  CHECK(churned > 0);
}

TEST_CASE("one session per thread, all alive together, 2-thread pools inside",
          "[runtime][concurrency]") {
  Case c;
  Prepare("fashion_mnist_w8a8.qrt", "fashion_mnist_w8a8.ref", &c);
  // Every session exists before any runs and is destroyed only after all
  // ran: pools of different sessions live side by side.
  const int kThreads = 3;
  std::vector<qrt_session*> sessions(kThreads, nullptr);
  qrt_session_options o;
  qrt_session_options_init(&o);
  o.num_threads = 2;
  o.float_adds = QRT_FLOAT_ADDS_F32;
  qrt_error err;
  for (qrt_session*& s : sessions) REQUIRE(qrt_session_create(c.model, &o, &s, &err) == QRT_OK);
  std::vector<Worker> workers(kThreads);
  std::atomic<int> arrived{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Worker& w = workers[(size_t)t];
      qrt_session* s = sessions[(size_t)t];
      std::vector<float> y(c.output_elements);
      Rendezvous(&arrived, kThreads);
      for (int r = 0; r < 4 && w.error.empty(); ++r) {
        // Each thread walks the images in its own order.
        for (size_t k = 0; k < c.inputs.size(); ++k) {
          const size_t i = (k * (size_t)(2 * t + 1) + (size_t)r) % c.inputs.size();
          if (qrt_session_set_input_f32(s, 0, c.inputs[i].data(), c.inputs[i].size()) != QRT_OK ||
              qrt_session_run(s) != QRT_OK ||
              qrt_session_get_output_f32(s, 0, y.data(), y.size()) != QRT_OK) {
            w.error = qrt_session_last_error(s);
            break;
          }
          ++w.runs;
          w.mismatches += memcmp(y.data(), c.want[i].data(), y.size() * sizeof(float)) != 0;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (qrt_session* s : sessions) qrt_session_destroy(s);
  for (const Worker& w : workers) {
    CHECK(w.error == "");
    CHECK(w.runs == 4 * c.inputs.size());
    CHECK(w.mismatches == 0);
  }
}
