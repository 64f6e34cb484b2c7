#include "phase_timer.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

#include "runtime.h"

namespace gated::cuda {
namespace {

std::atomic<bool> timing{false};
std::mutex totalsMutex;
std::vector<std::pair<std::string, double>> totals;  // ms per phase, in first-seen order

void addTime(const char* phase, double ms) {
  std::lock_guard<std::mutex> lock(totalsMutex);
  for (auto& [name, total] : totals) {
    if (name == phase) {
      total += ms;
      return;
    }
  }
  totals.emplace_back(phase, ms);
}

}  // namespace

void setPhaseTiming(bool on) { timing.store(on); }

std::vector<std::pair<std::string, double>> phaseTimes() {
  std::lock_guard<std::mutex> lock(totalsMutex);
  return totals;
}

void clearPhaseTimes() {
  std::lock_guard<std::mutex> lock(totalsMutex);
  totals.clear();
}

PhaseTimer::PhaseTimer(bool timeable) : on_(timeable && timing.load()) {}

void PhaseTimer::enter(const char* phase) {
  if (!on_ || (!marks_.empty() && std::strcmp(marks_.back().first, phase) == 0)) return;
  cudaEvent_t event = nullptr;
  checkCuda(cudaEventCreate(&event), "cudaEventCreate");
  marks_.emplace_back(phase, event);
  checkCuda(cudaEventRecord(event, stream()), "cudaEventRecord");
}

// A failure here (the call's own error is on its way, or the device failed) drops the timings:
// a destructor must not throw.
PhaseTimer::~PhaseTimer() {
  if (marks_.empty()) return;
  cudaEvent_t end = nullptr;
  const bool recorded = cudaEventCreate(&end) == cudaSuccess && cudaEventRecord(end, stream()) == cudaSuccess &&
                        cudaEventSynchronize(end) == cudaSuccess;
  for (size_t i = 0; i < marks_.size(); ++i) {
    float ms = 0;
    const cudaEvent_t next = i + 1 < marks_.size() ? marks_[i + 1].second : end;
    if (recorded && cudaEventElapsedTime(&ms, marks_[i].second, next) == cudaSuccess) addTime(marks_[i].first, ms);
  }
  for (const auto& mark : marks_) cudaEventDestroy(mark.second);
  if (end) cudaEventDestroy(end);
}

}  // namespace gated::cuda
