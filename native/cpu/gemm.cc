#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <vector>

namespace gated {
namespace {

std::atomic<GemmKernel> selectedKernel{GemmKernel::Blocked};

// Register block of the micro-kernel and cache blocks of the packed panels.
constexpr int64_t kMR = 4;
constexpr int64_t kNR = 16;
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 128;
constexpr int64_t kNC = 2048;

template <typename T>
T elementA(bool transA, const T* A, int64_t lda, int64_t i, int64_t p) {
  return transA ? A[p * lda + i] : A[i * lda + p];
}

template <typename T>
T elementB(bool transB, const T* B, int64_t ldb, int64_t p, int64_t j) {
  return transB ? B[j * ldb + p] : B[p * ldb + j];
}

template <typename T>
void scaleC(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + N, T(0));
    } else {
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
    }
  }
}

template <typename T>
void gemmReference(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                   int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < K; ++p) sum += elementA(transA, A, lda, i, p) * elementB(transB, B, ldb, p, j);
      C[i * ldc + j] += alpha * sum;
    }
  }
}

// packedA: [ceil(mc / MR), kc, MR], zero-padded rows.
template <typename T>
void packA(bool transA, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T* packedA) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int64_t rows = std::min(kMR, mc - ir);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t r = 0; r < kMR; ++r) {
        *packedA++ = r < rows ? elementA(transA, A, lda, i0 + ir + r, p0 + p) : T(0);
      }
    }
  }
}

// packedB: [ceil(nc / NR), kc, NR], zero-padded columns.
template <typename T>
void packB(bool transB, const T* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc, T* packedB) {
  for (int64_t jr = 0; jr < nc; jr += kNR) {
    const int64_t cols = std::min(kNR, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t c = 0; c < kNR; ++c) {
        *packedB++ = c < cols ? elementB(transB, B, ldb, p0 + p, j0 + jr + c) : T(0);
      }
    }
  }
}

// C[rows, cols] += alpha * packedA panel [kc, MR] x packedB panel [kc, NR].
template <typename T>
void microKernel(int64_t kc, const T* __restrict packedA, const T* __restrict packedB, T alpha, T* C,
                 int64_t ldc, int64_t rows, int64_t cols) {
  T acc[kMR][kNR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const T* a = packedA + p * kMR;
    const T* b = packedB + p * kNR;
    for (int64_t r = 0; r < kMR; ++r) {
      for (int64_t c = 0; c < kNR; ++c) acc[r][c] += a[r] * b[c];
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) C[r * ldc + c] += alpha * acc[r][c];
  }
}

template <typename T>
void gemmBlocked(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  thread_local std::vector<T> packedA, packedB;
  packedA.resize(static_cast<size_t>(((kMC + kMR - 1) / kMR) * kMR * kKC));
  packedB.resize(static_cast<size_t>(((kNC + kNR - 1) / kNR) * kNR * kKC));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      packB(transB, B, ldb, pc, kc, jc, nc, packedB.data());
      for (int64_t ic = 0; ic < M; ic += kMC) {
        const int64_t mc = std::min(kMC, M - ic);
        packA(transA, A, lda, ic, mc, pc, kc, packedA.data());
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            microKernel(kc, packedA.data() + ir * kc, packedB.data() + jr * kc, alpha,
                        C + (ic + ir) * ldc + jc + jr, ldc, std::min(kMR, mc - ir), std::min(kNR, nc - jr));
          }
        }
      }
    }
  }
}

}  // namespace

void setGemmKernel(GemmKernel kernel) { selectedKernel.store(kernel); }
GemmKernel gemmKernel() { return selectedKernel.load(); }

template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  scaleC(M, N, beta, C, ldc);
  if (K <= 0 || alpha == T(0)) return;
  if (gemmKernel() == GemmKernel::Reference) {
    gemmReference(transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  } else {
    gemmBlocked(transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace gated
