// A small persistent pool of worker threads for the MaxSim kernels. The calling thread always
// takes part, so `run(1, ...)` costs nothing beyond a direct call.
#pragma once
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
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  uint64_t generation_ = 0;
  int wanted_ = 0;   // workers taking part in the current run
  int pending_ = 0;  // workers still running it
};

// The process-wide pool (never destroyed: its threads end with the process).
ThreadPool& sharedPool();

}  // namespace tartan
