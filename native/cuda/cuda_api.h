// The CUDA backend as the N-API layer sees it: plain C++, no CUDA headers, so the bindings compile
// without nvcc. Built from the .cu/.cc files of this folder, or from cuda_stub.cc when the addon
// has no CUDA; every function then throws CudaError explaining why.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/persistent_plan.h"
#include "../cpu/rnn_cpu.h"

namespace gated::cuda {

// A failed CUDA or cuBLAS call, or CUDA being unusable. outOfMemory marks a failed allocation
// (after the cache was emptied and the allocation retried): the process stays usable.
class CudaError : public std::runtime_error {
 public:
  explicit CudaError(const std::string& message, bool outOfMemory = false)
      : std::runtime_error(message), outOfMemory_(outOfMemory) {}
  bool outOfMemory() const { return outOfMemory_; }

 private:
  bool outOfMemory_;
};

// Throws CudaError with the reason when CUDA or cuBLAS cannot be used; the first call loads cuBLAS.
void ensureUsable();
// Why CUDA cannot be used ("" when it can), without throwing; loads cuBLAS on first use.
std::string unusableReason();
// Where cuBLAS was loaded from ("" when it was not).
std::string cublasPath();

// Device memory through a caching allocator: freed blocks are kept for reuse by size. Work runs in
// order on one stream, so a block released after its last kernel was queued is safe to hand out
// again. (The side stream of a bidirectional layer, DirectionStreams::Two, only touches blocks
// allocated before it forks and released after it joins.)
void* allocate(size_t bytes);
void release(void* pointer);
struct AllocatorStats {
  uint64_t allocatedBytes = 0;  // in live blocks
  uint64_t cachedBytes = 0;     // in free blocks kept for reuse
  uint64_t peakBytes = 0;       // largest allocatedBytes seen
  uint64_t deviceAllocations = 0;  // cudaMalloc calls so far
};
AllocatorStats allocatorStats();
void emptyCache();  // returns the free blocks to the driver

void copyToDevice(void* device, const void* host, size_t bytes);  // host may change once it returns
void copyToHost(void* host, const void* device, size_t bytes);  // waits for the stream
void copyOnDevice(void* to, const void* from, size_t bytes);
void fillZero(void* device, size_t bytes);
void synchronize();
uint64_t hostWaitCount();  // the host's waits for the stream so far (synchronize, copyToHost)

// Float32 GEMMs in TF32 (tensor cores, 10-bit mantissa) instead of full float32: off by default.
void setTf32(bool enabled);
bool tf32();

// How a layer's steps run on CUDA. Gemm: per step one cuBLAS product and one fused kernel.
// Persistent: one cooperative kernel for all steps with W_hh on chip, forward and backward
// (every dtype, batch up to 64, when a block's share fits in shared memory; other calls take the
// GEMM path). Auto: the GEMM path, until the persistent kernels have passed the GPU check on a
// card.
enum class RecurrenceKernel : int { Auto = 0, Gemm = 1, Persistent = 2 };
void setRecurrenceKernel(RecurrenceKernel kernel);
RecurrenceKernel recurrenceKernel();
// How the two directions of a bidirectional layer run on CUDA. One: one after the other on one
// stream. Two: the reverse direction on a second stream, so that the two recurrences (each a chain
// of small launches at small batch) overlap; the GEMM path only. Auto: One, until Two has passed
// the GPU check and won its benchmark on a card.
enum class DirectionStreams : int { Auto = 0, One = 1, Two = 2 };
void setDirectionStreams(DirectionStreams streams);
DirectionStreams directionStreams();
// How uploads from host memory go. Pageable: straight from it (the driver may wait for the stream
// to stage it). Pinned: through a pinned staging ring, which never waits unless the ring is full
// of copies not yet done. Auto: Pageable, until the GPU check has timed both on a card.
enum class UploadPath : int { Auto = 0, Pageable = 1, Pinned = 2 };
void setUploadPath(UploadPath path);
UploadPath uploadPath();
// Whether the GEMM path queues each layer's step loop (forward and backward) as one CUDA graph.
// On: the second time a loop comes with the same launches (the same shapes, buffers, stream and
// math mode: a training or inference loop over the same model), its launches are captured into a
// graph, which runs in their place from then on (step_graphs.h). Off: launch by launch. Auto: Off,
// until the graphs have passed the GPU check and won its benchmark on a card.
enum class StepGraphs : int { Auto = 0, Off = 1, On = 2 };
void setStepGraphs(StepGraphs graphs);
StepGraphs stepGraphs();
void noteGraphCapture();
uint64_t graphCaptureCount();  // step loops captured into graphs so far
void noteGraphLaunch();
uint64_t graphLaunchCount();   // launches of those graphs so far (tests check that the graphs ran)
// Whether the persistent kernels run stacked unidirectional layers as one wavefront launch (see
// WavefrontMode).
void setLayerWavefront(WavefrontMode mode);
WavefrontMode layerWavefront();
// Timing the phases of the recurrent layers' calls (input projections, recurrence, weight and
// input gradients, outputs and copies), for the GPU benchmark's breakdown: while on, each call
// records CUDA events as it queues its work on the main stream and waits for them at its end (so
// it runs slower, from an idle GPU each time), adding each phase's time to totals that
// takePhaseTimes() hands over and clears (ms per phase, in first-seen order). A call whose
// directions overlap on two streams is not timed.
void setPhaseTiming(bool on);
std::vector<std::pair<std::string, double>> takePhaseTimes();
void notePersistentLaunch();
uint64_t persistentLaunchCount();  // launches so far (tests check the kernel they forced ran)
void noteSideStreamFork();
uint64_t sideStreamForkCount();    // forks of the side stream so far (tests check that 'two' used it)
// The persistent kernels' plan for the forward or backward pass of a layer of this shape (layers
// over 1: the forward pass of that many of its layers as a wavefront), with elements of
// elementBytes bytes, on this GPU (persistentPlanFor with its limits, every block resident; cached
// per shape, layers, direction of work and element size), or none (blocks 0) without CUDA or
// where they do not take it.
PersistentPlan persistentPlan(const RnnShape& shape, bool backward, size_t elementBytes, int64_t layers = 1);
// The forward plan of the wavefront that the persistent kernels would run from layer `first` of
// this shape on (wavefrontPlan, with the switch layerWavefront()), or none (blocks 0).
PersistentPlan persistentWavefront(const RnnShape& shape, int64_t first, size_t elementBytes);

// The recurrent network on device buffers: every pointer in the arguments is a device pointer,
// except lengths, which is read on the host ([B]) and copied over. keepsReserve: the caller keeps
// the reserve for a backward pass, so the forward pass stores the gate activations.
template <typename T> void rnnForwardCuda(const RnnForwardArgs<T>& args, bool keepsReserve);
template <typename T> void rnnBackwardCuda(const RnnBackwardArgs<T>& args);

// data [count] *= the dropout factors the CPU's applyDropoutMask uses (the same masks).
template <typename T> void applyDropoutMask(const DropoutSpec& spec, uint32_t stream, T* data, int64_t count);

// out [count] = a [count] + b [count] on the device (gradient accumulation).
template <typename T> void addArrays(const T* a, const T* b, T* out, int64_t count);

}  // namespace gated::cuda
