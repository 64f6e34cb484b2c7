// One process-wide compute pool sized to the cores: sync and async calls share it, so the cores
// are never oversubscribed. Work is split into parts run by the pool's threads and the caller.
#pragma once
#include <cstdint>
#include <functional>

namespace gated {

// The number of threads a job may use (the caller included), at least 1. Defaults to the cores.
void setComputeThreads(int threads);
int computeThreads();

// Runs task(part, parts) for every part in [0, parts), with parts at most maxParts (a few per
// thread), and returns when all are done; the calling thread takes parts too. Jobs from several
// threads run one after another; a job started from inside a part runs serially on that thread.
void parallelRun(int maxParts, const std::function<void(int part, int parts)>& task);

// [begin, end) of part `part` of `parts` over `count` items, in multiples of `grain` (but the last).
inline void partRange(int64_t count, int part, int parts, int64_t grain, int64_t* begin, int64_t* end) {
  const int64_t units = (count + grain - 1) / grain;
  const int64_t first = units * part / parts, last = units * (part + 1) / parts;
  *begin = first * grain < count ? first * grain : count;
  *end = last * grain < count ? last * grain : count;
}

}  // namespace gated
