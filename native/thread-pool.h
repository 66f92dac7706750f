// A small persistent pool of worker threads for the MaxSim and search kernels. The calling thread
// always takes part, so `run(1, ...)` costs nothing beyond a direct call. Threads poll for about
// 200 microseconds before sleeping (see thread-pool.cc).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tartan {

class ThreadPool {
 public:
  // Runs task(worker) on `threads` threads (worker 0 is the caller) and returns when all are done.
  // A call made while another is running (e.g. from a worker_thread) runs on the caller alone.
  void run(int threads, const std::function<void(int)>& task);

 private:
  void grow(int workers);
  void loop(int id);

  std::mutex runMutex_;  // one parallel run at a time
  std::mutex mu_;        // guards sleeping: state changes are published under it
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::atomic<const std::function<void(int)>*> task_{nullptr};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> wanted_{0};   // workers taking part in the current run
  std::atomic<int> pending_{0};  // workers still running it
};

// The process-wide pool (never destroyed: its threads end with the process).
ThreadPool& sharedPool();

}  // namespace tartan
