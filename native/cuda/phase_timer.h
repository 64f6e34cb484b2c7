// The phases of a recurrent layer's call on CUDA, timed with events for the GPU benchmark's
// breakdown (setPhaseTiming in cuda_api.h). Off, a PhaseTimer does nothing.
#pragma once
#include <cuda_runtime.h>

#include <utility>
#include <vector>

namespace gated::cuda {

// Only the main stream's work is timed: a call whose directions overlap on two streams passes
// timeable false.
class PhaseTimer {
 public:
  explicit PhaseTimer(bool timeable);
  // The work queued on the main stream from now on belongs to `phase` (a string literal).
  void enter(const char* phase);
  // Records the end, waits for it, and adds each phase's time to the totals (takePhaseTimes() in
  // cuda_api.h).
  ~PhaseTimer();
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  bool on_;
  std::vector<std::pair<const char*, cudaEvent_t>> marks_;  // each phase and the event at its start
};

}  // namespace gated::cuda
