#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace gated {
namespace {

// Waiting workers spin this many times before sleeping: long enough to cover the gap between
// the steps of a recurrence, short enough not to burn a core when idle.
constexpr int kSpins = 20000;

inline void relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

class ComputePool {
 public:
  ~ComputePool() { resize(1); }

  void resize(int threads) {
    std::lock_guard<std::mutex> jobLock(jobMutex_);
    stopWorkers();
    threads_ = std::max(1, threads);
    stopping_ = false;
    pending_ = std::vector<std::atomic<bool>>(static_cast<size_t>(threads_));
    for (int index = 1; index < threads_; ++index) workers_.emplace_back([this, index] { workerLoop(index); });
  }

  int threads() const { return threads_; }

  void run(int maxParts, const std::function<void(int, int)>& task) {
    const int parts = std::max(1, std::min(maxParts, threads_));
    if (parts == 1 || insideJob) {
      for (int part = 0; part < parts; ++part) task(part, parts);
      return;
    }
    std::lock_guard<std::mutex> jobLock(jobMutex_);
    task_ = &task;
    parts_ = parts;
    remaining_.store(parts - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      for (int index = 1; index < parts; ++index) pending_[index].store(true, std::memory_order_release);
    }
    wake_.notify_all();
    insideJob = true;
    task(0, parts);
    insideJob = false;
    while (remaining_.load(std::memory_order_acquire) > 0) relax();
    task_ = nullptr;
  }

 private:
  // Worker `index` runs part `index` of each job that sets its pending flag.
  void workerLoop(int index) {
    insideJob = true;
    std::atomic<bool>& pending = pending_[index];
    for (;;) {
      int spins = 0;
      while (!pending.load(std::memory_order_acquire) && !stopping_.load(std::memory_order_acquire)) {
        if (++spins < kSpins) {
          relax();
          continue;
        }
        std::unique_lock<std::mutex> lock(wakeMutex_);
        wake_.wait(lock, [&] { return pending.load(std::memory_order_acquire) || stopping_.load(); });
      }
      if (stopping_.load(std::memory_order_acquire)) return;
      (*task_)(index, parts_);
      pending.store(false, std::memory_order_relaxed);
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void stopWorkers() {
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
  }

  static thread_local bool insideJob;

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::vector<std::atomic<bool>> pending_;  // [threads]: worker i has part i of the current job
  std::mutex jobMutex_;                     // one job at a time
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> remaining_{0};
  const std::function<void(int, int)>* task_ = nullptr;
  int parts_ = 1;
};

thread_local bool ComputePool::insideJob = false;

int defaultThreads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

ComputePool& pool() {
  static ComputePool instance;
  static std::once_flag started;
  std::call_once(started, [] { instance.resize(defaultThreads()); });
  return instance;
}

}  // namespace

void setComputeThreads(int threads) { pool().resize(threads); }
int computeThreads() { return pool().threads(); }
void parallelRun(int maxParts, const std::function<void(int part, int parts)>& task) { pool().run(maxParts, task); }

}  // namespace gated
