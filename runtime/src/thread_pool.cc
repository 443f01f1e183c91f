// Worker loop and hand-off of ThreadPool (thread_pool.h).
#include "thread_pool.h"

namespace qrt {
namespace rt {

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
  pthread_mutex_lock(&mutex_);
  stop_ = true;
  pthread_cond_broadcast(&work_cv_);
  pthread_mutex_unlock(&mutex_);
  for (size_t i = 0; i < num_workers_; ++i) pthread_join(workers_[i], nullptr);
  pthread_cond_destroy(&work_cv_);
  pthread_cond_destroy(&done_cv_);
  pthread_mutex_destroy(&mutex_);
}

void ThreadPool::RunTasks(size_t thread) {
  for (;;) {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= tasks_) return;
    fn_(ctx_, i, thread);
  }
}

void* ThreadPool::WorkerMain(void* arg) {
  const WorkerStart* s = static_cast<const WorkerStart*>(arg);
  ThreadPool* pool = s->pool;
  const size_t thread = s->thread;
  unsigned long seen = 0;
  pthread_mutex_lock(&pool->mutex_);
  for (;;) {
    while (!pool->stop_ && pool->generation_ == seen) {
      pthread_cond_wait(&pool->work_cv_, &pool->mutex_);
    }
    if (pool->stop_) break;
    seen = pool->generation_;
    pthread_mutex_unlock(&pool->mutex_);
    pool->RunTasks(thread);
    pthread_mutex_lock(&pool->mutex_);
    if (--pool->busy_workers_ == 0) pthread_cond_signal(&pool->done_cv_);
  }
  pthread_mutex_unlock(&pool->mutex_);
  return nullptr;
}

void ThreadPool::Parallelize(size_t tasks, TaskFn fn, const void* ctx) {
  if (num_workers_ == 0 || tasks <= 1) {
    for (size_t i = 0; i < tasks; ++i) fn(ctx, i, 0);
    return;
  }
  pthread_mutex_lock(&mutex_);
  fn_ = fn;
  ctx_ = ctx;
  tasks_ = tasks;
  next_.store(0, std::memory_order_relaxed);
  busy_workers_ = num_workers_;
  ++generation_;
  pthread_cond_broadcast(&work_cv_);
  pthread_mutex_unlock(&mutex_);
  RunTasks(0);
  pthread_mutex_lock(&mutex_);
  while (busy_workers_ != 0) pthread_cond_wait(&done_cv_, &mutex_);
  pthread_mutex_unlock(&mutex_);
}

}  // namespace rt
}  // namespace qrt
