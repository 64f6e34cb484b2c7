// Scratch memory reused across calls on the same thread. Each slot grows to the largest request
// and is handed out uninitialised: callers write every element before reading it. This keeps the
// per-call cost free of allocation, zeroing and page faults.
#pragma once
#include <cstddef>
#include <memory>

namespace gated {

enum class Scratch : int {
  Reserve = 0, InputGates, HiddenGates, TimeMajorInput, Gates, HiddenGateGrads, Panels, RoundedState,
  ActiveRows, ActiveOperand, ActiveProduct, TokenRows, TokenProducts, Count
};

template <typename T>
T* scratch(Scratch slot, size_t count) {
  thread_local std::unique_ptr<T[]> buffers[static_cast<int>(Scratch::Count)];
  thread_local size_t sizes[static_cast<int>(Scratch::Count)] = {};
  const int i = static_cast<int>(slot);
  if (sizes[i] < count) {
    buffers[i].reset(new T[count]);
    sizes[i] = count;
  }
  return buffers[i].get();
}

}  // namespace gated
