// Row-major GEMM on the device through cuBLAS, with the CPU gemm's signature:
// C [M, N] = alpha op(A) op(B) + beta C, op(A) [M, K], op(B) [K, N], leading dimensions in elements.
#pragma once
#include <cstdint>

#include "../core/reduced_float.h"

namespace gated::cuda {

template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc);

// The same product with A and B as 16-bit words of `precision` (bfloat16 or float16, from
// toReducedBits) and C float32, accumulated in float32.
void gemmReduced(OperandPrecision precision, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha,
                 const uint16_t* A, int64_t lda, const uint16_t* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace gated::cuda
