// The CUDA backend of an addon built without CUDA: every entry point throws, saying why.
#include "cuda_api.h"

namespace gated::cuda {
namespace {

[[noreturn]] void unavailable() { throw CudaError("gated: CUDA is not usable: " + unusableReason()); }

}  // namespace

std::string unusableReason() {
  return "this build of gated has no CUDA support (built CPU-only: GATED_CPU_ONLY=1, node-gyp, no nvcc, or no cuBLAS "
         "headers at build time)";
}
std::string cublasPath() { return ""; }
void ensureUsable() { unavailable(); }
void* allocate(size_t) { unavailable(); }
void release(void*) {}
AllocatorStats allocatorStats() { return {}; }
void emptyCache() {}
void copyToDevice(void*, const void*, size_t) { unavailable(); }
void copyToHost(void*, const void*, size_t) { unavailable(); }
void copyOnDevice(void*, const void*, size_t) { unavailable(); }
void fillZero(void*, size_t) { unavailable(); }
void synchronize() { unavailable(); }
uint64_t hostWaitCount() { return 0; }
void setTf32(bool) { unavailable(); }
bool tf32() { return false; }
template <typename T> void rnnForwardCuda(const RnnForwardArgs<T>&, bool) { unavailable(); }
template <typename T> void rnnBackwardCuda(const RnnBackwardArgs<T>&) { unavailable(); }
template <typename T> void addArrays(const T*, const T*, T*, int64_t) { unavailable(); }
PersistentPlan persistentPlan(const RnnShape&, bool, size_t, int64_t) { return {}; }
PersistentPlan persistentWavefront(const RnnShape&, int64_t, size_t) { return {}; }
void setPhaseTiming(bool) {}
std::vector<std::pair<std::string, double>> takePhaseTimes() { return {}; }
template <typename T> void applyDropoutMask(const DropoutSpec&, uint32_t, T*, int64_t) { unavailable(); }

#include "rnn_instances.h"

}  // namespace gated::cuda
