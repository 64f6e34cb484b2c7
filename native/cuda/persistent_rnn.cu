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

// The plan for one shape, direction of work and element size: the attribute set and the
// occupancy query run once.
template <typename T>
PersistentPlan computePlan(const PersistentShape& s, bool backward) {
  const DeviceLimits& l = limits();
  if (!l.cooperative) return {};
  const PersistentPlan plan = persistentPlanFor(s, backward, l.multiprocessors, l.sharedPerBlock, sizeof(T));
  if (plan.blocks == 0) return plan;
  const void* kernel = backward ? reinterpret_cast<const void*>(persistentRecurrence<T, true>)
                                : reinterpret_cast<const void*>(persistentRecurrence<T, false>);
  // The kernel may take up to the device's opt-in maximum (one setting, whatever the plans).
  checkCuda(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(l.sharedPerBlock)),
            "cudaFuncSetAttribute");
  int perMultiprocessor = 0;
  checkCuda(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perMultiprocessor, kernel, kPersistentThreads, plan.sharedBytes),
            "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  // A grid barrier needs every block resident at once.
  if (perMultiprocessor < 1 || plan.blocks > perMultiprocessor * l.multiprocessors) return {};
  return plan;
}

// False when the device refuses the grid as too large to be resident at once (another process or
// context holds multiprocessors: MPS, green contexts); any other failure throws.
template <typename T>
bool launchCooperative(const void* kernel, const PersistentPlan& plan, PersistentLaunch<T> launch, const char* what) {
  // Within the 4 KiB that kernel parameters may take on every CUDA version.
  static_assert(sizeof(PersistentLaunch<T>) <= 4096, "persistent launch parameters too large");
  void* parameters[] = {&launch};
  const cudaError_t error =
      cudaLaunchCooperativeKernel(kernel, dim3(plan.blocks), dim3(kPersistentThreads), parameters, plan.sharedBytes, stream());
  if (error == cudaErrorCooperativeLaunchTooLarge) {
    cudaGetLastError();  // not sticky: clear it
    return false;
  }
  checkCuda(error, what);
  notePersistentLaunch();
  return true;
}

}  // namespace

// The plan queries (cuda_api.h) give none where CUDA is unusable (no driver, no device), as in a
// build without CUDA.
PersistentPlan persistentPlan(const RnnShape& s, bool backward, size_t elementBytes, int64_t layers) {
  if (!unusableReason().empty()) return {};
  if (elementBytes != sizeof(float) && elementBytes != sizeof(double)) return {};
  static std::mutex mutex;
  using Key = std::tuple<PersistentShape, bool, size_t>;
  static std::map<Key, PersistentPlan> plans;
  const PersistentShape shape = PersistentShape::of(s, layers);
  const Key key{shape, backward, elementBytes};
  std::lock_guard<std::mutex> lock(mutex);
  auto found = plans.find(key);
  if (found == plans.end()) {
    const PersistentPlan plan = elementBytes == sizeof(float) ? computePlan<float>(shape, backward) : computePlan<double>(shape, backward);
    found = plans.emplace(key, plan).first;
  }
  return found->second;
}

PersistentPlan persistentWavefront(const RnnShape& s, int64_t first, size_t elementBytes) {
  if (!unusableReason().empty() || !limits().cooperative) return {};
  const auto planOf = [&](int64_t layers) { return persistentPlan(s, false, elementBytes, layers); };
  return wavefrontPlan(s, first, layerWavefront(), limits().multiprocessors, planOf);
}

template <typename T>
bool runPersistentForward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, bool keepActivations,
                          const WavefrontBuffers<T>* wavefront) {
  return launchCooperative(reinterpret_cast<const void*>(persistentRecurrence<T, false>), plan,
                           persistentForwardLaunch(plan, passes, lengths, keepActivations, wavefront),
                           "cudaLaunchCooperativeKernel (persistent forward)");
}

template <typename T>
bool runPersistentBackward(const PersistentPlan& plan, const LayerPass<T>* passes, const int32_t* lengths, T* const* dh,
                           T* const* dc, const T* dLayerOutput, int64_t directions) {
  return launchCooperative(reinterpret_cast<const void*>(persistentRecurrence<T, true>), plan,
                           persistentBackwardLaunch(plan, passes, lengths, dh, dc, dLayerOutput, directions),
                           "cudaLaunchCooperativeKernel (persistent backward)");
}

#define GATED_PERSISTENT_INSTANCES(T)                                                                                    \
  template bool runPersistentForward<T>(const PersistentPlan&, const LayerPass<T>*, const int32_t*, bool,               \
                                        const WavefrontBuffers<T>*);                                                   \
  template bool runPersistentBackward<T>(const PersistentPlan&, const LayerPass<T>*, const int32_t*, T* const*, T* const*, \
                                         const T*, int64_t);
GATED_PERSISTENT_INSTANCES(float)
GATED_PERSISTENT_INSTANCES(double)
#undef GATED_PERSISTENT_INSTANCES

}  // namespace gated::cuda
