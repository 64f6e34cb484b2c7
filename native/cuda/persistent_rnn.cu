#include "persistent_rnn.h"

#include <map>
#include <mutex>
#include <tuple>

#include "persistent_rnn.cuh"
#include "runtime.h"

namespace gated::cuda {
namespace {

struct DeviceLimits {
  int multiprocessors = 0;
  size_t sharedPerBlock = 0;  // with the opt-in
  bool cooperative = false;
};

const DeviceLimits& limits() {
  static const DeviceLimits cached = [] {
    DeviceLimits l;
    int device = 0, value = 0;
    checkCuda(cudaGetDevice(&device), "cudaGetDevice");
    checkCuda(cudaDeviceGetAttribute(&l.multiprocessors, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    checkCuda(cudaDeviceGetAttribute(&value, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "cudaDeviceGetAttribute");
    l.sharedPerBlock = static_cast<size_t>(value);
    checkCuda(cudaDeviceGetAttribute(&value, cudaDevAttrCooperativeLaunch, device), "cudaDeviceGetAttribute");
    l.cooperative = value != 0;
    return l;
  }();
  return cached;
}

// The plan for one (gates, batch, hidden): the attribute set and the occupancy query run once.
PersistentPlan computePlan(const RnnShape& s) {
  PersistentPlan plan;
  const DeviceLimits& l = limits();
  if (!l.cooperative) return plan;
  const int H = static_cast<int>(s.hiddenSize), gates = static_cast<int>(s.gateCount()), B = static_cast<int>(s.batch);
  int blocks = H < l.multiprocessors ? H : l.multiprocessors;
  const int units = (H + blocks - 1) / blocks;
  blocks = (H + units - 1) / units;
  const size_t bytes = persistentSharedBytes(gates, units, B, H);
  if (bytes > l.sharedPerBlock) return plan;
  // The kernel may take up to the device's opt-in maximum (one setting, whatever the plans).
  checkCuda(cudaFuncSetAttribute(persistentRecurrence, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 static_cast<int>(l.sharedPerBlock)),
            "cudaFuncSetAttribute");
  int perMultiprocessor = 0;
  checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perMultiprocessor, persistentRecurrence, kPersistentThreads, bytes),
            "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  // A grid barrier needs every block resident at once.
  if (perMultiprocessor < 1 || blocks > perMultiprocessor * l.multiprocessors) return plan;
  plan.blocks = blocks;
  plan.unitsPerBlock = units;
  plan.sharedBytes = bytes;
  return plan;
}

}  // namespace

bool persistentFits(const RnnShape& shape) { return planPersistent(shape).blocks > 0; }

PersistentPlan planPersistent(const RnnShape& s) {
  if (s.cell == Cell::GruResetBefore || s.batch > kPersistentMaxBatch || s.hiddenSize > (1 << 20)) return {};
  static std::mutex mutex;
  static std::map<std::tuple<int64_t, int64_t, int64_t>, PersistentPlan> plans;
  const std::tuple<int64_t, int64_t, int64_t> key{s.gateCount(), s.batch, s.hiddenSize};
  std::lock_guard<std::mutex> lock(mutex);
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.emplace(key, computePlan(s)).first;
  return found->second;
}

void runPersistent(const PersistentPlan& plan, const LayerPass<float>& p, const int32_t* lengths) {
  PersistentArgs a;
  a.cell = p.cell;
  a.steps = static_cast<int>(p.steps);
  a.batch = static_cast<int>(p.batch);
  a.hidden = static_cast<int>(p.hidden);
  a.gates = static_cast<int>(p.width / p.hidden);
  a.unitsPerBlock = plan.unitsPerBlock;
  a.reverse = p.reverse;
  a.lengths = lengths;
  a.inputGates = p.inputGates;
  a.weight = p.weights.hiddenWeight;
  a.hiddenBias = p.cell == Cell::Gru ? p.weights.hiddenBias : nullptr;
  a.states = p.states;
  a.cells = p.cells;
  void* parameters[] = {&a};
  checkCuda(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistentRecurrence), dim3(plan.blocks), dim3(kPersistentThreads),
                                        parameters, plan.sharedBytes, stream()),
            "cudaLaunchCooperativeKernel (persistent recurrence)");
  notePersistentLaunch();
}

}  // namespace gated::cuda
