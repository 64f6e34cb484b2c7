// cuBLAS, loaded at run time so the addon loads (and the CPU path works) where libcublas is absent.
// Search order: GATED_CUBLAS_PATH (the library or its folder), the system library path, then the
// nvidia/cu13/lib folder of Python's nvidia-cublas wheel when python3 has one.
#pragma once
#include <cublas_v2.h>

#include <string>

namespace gated::cuda {

struct CublasApi {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) setStream = nullptr;
  decltype(&cublasSetMathMode) setMathMode = nullptr;
  decltype(&cublasSetWorkspace_v2) setWorkspace = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
  decltype(&cublasDgemm_v2) dgemm = nullptr;
  // cublasGemmEx with a cublasComputeType_t (C++ also sees a deprecated cudaDataType overload):
  // bfloat16 / float16 operands, float32 accumulation.
  cublasStatus_t (*gemmEx)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int, const void*, const void*,
                           cudaDataType, int, const void*, cudaDataType, int, const void*, void*, cudaDataType, int,
                           cublasComputeType_t, cublasGemmAlgo_t) = nullptr;
  decltype(&cublasGetStatusString) statusString = nullptr;
  std::string path;  // the library that was loaded
};

// The loaded API, or null with `reason` saying why cuBLAS could not be loaded. Loads once.
const CublasApi* loadCublas(std::string* reason);

}  // namespace gated::cuda
