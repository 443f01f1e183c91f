// A small fixed-size thread pool for the run path.
//
// Why our own pool and not pthreadpool? libqrt.a must link into an app with
// nothing but libc/libm/libpthread (docs/runtime.md), and the runtime-only
// and arm64 builds do not have pthreadpool as a normal dependency. What we
// need is tiny: N - 1 worker threads created once at session creation, and
// one call, Parallelize(tasks, fn, ctx), that runs fn(ctx, task, thread) for
// every task index across the caller and the workers and returns when all
// are done. Nothing on that path allocates: the job is three words in the
// pool, tasks are claimed with an atomic counter, and the hand-off is one
// mutex and two condition variables (no allocation in glibc's pthread
// mutex/cond code).
//
// `thread` is in [0, size()): the caller is thread 0. Ops use it to pick
// their per-thread scratch (im2col rows). Which thread runs which task
// varies from run to run, so a task must write only its own outputs; every
// kernel computes each output element independently, so the results are
// identical for any thread count.
#ifndef QRT_RUNTIME_THREAD_POOL_H_
#define QRT_RUNTIME_THREAD_POOL_H_

#include <pthread.h>
#include <stddef.h>

#include <atomic>

namespace qrt {
namespace rt {

using TaskFn = void (*)(const void* ctx, size_t task, size_t thread);

class ThreadPool {
 public:
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

 private:
  static void* WorkerMain(void* arg);
  void RunTasks(size_t thread);

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
  // Guarded by mutex_.
  unsigned long generation_ = 0;
  size_t busy_workers_ = 0;
  bool stop_ = false;
  // The current job (written before generation_ is bumped).
  TaskFn fn_ = nullptr;
  const void* ctx_ = nullptr;
  size_t tasks_ = 0;
  std::atomic<size_t> next_{0};
};

}  // namespace rt
}  // namespace qrt

#endif  // QRT_RUNTIME_THREAD_POOL_H_
