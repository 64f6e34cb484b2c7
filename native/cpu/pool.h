// One process-wide compute pool sized to the cores: sync and async calls share it, so the cores
// are never oversubscribed. Work is split into parts run by the pool's threads and the caller.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>

namespace gated {

// The number of threads a job may use (the caller included), at least 1. Defaults to the cores
// the process may run on (its CPU affinity).
void setComputeThreads(int threads);
int computeThreads();

// How long a pool thread with no work keeps spinning for the next job before it sleeps. A sleeping
// thread takes a wake-up (and, on some machines, cold caches) to start the next job; a spinning
// one holds its core. The default covers the gaps between the calls of a busy loop.
constexpr int kDefaultIdleSpinMicroseconds = 10000;
void setIdleSpinMicroseconds(int microseconds);
int idleSpinMicroseconds();

// Runs task(part, parts) for every part in [0, parts), with parts at most maxParts (a few per
// thread), and returns when all are done; the calling thread takes parts too. Jobs from several
// threads run one after another; a job started from inside a part runs serially on that thread.
// If a part throws, the other parts still end (members waiting at a SpinBarrier stop waiting, so
// what they compute is garbage), and then the first exception is thrown to the caller.
void parallelRun(int maxParts, const std::function<void(int part, int parts)>& task);

// Runs member(rank, size) for every rank in [0, size) at the same time, one thread each, with
// size = min(maxMembers, computeThreads()), or 1 inside another job. For work whose members wait
// for each other (SpinBarrier); a member never waits for a part that no thread has claimed.
void parallelTeam(int maxMembers, const std::function<void(int rank, int size)>& member);

// Members of a team (parallelTeam) wait here for each other: spinning briefly, then yielding the
// core, since a step of a recurrence is shorter than a wake-up. Every member passes the same count.
class SpinBarrier {
 public:
  void arriveAndWait(int members);

 private:
  std::atomic<int> arrived_{0};
  std::atomic<uint32_t> phase_{0};
  // The CPU the latest waiter spun on, and whether the member that released the last phase ran on
  // that CPU too. Then the members share a core (more threads than cores), a spinning waiter only
  // keeps the member it waits for off the core, and waiters yield at once.
  std::atomic<int> waiterCpu_{-1};
  std::atomic<bool> sharedCore_{false};
};

// [begin, end) of part `part` of `parts` over `count` items, in multiples of `grain` (but the last).
inline void partRange(int64_t count, int part, int parts, int64_t grain, int64_t* begin, int64_t* end) {
  const int64_t units = (count + grain - 1) / grain;
  const int64_t first = units * part / parts, last = units * (part + 1) / parts;
  *begin = first * grain < count ? first * grain : count;
  *end = last * grain < count ? last * grain : count;
}

}  // namespace gated
