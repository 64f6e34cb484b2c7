// The innermost loops of the GEMM, written once with GCC vector types and compiled per instruction
// set by gemm_isa.cc. The packed panel layouts are shared with gemm.cc.
#pragma once
#include <cstdint>

#include "simd.h"

namespace gated::gemm_detail {

using simd::loadVector;
using simd::storeVector;

// Vectors of `Bytes` bytes: 32 (AVX2 and the baseline) or 64 (AVX-512).
template <typename T, int Bytes> struct VectorOf;
template <> struct VectorOf<float, 32> { typedef float type __attribute__((vector_size(32))); };
template <> struct VectorOf<double, 32> { typedef double type __attribute__((vector_size(32))); };
template <> struct VectorOf<float, 64> { typedef float type __attribute__((vector_size(64))); };
template <> struct VectorOf<double, 64> { typedef double type __attribute__((vector_size(64))); };
template <typename T, int Bytes>
using Vec = typename VectorOf<T, Bytes>::type;

// Register block: kMR rows of C by NR columns, two vectors wide (NR = 2 * Bytes / sizeof(T)).
constexpr int64_t kMR = 6;
template <typename T, int Bytes>
constexpr int64_t kNR = 2 * static_cast<int64_t>(Bytes / sizeof(T));
// The widest NR of any instruction set, for sizing pack buffers.
template <typename T>
constexpr int64_t kMaxNR = kNR<T, 64>;
// Independent partial sums of a dot product, enough for the compiler to vectorise without reassociating.
constexpr int64_t kLanes = 16;

// C[rows, cols] = start + alpha * packedA [kc, kMR] x packedB [kc, NR] (kc >= 1), where start [rows, cols]
// (row stride startStride) is C itself (accumulate), a row repeated (stride 0: a bias), or zero (null).
template <typename T, int Bytes>
inline __attribute__((always_inline)) void microKernelBody(int64_t kc, const T* __restrict packedA,
                                                           const T* __restrict packedB, T alpha, T* C,
                                                           int64_t ldc, int64_t rows, int64_t cols, const T* start,
                                                           int64_t startStride) {
  constexpr int64_t nr = kNR<T, Bytes>;
  constexpr int64_t half = nr / 2;
  for (int64_t r = 0; r < rows; ++r) __builtin_prefetch(C + r * ldc, 1);  // the tile's rows arrive during the loop
  // The sums start from the first product (kc >= 1), not from zeros: with `= {}` GCC also zeroes a
  // copy of them on the stack at every call.
  Vec<T, Bytes> acc[kMR][2];
  for (int64_t h = 0; h < 2; ++h) {
    const auto b = loadVector<Vec<T, Bytes>>(packedB + h * half);
    for (int64_t r = 0; r < kMR; ++r) acc[r][h] = b * packedA[r];
  }
  for (int64_t p = 1; p < kc; ++p) {
    const auto b0 = loadVector<Vec<T, Bytes>>(packedB + p * nr);
    const auto b1 = loadVector<Vec<T, Bytes>>(packedB + p * nr + half);
    const T* a = packedA + p * kMR;
    for (int64_t r = 0; r < kMR; ++r) {
      acc[r][0] += b0 * a[r];
      acc[r][1] += b1 * a[r];
    }
  }
  if (rows == kMR && cols == nr) {  // a whole tile: vector updates
    for (int64_t r = 0; r < kMR; ++r) {
      for (int64_t h = 0; h < 2; ++h) {
        Vec<T, Bytes> c = {};
        if (start) c = loadVector<Vec<T, Bytes>>(start + r * startStride + h * half);
        storeVector(C + r * ldc + h * half, c + acc[r][h] * alpha);
      }
    }
    return;
  }
  T tile[kMR][nr];  // a part tile: the sums leave the registers once, then go out element by element
  for (int64_t r = 0; r < kMR; ++r) {
    storeVector(tile[r], acc[r][0]);
    storeVector(tile[r] + half, acc[r][1]);
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      C[r * ldc + c] = (start ? start[r * startStride + c] : T(0)) + alpha * tile[r][c];
    }
  }
}

// sum_p a[p] * b[p] over K.
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

// c[N] += alpha * a[K] . op(B), B unpacked: dot products with B's rows when transB (B [N, ldb]),
// else a sum of B's rows scaled by a (B [K, ldb]).
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

// The panels of a recurrent product (recurrent_product.h): op(B) [K, N] as [ceil(N / NR), K, NR],
// zero-padded columns. Rows of A are read in place (a step's state, already in cache), so there is
// nothing to pack per step.

// How many panels one pass of `rows` rows of A covers: enough accumulators to hide the FMA latency
// at one or two rows, and no more than the vector registers hold.
template <int Bytes>
constexpr int panelsPerPass(int rows) {
  if (Bytes == 64) return rows <= 2 ? 4 : 2;
  return rows == 1 ? 4 : rows == 2 ? 2 : 1;
}

// C [R, cols] (=|+=) A [R, K] (lda) x P panels [K, NR] spaced panelStride apart; cols <= P * NR, K >= 1.
template <typename T, int Bytes, int R, int P>
inline __attribute__((always_inline)) void panelPass(int64_t K, const T* __restrict A, int64_t lda,
                                                     const T* __restrict panels, int64_t panelStride, T* C,
                                                     int64_t ldc, int64_t cols, bool accumulate) {
  typedef Vec<T, Bytes> V;
  constexpr int64_t lanes = Bytes / static_cast<int64_t>(sizeof(T));
  constexpr int64_t nr = 2 * lanes;
  V acc[R][P][2];  // started by the first product (K >= 1), as in microKernelBody
  for (int q = 0; q < P; ++q) {
    for (int h = 0; h < 2; ++h) {
      const V b = loadVector<V>(panels + q * panelStride + h * lanes);
      for (int r = 0; r < R; ++r) acc[r][q][h] = b * A[r * lda];
    }
  }
  for (int64_t k = 1; k < K; ++k) {
    V b[P][2];
    for (int q = 0; q < P; ++q) {
      b[q][0] = loadVector<V>(panels + q * panelStride + k * nr);
      b[q][1] = loadVector<V>(panels + q * panelStride + k * nr + lanes);
    }
    for (int r = 0; r < R; ++r) {
      const T a = A[r * lda + k];
      for (int q = 0; q < P; ++q) {
        acc[r][q][0] += b[q][0] * a;
        acc[r][q][1] += b[q][1] * a;
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int64_t v = 0; v < 2 * P; ++v) {
      const int64_t column = v * lanes;
      if (column >= cols) break;
      T* out = C + r * ldc + column;
      const V& sum = acc[r][v / 2][v % 2];
      if (column + lanes <= cols) {
        storeVector(out, accumulate ? sum + loadVector<V>(out) : sum);
      } else {
        for (int64_t c = 0; c < cols - column; ++c) out[c] = accumulate ? out[c] + sum[c] : sum[c];
      }
    }
  }
}

// Every panel group for R rows: P panels at a time, then the leftover panels one by one.
template <typename T, int Bytes, int R>
inline __attribute__((always_inline)) void panelRows(int64_t N, int64_t K, const T* A, int64_t lda, const T* panels,
                                                     T* C, int64_t ldc, bool accumulate) {
  constexpr int64_t nr = kNR<T, Bytes>;
  constexpr int P = panelsPerPass<Bytes>(R);
  const int64_t panelStride = K * nr;
  int64_t j = 0;
  for (; j + P * nr <= N; j += P * nr) {
    panelPass<T, Bytes, R, P>(K, A, lda, panels + (j / nr) * panelStride, panelStride, C + j, ldc, P * nr, accumulate);
  }
  for (; j < N; j += nr) {
    const int64_t cols = N - j < nr ? N - j : nr;
    panelPass<T, Bytes, R, 1>(K, A, lda, panels + (j / nr) * panelStride, panelStride, C + j, ldc, cols, accumulate);
  }
}

// C [M, N] (=|+=) A [M, K] (lda) x op(B) from its panels, six rows of A per pass.
template <typename T, int Bytes>
inline __attribute__((always_inline)) void panelProductBody(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda,
                                                            const T* panels, T* C, int64_t ldc, bool accumulate) {
  int64_t i = 0;
  for (; i + 6 <= M; i += 6) panelRows<T, Bytes, 6>(N, K, A + i * lda, lda, panels, C + i * ldc, ldc, accumulate);
  const T* a = A + i * lda;
  T* c = C + i * ldc;
  switch (M - i) {
    case 5: return panelRows<T, Bytes, 5>(N, K, a, lda, panels, c, ldc, accumulate);
    case 4: return panelRows<T, Bytes, 4>(N, K, a, lda, panels, c, ldc, accumulate);
    case 3: return panelRows<T, Bytes, 3>(N, K, a, lda, panels, c, ldc, accumulate);
    case 2: return panelRows<T, Bytes, 2>(N, K, a, lda, panels, c, ldc, accumulate);
    case 1: return panelRows<T, Bytes, 1>(N, K, a, lda, panels, c, ldc, accumulate);
    default: return;
  }
}

template <typename T>
struct IsaKernels {
  int64_t nr;  // columns of the micro-kernel's panels
  void (*micro)(int64_t kc, const T* packedA, const T* packedB, T alpha, T* C, int64_t ldc, int64_t rows,
                int64_t cols, const T* start, int64_t startStride);
  void (*rowTimesMatrix)(bool transB, int64_t N, int64_t K, T alpha, const T* a, const T* B, int64_t ldb, T* c);
  void (*panelProduct)(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* panels, T* C, int64_t ldc,
                       bool accumulate);
};

// The kernels compiled for one instruction set (0 baseline, 1 AVX2+FMA, 2 AVX-512).
template <typename T>
IsaKernels<T> kernelsFor(int isa);

}  // namespace gated::gemm_detail
