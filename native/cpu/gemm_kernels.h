// The innermost loops of the GEMM, written once with GCC vector types and compiled per instruction
// set by gemm_isa.cc. The packed panel layouts are shared with gemm.cc.
#pragma once
#include <cstdint>

namespace gated::gemm_detail {

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

// C[rows, cols] += alpha * packedA [kc, kMR] x packedB [kc, NR].
template <typename T, int Bytes>
inline __attribute__((always_inline)) void microKernelBody(int64_t kc, const T* __restrict packedA,
                                                           const T* __restrict packedB, T alpha, T* C,
                                                           int64_t ldc, int64_t rows, int64_t cols) {
  constexpr int64_t nr = kNR<T, Bytes>;
  constexpr int64_t half = nr / 2;
  Vec<T, Bytes> acc[kMR][2] = {};
  for (int64_t p = 0; p < kc; ++p) {
    Vec<T, Bytes> b0, b1;
    __builtin_memcpy(&b0, packedB + p * nr, sizeof(b0));
    __builtin_memcpy(&b1, packedB + p * nr + half, sizeof(b1));
    const T* a = packedA + p * kMR;
    for (int64_t r = 0; r < kMR; ++r) {
      acc[r][0] += b0 * a[r];
      acc[r][1] += b1 * a[r];
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) C[r * ldc + c] += alpha * acc[r][c / half][c % half];
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

template <typename T>
struct IsaKernels {
  int64_t nr;  // columns of the micro-kernel's panels
  void (*micro)(int64_t kc, const T* packedA, const T* packedB, T alpha, T* C, int64_t ldc, int64_t rows,
                int64_t cols);
  void (*rowTimesMatrix)(bool transB, int64_t N, int64_t K, T alpha, const T* a, const T* B, int64_t ldb, T* c);
};

// The kernels compiled for one instruction set (0 baseline, 1 AVX2+FMA, 2 AVX-512).
template <typename T>
IsaKernels<T> kernelsFor(int isa);

}  // namespace gated::gemm_detail
