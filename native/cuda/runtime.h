// The process-wide CUDA state shared by the .cu files: one stream, one cuBLAS handle, and checks
// that turn every failed CUDA or cuBLAS call into a CudaError.
#pragma once
#include <cuda_runtime.h>

#include "cublas_loader.h"
#include "cuda_api.h"

namespace gated::cuda {

[[noreturn]] void failCuda(const char* what, cudaError_t error);
inline void checkCuda(cudaError_t error, const char* what) {
  if (error != cudaSuccess) failCuda(what, error);
}
void checkCublas(cublasStatus_t status, const char* what);
// Checks that the kernel just launched was accepted.
void checkLaunch(const char* kernel);
// Counts a wait of the host for the device (hostWaitCount).
void noteHostWait();

// The stream every kernel, copy and GEMM runs on (created on first use, after ensureUsable()): the
// main stream, or the side stream inside a SideStream scope on this thread.
cudaStream_t stream();
// The cuBLAS API and a handle bound to stream(), in the current math mode.
const CublasApi& cublas();
cublasHandle_t cublasHandle();

// The side stream, for work that may overlap the main stream's (the reverse direction of a layer).
// forkSide(): the side stream waits for all work queued on the main stream so far. joinSide(): the
// main stream waits for all work queued on the side stream so far. Between them the side work may
// only use device memory allocated before the fork and released after the join (see allocate()).
void forkSide();
void joinSide();

// While one lives, this thread's launches, copies and GEMMs go to the side stream.
class SideStream {
 public:
  SideStream();
  ~SideStream();
  SideStream(const SideStream&) = delete;
  SideStream& operator=(const SideStream&) = delete;
};

// Threads per block of the element-wise kernels, and the blocks covering `count` elements.
constexpr int kThreads = 256;
inline unsigned blocksFor(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);  // grid.x reaches 2^31 - 1
}

}  // namespace gated::cuda
