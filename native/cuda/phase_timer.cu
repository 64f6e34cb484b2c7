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

std::vector<std::pair<std::string, double>> takePhaseTimes() {
  std::lock_guard<std::mutex> lock(totalsMutex);
  std::vector<std::pair<std::string, double>> taken;
  taken.swap(totals);
  return taken;
}

PhaseTimer::PhaseTimer(bool timeable) : on_(timeable && timing.load()) {}

void PhaseTimer::enter(const char* phase) {
  if (!on_ || (!marks_.empty() && std::strcmp(marks_.back().first, phase) == 0)) return;
  marks_.reserve(marks_.size() + 1);  // so that a recorded event always finds its place
  cudaEvent_t event = nullptr;
  checkCuda(cudaEventCreate(&event), "cudaEventCreate");
  const cudaError_t recorded = cudaEventRecord(event, stream());
  if (recorded != cudaSuccess) cudaEventDestroy(event);
  checkCuda(recorded, "cudaEventRecord");
  marks_.emplace_back(phase, event);
}

// Never throws: a failure here (the call's own error is on its way, or the device failed) drops
// the timings, and clears the error it left so that the next launch does not report it.
PhaseTimer::~PhaseTimer() {
  if (marks_.empty()) return;
  cudaEvent_t end = nullptr;
  bool ok = cudaEventCreate(&end) == cudaSuccess && cudaEventRecord(end, stream()) == cudaSuccess &&
            cudaEventSynchronize(end) == cudaSuccess;
  if (ok) noteHostWait();
  try {
    for (size_t i = 0; ok && i < marks_.size(); ++i) {
      float ms = 0;
      const cudaEvent_t next = i + 1 < marks_.size() ? marks_[i + 1].second : end;
      ok = cudaEventElapsedTime(&ms, marks_[i].second, next) == cudaSuccess;
      if (ok) addTime(marks_[i].first, ms);
    }
  } catch (...) {
  }
  for (const auto& mark : marks_) cudaEventDestroy(mark.second);
  if (end) cudaEventDestroy(end);
  if (!ok) cudaGetLastError();
}

}  // namespace gated::cuda
