#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <vector>

namespace gated {
namespace {

std::atomic<GemmKernel> selectedKernel{GemmKernel::Blocked};

// Register block of the micro-kernel and cache blocks of the packed panels.
// A row of the register block is two 32-byte vectors: 16 floats or 8 doubles.
template <typename T> struct VectorOf;
template <> struct VectorOf<float> { typedef float type __attribute__((vector_size(32))); };
template <> struct VectorOf<double> { typedef double type __attribute__((vector_size(32))); };
template <typename T>
using Vec = typename VectorOf<T>::type;
template <typename T>
constexpr int64_t kNR = 2 * static_cast<int64_t>(32 / sizeof(T));
constexpr int64_t kMR = 6;
// At most this many rows of C take the unpacked path (products with one or a few hidden states).
constexpr int64_t kSmallRows = 4;
// Lanes of independent partial sums in dot products, wide enough for the compiler to vectorise.
constexpr int64_t kLanes = 16;

// Each hot loop is compiled for AVX-512, AVX2+FMA and the baseline, and picked at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GATED_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GATED_MULTIVERSION
#endif
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
  for (int64_t jr = 0; jr < nc; jr += kNR<T>) {
    const int64_t cols = std::min(kNR<T>, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t c = 0; c < kNR<T>; ++c) {
        *packedB++ = c < cols ? elementB(transB, B, ldb, p0 + p, j0 + jr + c) : T(0);
      }
    }
  }
}

// C[rows, cols] += alpha * packedA panel [kc, MR] x packedB panel [kc, NR].
template <typename T>
inline __attribute__((always_inline)) void microKernelBody(int64_t kc, const T* __restrict packedA,
                                                           const T* __restrict packedB, T alpha, T* C,
                                                           int64_t ldc, int64_t rows, int64_t cols) {
  constexpr int64_t half = kNR<T> / 2;
  Vec<T> acc[kMR][2] = {};
  for (int64_t p = 0; p < kc; ++p) {
    Vec<T> b0, b1;
    __builtin_memcpy(&b0, packedB + p * kNR<T>, sizeof(b0));
    __builtin_memcpy(&b1, packedB + p * kNR<T> + half, sizeof(b1));
    const T* a = packedA + p * kMR;
    for (int64_t r = 0; r < kMR; ++r) {
      acc[r][0] += b0 * a[r];
      acc[r][1] += b1 * a[r];
    }
  }
  T tile[kMR][kNR<T>];
  __builtin_memcpy(tile, acc, sizeof(tile));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) C[r * ldc + c] += alpha * tile[r][c];
  }
}

GATED_MULTIVERSION void microKernel(int64_t kc, const float* packedA, const float* packedB, float alpha, float* C,
                                    int64_t ldc, int64_t rows, int64_t cols) {
  microKernelBody(kc, packedA, packedB, alpha, C, ldc, rows, cols);
}
GATED_MULTIVERSION void microKernel(int64_t kc, const double* packedA, const double* packedB, double alpha, double* C,
                                    int64_t ldc, int64_t rows, int64_t cols) {
  microKernelBody(kc, packedA, packedB, alpha, C, ldc, rows, cols);
}

// sum_p a[p] * b[p] over K, in kLanes independent partial sums.
template <typename T>
inline __attribute__((always_inline)) T dotBody(int64_t K, const T* __restrict a, const T* __restrict b) {
  T lanes[kLanes] = {};
  int64_t p = 0;
  for (; p + kLanes <= K; p += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) lanes[l] += a[p + l] * b[p + l];
  }
  T sum = 0;
  for (; p < K; ++p) sum += a[p] * b[p];
  for (int64_t l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

// c[N] += alpha * a[K] . op(B) for one row of C, B unpacked: dot products with B's rows when
// transB (B [N, ldb]), else a sum of B's rows scaled by a (B [K, ldb]).
template <typename T>
inline __attribute__((always_inline)) void rowTimesMatrixBody(bool transB, int64_t N, int64_t K, T alpha,
                                                              const T* __restrict a, const T* __restrict B,
                                                              int64_t ldb, T* __restrict c) {
  if (transB) {
    for (int64_t j = 0; j < N; ++j) c[j] += alpha * dotBody(K, a, B + j * ldb);
  } else {
    for (int64_t p = 0; p < K; ++p) {
      const T scale = alpha * a[p];
      const T* row = B + p * ldb;
      for (int64_t j = 0; j < N; ++j) c[j] += scale * row[j];
    }
  }
}
GATED_MULTIVERSION void rowTimesMatrix(bool transB, int64_t N, int64_t K, float alpha, const float* a, const float* B,
                                       int64_t ldb, float* c) {
  rowTimesMatrixBody(transB, N, K, alpha, a, B, ldb, c);
}
GATED_MULTIVERSION void rowTimesMatrix(bool transB, int64_t N, int64_t K, double alpha, const double* a,
                                       const double* B, int64_t ldb, double* c) {
  rowTimesMatrixBody(transB, N, K, alpha, a, B, ldb, c);
}

// Few rows of C with A not transposed: no packing, each row streams B once.
template <typename T>
void gemmFewRows(bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) rowTimesMatrix(transB, N, K, alpha, A + i * lda, B, ldb, C + i * ldc);
}

template <typename T>
void gemmBlocked(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  thread_local std::vector<T> packedA, packedB;
  packedA.resize(static_cast<size_t>(((kMC + kMR - 1) / kMR) * kMR * kKC));
  packedB.resize(static_cast<size_t>(((kNC + kNR<T> - 1) / kNR<T>) * kNR<T> * kKC));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      packB(transB, B, ldb, pc, kc, jc, nc, packedB.data());
      for (int64_t ic = 0; ic < M; ic += kMC) {
        const int64_t mc = std::min(kMC, M - ic);
        packA(transA, A, lda, ic, mc, pc, kc, packedA.data());
        for (int64_t jr = 0; jr < nc; jr += kNR<T>) {
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            microKernel(kc, packedA.data() + ir * kc, packedB.data() + jr * kc, alpha,
                        C + (ic + ir) * ldc + jc + jr, ldc, std::min(kMR, mc - ir), std::min(kNR<T>, nc - jr));
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
  } else if (!transA && M <= kSmallRows) {
    gemmFewRows(transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  } else {
    gemmBlocked(transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace gated
