#include "thread-pool.h"

namespace tartan {

void ThreadPool::grow(int workers) {
  while (static_cast<int>(workers_.size()) < workers) {
    const int id = static_cast<int>(workers_.size()) + 1;
    workers_.emplace_back([this, id] { loop(id); });
    workers_.back().detach();
  }
}

void ThreadPool::loop(int id) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(int)>* task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return generation_ != seen && id <= wanted_; });
      seen = generation_;
      task = task_;
    }
    (*task)(id);
    std::lock_guard<std::mutex> lock(mu_);
    if (--pending_ == 0) done_.notify_all();
  }
}

void ThreadPool::run(int threads, const std::function<void(int)>& task) {
  std::unique_lock<std::mutex> exclusive(runMutex_, std::try_to_lock);
  if (threads <= 1 || !exclusive.owns_lock()) {
    task(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    grow(threads - 1);
    task_ = &task;
    wanted_ = threads - 1;
    pending_ = threads - 1;
    generation_++;
  }
  wake_.notify_all();
  task(0);
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return pending_ == 0; });
  wanted_ = 0;
}

ThreadPool& sharedPool() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

}  // namespace tartan
