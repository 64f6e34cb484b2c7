#include "pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace gated {
namespace {

// Team members and a caller waiting for parts spin this many times before yielding the core:
// long enough to cover the gap between the steps of a recurrence.
constexpr int kSpins = 20000;

// How long an idle worker spins for the next job before it sleeps (setIdleSpinMicroseconds).
std::atomic<int> idleSpin{kDefaultIdleSpinMicroseconds};

// Set when a part of the running job threw: barriers stop waiting, so that no member waits for
// one that has left (one job runs at a time).
std::atomic<bool> jobFailed{false};

// The CPU this thread runs on now, or -1 where that is not known.
inline int currentCpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

// Moves the calling thread off `cpu` when it may run elsewhere, without pinning it: its affinity
// is narrowed for the move and then restored. A worker woken from sleep can find itself queued on
// the caller's CPU (on a VM, an idle vCPU can look unavailable), where the two would take turns.
void moveOffCpu(int cpu) {
#if defined(__linux__)
  cpu_set_t allowed;
  if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  cpu_set_t others = allowed;
  CPU_CLR(cpu, &others);
  if (CPU_COUNT(&others) == 0 || sched_setaffinity(0, sizeof(others), &others) != 0) return;
  sched_setaffinity(0, sizeof(allowed), &allowed);
#else
  (void)cpu;
#endif
}

inline void relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// Parts are claimed, not assigned: every thread, the caller included, takes the next unclaimed part
// until none is left. A worker that the OS has not scheduled simply claims nothing, and the caller
// does its share, so a busy machine slows a job down but never stalls it.
class ComputePool {
 public:
  ~ComputePool() { resize(1); }

  void resize(int threads) {
    std::lock_guard<std::mutex> jobLock(jobMutex_);
    stopWorkers();
    threads_ = std::clamp(threads, 1, kMaxThreads);
    stopping_ = false;
    // Each worker starts from the job current now, so it takes part in every later job even when
    // its thread starts running only after one was posted (a team needs every worker).
    const uint64_t current = claims_.load(std::memory_order_acquire) >> 32;
    for (int index = 1; index < threads_; ++index) workers_.emplace_back([this, current] { workerLoop(current); });
  }

  int threads() const { return threads_; }

  void run(int maxParts, const std::function<void(int, int)>& task) {
    const int parts = std::max(1, std::min(maxParts, threads_ * kPartsPerThread));
    if (parts == 1 || threads_ == 1 || insideJob) {
      for (int part = 0; part < parts; ++part) task(part, parts);
      return;
    }
    runParts(parts, task);
  }

  // As many parts as threads at most, so every part is claimed by a thread of its own: a thread
  // runs one part at a time, and the caller and every worker claim until none is left.
  void team(int maxMembers, const std::function<void(int, int)>& member) {
    const int members = insideJob ? 1 : std::max(1, std::min(maxMembers, threads_));
    if (members == 1) return member(0, 1);
    runParts(members, member);
  }

 private:
  // Runs the parts; the first exception a part threw is thrown here once every part has ended.
  void runParts(int parts, const std::function<void(int, int)>& task) {
    std::lock_guard<std::mutex> jobLock(jobMutex_);
    task_ = &task;
    done_.store(0, std::memory_order_relaxed);
    const uint64_t job = (claims_.load(std::memory_order_relaxed) >> 32) + 1;
    callerCpu_.store(currentCpu(), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      claims_.store(job << 32 | static_cast<uint64_t>(parts) << 16, std::memory_order_release);
    }
    wake_.notify_all();
    insideJob = true;
    work(job);
    insideJob = false;
    for (int spins = 0; done_.load(std::memory_order_acquire) < parts; ++spins) {
      if (spins < kSpins) relax();
      else std::this_thread::yield();  // a part is running on a thread that may not be scheduled
    }
    if (!jobFailed.load(std::memory_order_acquire)) return;
    const std::exception_ptr error = std::exchange(error_, nullptr);
    jobFailed.store(false, std::memory_order_release);
    std::rethrow_exception(error);
  }

  // Keeps the first exception of the job; the others are dropped.
  void fail(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(errorMutex_);
    if (!error_) error_ = error;
    jobFailed.store(true, std::memory_order_release);
  }

  // Claims and runs parts of `job` until none is left (or another job has replaced it). The part
  // count travels in the claim word with the job, so a thread still looking at a finished job
  // never compares its index with the next job's count: a claim succeeds only while its job is
  // open, and then task_ is that job's.
  void work(uint64_t job) {
    for (;;) {
      uint64_t claim = claims_.load(std::memory_order_acquire);
      const int parts = static_cast<int>(claim >> 16 & 0xffffu), part = static_cast<int>(claim & 0xffffu);
      if ((claim >> 32) != job || part >= parts) return;
      if (!claims_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel)) continue;
      try {
        (*task_)(part, parts);
      } catch (...) {  // on a worker, an exception leaving the thread would end the process
        fail(std::current_exception());
      }
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void workerLoop(uint64_t seen) {
    insideJob = true;
    for (;;) {
      auto posted = [&] { return (claims_.load(std::memory_order_acquire) >> 32) != seen || stopping_.load(); };
      const auto sleepAt = std::chrono::steady_clock::now() +
                           std::chrono::microseconds(idleSpin.load(std::memory_order_relaxed));
      for (int spins = 0; !posted(); ++spins) {
        if (spins % 64 != 0 || std::chrono::steady_clock::now() < sleepAt) {
          // Past the first spins, each round also offers the core to any other runnable thread.
          if (spins < kSpins) relax();
          else std::this_thread::yield();
          continue;
        }
        std::unique_lock<std::mutex> lock(wakeMutex_);
        wake_.wait(lock, posted);
        lock.unlock();
        const int callerCpu = callerCpu_.load(std::memory_order_relaxed);
        if (currentCpu() == callerCpu) moveOffCpu(callerCpu);  // moveOffCpu ignores -1 (unknown)
      }
      if (stopping_.load(std::memory_order_acquire)) return;
      seen = claims_.load(std::memory_order_acquire) >> 32;
      work(seen);
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
  // Parts per thread: small enough pieces that a late thread's share is soon taken by another.
  static constexpr int kPartsPerThread = 4;
  // So that a job's part count (at most kMaxThreads * kPartsPerThread) fits the claim word's 16 bits.
  static constexpr int kMaxThreads = 1024;

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex jobMutex_;  // one job at a time
  std::mutex wakeMutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> claims_{0};  // (job << 32) | (parts << 16) | next unclaimed part
  std::atomic<int> done_{0};
  std::atomic<int> callerCpu_{-1};  // where the thread that posted the latest job ran
  const std::function<void(int, int)>* task_ = nullptr;
  std::mutex errorMutex_;
  std::exception_ptr error_;  // the running job's first exception
};

thread_local bool ComputePool::insideJob = false;

// The cores this process may run on: its CPU affinity (taskset, a container's cpuset) where the
// system says, else the machine's cores. More threads than that would take turns on a core at
// every step of a recurrence.
int defaultThreads() {
#if defined(__linux__)
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) > 0) return CPU_COUNT(&allowed);
#endif
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
void setIdleSpinMicroseconds(int microseconds) { idleSpin.store(std::max(0, microseconds)); }
int idleSpinMicroseconds() { return idleSpin.load(); }
int computeThreads() { return pool().threads(); }
void parallelRun(int maxParts, const std::function<void(int part, int parts)>& task) { pool().run(maxParts, task); }
void parallelTeam(int maxMembers, const std::function<void(int rank, int size)>& member) { pool().team(maxMembers, member); }

void SpinBarrier::arriveAndWait(int members) {
  if (members <= 1) return;
  const uint32_t phase = phase_.load(std::memory_order_acquire);
  const int cpu = currentCpu();
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == members) {
    sharedCore_.store(cpu >= 0 && cpu == waiterCpu_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    arrived_.store(0, std::memory_order_relaxed);
    phase_.store(phase + 1, std::memory_order_release);
    return;
  }
  waiterCpu_.store(cpu, std::memory_order_relaxed);
  const int spinLimit = sharedCore_.load(std::memory_order_relaxed) ? 0 : kSpins;
  for (int spins = 0; phase_.load(std::memory_order_acquire) == phase; ++spins) {
    if (jobFailed.load(std::memory_order_relaxed)) return;  // a member threw and will not arrive
    if (spins < spinLimit) relax();
    else std::this_thread::yield();
  }
}

}  // namespace gated
