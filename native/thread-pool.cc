#include "thread-pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TARTAN_PAUSE() _mm_pause()
#else
#define TARTAN_PAUSE() ((void)0)
#endif

namespace tartan {

namespace {

// How long a thread polls before it sleeps. A search calls run() several times in a row with a
// little JavaScript between; waking a sleeping thread (and being woken when it is done) cost tens
// of microseconds per call in a VM, more than some of the stages themselves.
constexpr auto kSpin = std::chrono::microseconds(200);

// Polls `ready` for up to kSpin; true when it held.
template <typename Ready>
bool spinFor(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (ready()) return true;
      TARTAN_PAUSE();
    }
    if (std::chrono::steady_clock::now() >= until) return ready();
  }
}

}  // namespace

void ThreadPool::grow(int workers) {
  while (static_cast<int>(workers_.size()) < workers) {
    const int id = static_cast<int>(workers_.size()) + 1;
    workers_.emplace_back([this, id] { loop(id); });
    workers_.back().detach();
  }
}

void ThreadPool::loop(int id) {
  uint64_t seen = 0;
  auto ready = [&] { return generation_.load(std::memory_order_acquire) != seen && id <= wanted_.load(std::memory_order_acquire); };
  for (;;) {
    if (!spinFor(ready)) {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, ready);
    }
    seen = generation_.load(std::memory_order_acquire);
    (*task_.load(std::memory_order_acquire))(id);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      done_.notify_all();
    }
  }
}

void ThreadPool::run(int threads, const std::function<void(int)>& task) {
  std::unique_lock<std::mutex> exclusive(runMutex_, std::try_to_lock);
  if (threads <= 1 || !exclusive.owns_lock()) {
    task(0);
    return;
  }
  {
    // Published under mu_ so that a worker checking `ready` before it sleeps cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(mu_);
    grow(threads - 1);
    task_.store(&task, std::memory_order_release);
    pending_.store(threads - 1, std::memory_order_release);
    wanted_.store(threads - 1, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_.notify_all();
  task(0);
  auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spinFor(finished)) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, finished);
  }
  wanted_.store(0, std::memory_order_release);
}

ThreadPool& sharedPool() {
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

}  // namespace tartan
