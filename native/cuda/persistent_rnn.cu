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

// The plan for one shape and element size: the attribute set and the occupancy query run once.
template <typename T>
PersistentPlan computePlan(const RnnShape& s) {
  const DeviceLimits& l = limits();
  if (!l.cooperative) return {};
  const PersistentPlan plan = persistentPlanFor(s, l.multiprocessors, l.sharedPerBlock, sizeof(T));
  if (plan.blocks == 0) return plan;
  // The kernel may take up to the device's opt-in maximum (one setting, whatever the plans).
  checkCuda(cudaFuncSetAttribute(persistentRecurrence<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 static_cast<int>(l.sharedPerBlock)),
            "cudaFuncSetAttribute");
  int perMultiprocessor = 0;
  checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perMultiprocessor, persistentRecurrence<T>, kPersistentThreads,
                                                          plan.sharedBytes),
            "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  // A grid barrier needs every block resident at once.
  if (perMultiprocessor < 1 || plan.blocks > perMultiprocessor * l.multiprocessors) return {};
  return plan;
}

}  // namespace

bool persistentFits(const RnnShape& shape, size_t elementBytes) { return planPersistent(shape, elementBytes).blocks > 0; }

PersistentPlan planPersistent(const RnnShape& s, size_t elementBytes) {
  if (elementBytes != sizeof(float) && elementBytes != sizeof(double)) return {};
  static std::mutex mutex;
  static std::map<std::tuple<int64_t, int64_t, int64_t, size_t>, PersistentPlan> plans;
  const std::tuple<int64_t, int64_t, int64_t, size_t> key{s.gateCount(), s.batch, s.hiddenSize, elementBytes};
  std::lock_guard<std::mutex> lock(mutex);
  auto found = plans.find(key);
  if (found == plans.end()) {
    found = plans.emplace(key, elementBytes == sizeof(float) ? computePlan<float>(s) : computePlan<double>(s)).first;
  }
  return found->second;
}

template <typename T>
void runPersistent(const PersistentPlan& plan, const LayerPass<T>& p, const int32_t* lengths, bool keepActivations) {
  PersistentArgs<T> a;
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
  a.activations = keepActivations && a.gates > 1 ? p.gates : nullptr;
  a.extra = keepActivations && p.cell == Cell::Gru ? p.extra : nullptr;
  void* parameters[] = {&a};
  checkCuda(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistentRecurrence<T>), dim3(plan.blocks),
                                        dim3(kPersistentThreads), parameters, plan.sharedBytes, stream()),
            "cudaLaunchCooperativeKernel (persistent recurrence)");
  notePersistentLaunch();
}

template void runPersistent<float>(const PersistentPlan&, const LayerPass<float>&, const int32_t*, bool);
template void runPersistent<double>(const PersistentPlan&, const LayerPass<double>&, const int32_t*, bool);

}  // namespace gated::cuda
