// A small fixed-size thread pool for the run path.
//
// Why our own pool and not pthreadpool? libqrt.a must link into an app with
// nothing but libc/libm/libpthread (docs/runtime.md), and the runtime-only
// and arm64 builds do not have pthreadpool as a normal dependency. What we
// need is tiny: N - 1 worker threads created once at session creation, and
// one call, Parallelize(tasks, fn, ctx), that runs fn(ctx, task, thread) for
// every task index across the caller and the workers and returns when all
// are done. Nothing on that path allocates: the job is three words in the
// pool, tasks are claimed with an atomic counter, and the hand-off is a few
// atomics, with one mutex and two condition variables (no allocation in
// glibc's pthread mutex/cond code) for the threads that went to sleep.
//
// Hand-off (the scheme of pthreadpool): the caller publishes a job by
// bumping an atomic generation counter. A worker that finished the previous
// job spins on that counter for a bounded time (kSpinNs, with a CPU relax
// hint) and only then sleeps on work_cv_, so a network whose layers follow
// each other quickly never pays a futex wake-up per layer, and an idle
// session does not burn a core: after kSpinNs its workers sleep. The caller
// runs tasks too, then spins (bounded the same way) until every worker has
// checked in for the job, and only then sleeps on done_cv_. A worker that
// is about to sleep, and a caller that is about to sleep, announce it in an
// atomic counter / flag first (sequentially consistent, so the other side
// either sees the announcement or is seen to have moved on), and the other
// side takes the mutex and signals only then: no lost wake-up, and no
// system call when everybody is spinning.
//
// `thread` is in [0, size()): the caller is thread 0. Ops use it to pick
// their per-thread scratch (im2col rows). Which thread runs which task
// varies from run to run, so a task must write only its own outputs; every
// kernel computes each output element independently, so the results are
// identical for any thread count. With one thread (no workers) Parallelize
// is a plain loop on the caller: no atomics, no threads.
#ifndef QRT_RUNTIME_THREAD_POOL_H_
#define QRT_RUNTIME_THREAD_POOL_H_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <atomic>

namespace qrt {
namespace rt {

using TaskFn = void (*)(const void* ctx, size_t task, size_t thread);

class ThreadPool {
 public:
  // How long a worker waits for the next job, or the caller for the
  // workers, spinning before it sleeps on a condition variable.
  static constexpr uint64_t kSpinNs = 200 * 1000;

  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Starts num_threads - 1 workers (1 <= num_threads, at most 64). Returns false if a
  // thread cannot be created (the pool then runs with the ones it has).
  bool Start(size_t num_threads);
  // Threads that run tasks, the caller included.
  size_t size() const { return 1 + num_workers_; }

  // Runs fn(ctx, i, thread) for i in [0, tasks); returns when all are done.
  void Parallelize(size_t tasks, TaskFn fn, const void* ctx);

  // Tests: how many times a worker / the caller went to sleep on a
  // condition variable (relaxed counters, not synchronised with anything).
  uint64_t worker_sleeps() const { return worker_sleeps_.load(std::memory_order_relaxed); }
  uint64_t caller_sleeps() const { return caller_sleeps_.load(std::memory_order_relaxed); }
  // Workers asleep on work_cv_ now, or about to be.
  size_t sleeping_workers() const { return sleeping_workers_.load(std::memory_order_relaxed); }

 private:
  static void* WorkerMain(void* arg);
  void RunTasks(size_t thread);
  // Waits until generation_ differs from `seen`; returns the new value.
  uint32_t WaitForJob(uint32_t seen);
  // Waits until every worker has finished the current job.
  void WaitForWorkers();

  enum { kMaxThreads = 64 };
  struct WorkerStart {
    ThreadPool* pool;
    size_t thread;
  };
  WorkerStart starts_[kMaxThreads];
  pthread_t workers_[kMaxThreads];
  size_t num_workers_ = 0;
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t work_cv_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t done_cv_ = PTHREAD_COND_INITIALIZER;
  // The current job: written by the caller before generation_ is bumped
  // (release), read by workers after they load it (acquire); not touched
  // again until every worker has checked out of the job (pending_ == 0).
  TaskFn fn_ = nullptr;
  const void* ctx_ = nullptr;
  size_t tasks_ = 0;
  bool stop_ = false;  // written like the job, before the last bump
  // Each on its own cache line: the workers spin on generation_ while the
  // caller and workers hammer next_ and pending_.
  alignas(64) std::atomic<uint32_t> generation_{0};
  alignas(64) std::atomic<size_t> next_{0};     // next task index to claim
  alignas(64) std::atomic<size_t> pending_{0};  // workers still in the job
  alignas(64) std::atomic<size_t> sleeping_workers_{0};  // in (or entering) work_cv_
  std::atomic<bool> caller_sleeping_{false};    // in (or entering) done_cv_
  std::atomic<uint64_t> worker_sleeps_{0};
  std::atomic<uint64_t> caller_sleeps_{0};
};

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_THREAD_POOL_H_
