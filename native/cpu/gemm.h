// Dense matrix product on the CPU, row-major: C = alpha * op(A) * op(B) + beta * C.
#pragma once
#include <cstdint>

namespace gated {

// Which implementation gemm() uses. Tests force each one; users keep the default.
enum class GemmKernel { Blocked = 0, Reference = 1 };
void setGemmKernel(GemmKernel kernel);
GemmKernel gemmKernel();

// op(A): [M, K] (A is [M, lda] when !transA, [K, lda] when transA)
// op(B): [K, N] (B is [K, ldb] when !transB, [N, ldb] when transB)
// C:     [M, ldc]; beta == 0 overwrites C without reading it.
template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

}  // namespace gated
