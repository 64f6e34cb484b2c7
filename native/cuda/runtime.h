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

// The stream every kernel, copy and GEMM runs on (created on first use, after ensureUsable()).
cudaStream_t stream();
// The cuBLAS API and a handle bound to stream(), in the current math mode.
const CublasApi& cublas();
cublasHandle_t cublasHandle();

// Threads per block of the element-wise kernels, and the blocks covering `count` elements.
constexpr int kThreads = 256;
inline unsigned blocksFor(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);  // grid.x reaches 2^31 - 1
}

}  // namespace gated::cuda
