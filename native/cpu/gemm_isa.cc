// The GEMM kernels of gemm_kernels.h, compiled once per instruction set.
#include "gemm_kernels.h"

// The 64-byte vectors are used only inside the AVX-512 functions, which inline every helper.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gated::gemm_detail {
namespace {

#define GATED_ISA_KERNELS(NAME, TARGET, BYTES)                                                              \
  namespace NAME {                                                                                          \
  template <typename T>                                                                                     \
  TARGET void micro(int64_t kc, const T* a, const T* b, T alpha, T* c, int64_t ldc, int64_t rows,           \
                    int64_t cols, const T* start, int64_t startStride) {                                    \
    microKernelBody<T, BYTES>(kc, a, b, alpha, c, ldc, rows, cols, start, startStride);                     \
  }                                                                                                         \
  template <typename T>                                                                                     \
  TARGET void rowTimesMatrix(bool transB, int64_t N, int64_t K, T alpha, const T* a, const T* B,            \
                             int64_t ldb, T* c) {                                                           \
    rowTimesMatrixBody(transB, N, K, alpha, a, B, ldb, c);                                                  \
  }                                                                                                         \
  template <typename T>                                                                                     \
  TARGET void panelProduct(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* panels, T* C,  \
                           int64_t ldc, bool accumulate) {                                                  \
    panelProductBody<T, BYTES>(M, N, K, A, lda, panels, C, ldc, accumulate);                                \
  }                                                                                                         \
  template <typename T>                                                                                     \
  IsaKernels<T> table() {                                                                                   \
    return IsaKernels<T>{kNR<T, BYTES>, &micro<T>, &rowTimesMatrix<T>, &panelProduct<T>};                   \
  }                                                                                                         \
  }

GATED_ISA_KERNELS(baseline, , 32)
#if defined(__x86_64__) && defined(__GNUC__)
GATED_ISA_KERNELS(avx2, __attribute__((target("arch=x86-64-v3"))), 32)
GATED_ISA_KERNELS(avx512, __attribute__((target("arch=x86-64-v4"))), 64)
#endif

}  // namespace

template <typename T>
IsaKernels<T> kernelsFor(int isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == 2) return avx512::table<T>();
  if (isa == 1) return avx2::table<T>();
#endif
  (void)isa;
  return baseline::table<T>();
}

template IsaKernels<float> kernelsFor<float>(int);
template IsaKernels<double> kernelsFor<double>(int);

}  // namespace gated::gemm_detail
