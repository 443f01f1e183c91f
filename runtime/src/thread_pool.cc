// Worker loop and hand-off of ThreadPool (thread_pool.h).
#include "thread_pool.h"

#include <sched.h>
#include <time.h>

namespace qrt {
namespace rt {

namespace {

// One iteration of a spin-wait: tells the CPU we are spinning (saves power,
// frees the core's resources for a sibling hyper-thread, avoids the memory
// order mis-speculation penalty when the value finally changes).
inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  // ISB rather than YIELD: YIELD is a no-op on most Arm cores, ISB waits a
  // few tens of cycles, which is what a spin loop wants.
  __asm__ __volatile__("isb" ::: "memory");
#elif defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  sched_yield();
#endif
}

uint64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// Spins until done() or until ThreadPool::kSpinNs have passed; the clock is
// read every 64 iterations only. Returns done().
template <typename Done>
bool SpinUntil(Done done) {
  if (done()) return true;
  const uint64_t start = NowNs();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      CpuRelax();
      if (done()) return true;
    }
    if (NowNs() - start >= ThreadPool::kSpinNs) return done();
  }
}

}  // namespace

bool ThreadPool::Start(size_t num_threads) {
  if (num_threads > kMaxThreads) num_threads = kMaxThreads;
  for (size_t t = 1; t < num_threads; ++t) {
    starts_[t].pool = this;
    starts_[t].thread = t;
    if (pthread_create(&workers_[num_workers_], nullptr, WorkerMain,
                       &starts_[t]) != 0) {
      return false;
    }
    ++num_workers_;
  }
  return true;
}

ThreadPool::~ThreadPool() {
  if (num_workers_ != 0) {
    // No job is running (Parallelize returned), so no worker reads stop_
    // until it sees the new generation.
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_seq_cst);
    pthread_mutex_lock(&mutex_);
    pthread_cond_broadcast(&work_cv_);
    pthread_mutex_unlock(&mutex_);
    for (size_t i = 0; i < num_workers_; ++i) pthread_join(workers_[i], nullptr);
  }
  pthread_cond_destroy(&work_cv_);
  pthread_cond_destroy(&done_cv_);
  pthread_mutex_destroy(&mutex_);
}

void ThreadPool::RunTasks(size_t thread) {
  const size_t tasks = tasks_;
  const TaskFn fn = fn_;
  const void* ctx = ctx_;
  for (;;) {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= tasks) return;
    fn(ctx, i, thread);
  }
}

uint32_t ThreadPool::WaitForJob(uint32_t seen) {
  uint32_t g = seen;
  if (SpinUntil([&] {
        g = generation_.load(std::memory_order_acquire);
        return g != seen;
      })) {
    return g;
  }
  pthread_mutex_lock(&mutex_);
  // Announce before the last check (seq_cst on both sides): either the
  // caller's bump is seen here, or the caller sees sleeping_workers_ != 0
  // and broadcasts under the mutex, which it cannot take before this
  // thread is inside pthread_cond_wait.
  sleeping_workers_.fetch_add(1, std::memory_order_seq_cst);
  while ((g = generation_.load(std::memory_order_seq_cst)) == seen) {
    worker_sleeps_.fetch_add(1, std::memory_order_relaxed);
    pthread_cond_wait(&work_cv_, &mutex_);
  }
  sleeping_workers_.fetch_sub(1, std::memory_order_relaxed);
  pthread_mutex_unlock(&mutex_);
  // The acquire that pairs with the caller's release bump: the seq_cst
  // load above already is one.
  return g;
}

void* ThreadPool::WorkerMain(void* arg) {
  const WorkerStart* s = static_cast<const WorkerStart*>(arg);
  ThreadPool* pool = s->pool;
  const size_t thread = s->thread;
  uint32_t seen = 0;
  for (;;) {
    seen = pool->WaitForJob(seen);
    if (pool->stop_) break;
    pool->RunTasks(thread);
    // Check out of the job. The last one out wakes a sleeping caller; same
    // announce-then-check pairing as in WaitForJob.
    if (pool->pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        pool->caller_sleeping_.load(std::memory_order_seq_cst)) {
      pthread_mutex_lock(&pool->mutex_);
      pthread_cond_signal(&pool->done_cv_);
      pthread_mutex_unlock(&pool->mutex_);
    }
  }
  return nullptr;
}

void ThreadPool::WaitForWorkers() {
  if (SpinUntil([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
    return;
  }
  pthread_mutex_lock(&mutex_);
  caller_sleeping_.store(true, std::memory_order_seq_cst);
  while (pending_.load(std::memory_order_seq_cst) != 0) {
    caller_sleeps_.fetch_add(1, std::memory_order_relaxed);
    pthread_cond_wait(&done_cv_, &mutex_);
  }
  caller_sleeping_.store(false, std::memory_order_relaxed);
  pthread_mutex_unlock(&mutex_);
}

void ThreadPool::Parallelize(size_t tasks, TaskFn fn, const void* ctx) {
  if (num_workers_ == 0 || tasks <= 1) {
    for (size_t i = 0; i < tasks; ++i) fn(ctx, i, 0);
    return;
  }
  // Every worker has checked out of the previous job (pending_ was 0), so
  // nobody reads these now.
  fn_ = fn;
  ctx_ = ctx;
  tasks_ = tasks;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(num_workers_, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_seq_cst);  // publishes the job
  if (sleeping_workers_.load(std::memory_order_seq_cst) != 0) {
    pthread_mutex_lock(&mutex_);
    pthread_cond_broadcast(&work_cv_);
    pthread_mutex_unlock(&mutex_);
  }
  RunTasks(0);
  WaitForWorkers();
}

}  // namespace rt
}  // namespace qrt
