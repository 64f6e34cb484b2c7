#include "gemm_cuda.h"

#include <climits>

#include "runtime.h"

namespace gated::cuda {
namespace {

int narrow(int64_t value, const char* what) {
  if (value > INT_MAX) throw CudaError(std::string("gated: a GEMM dimension (") + what + ") exceeds cuBLAS's 32-bit limit");
  return static_cast<int>(value);
}

}  // namespace

// cuBLAS is column-major: a row-major X is a column-major X^T, so C^T = op(B)^T op(A)^T.
template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N, opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = narrow(N, "N"), n = narrow(M, "M"), k = narrow(K, "K");
  const int ldA = narrow(lda, "lda"), ldB = narrow(ldb, "ldb"), ldC = narrow(ldc, "ldc");
  if constexpr (sizeof(T) == 4) {
    checkCublas(cublas().sgemm(cublasHandle(), opB, opA, m, n, k, &alpha, B, ldB, A, ldA, &beta, C, ldC), "cublasSgemm");
  } else {
    checkCublas(cublas().dgemm(cublasHandle(), opB, opA, m, n, k, &alpha, B, ldB, A, ldA, &beta, C, ldC), "cublasDgemm");
  }
}

void gemmReduced(OperandPrecision precision, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                 const uint16_t* A, int64_t lda, const uint16_t* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  const cublasOperation_t opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N, opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = narrow(N, "N"), n = narrow(M, "M"), k = narrow(K, "K");
  const int ldA = narrow(lda, "lda"), ldB = narrow(ldb, "ldb"), ldC = narrow(ldc, "ldc");
  const cudaDataType operands = precision == OperandPrecision::Float16 ? CUDA_R_16F : CUDA_R_16BF;
  checkCublas(cublas().gemmEx(cublasHandle(), opB, opA, m, n, k, &alpha, B, operands, ldB, A, operands, ldA, &beta, C,
                              CUDA_R_32F, ldC, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "cublasGemmEx");
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*, int64_t,
                           double, double*, int64_t);

}  // namespace gated::cuda
