// The float32 activation kernels of activations_kernels.h, compiled once per instruction set.
#include "activations_kernels.h"

namespace gated::activation_detail {
namespace {

// LANES: 8 for the 32-byte vectors of AVX2 (and the baseline, as pairs of SSE registers), 16 for AVX-512.
#define GATED_ACTIVATION_KERNELS(NAME, TARGET, LANES)                                                                  \
  namespace NAME {                                                                                                     \
  TARGET void sigmoid(const float* in, float* out, int64_t n) { mapArray<LANES, sigmoidV<LANES>>(in, out, n); }        \
  TARGET void tanh(const float* in, float* out, int64_t n) { mapArray<LANES, tanhV<LANES>>(in, out, n); }              \
  TARGET void lstmRow(int64_t n, int64_t H, const float* x, const float* hg, const float* cPrev, float* act,          \
                      float* cNext, float* hNext) {                                                                    \
    fusedRow<LANES, 4>(n, H, x, hg, cPrev, act, cNext, hNext, lstmLanes<LANES>);                                       \
  }                                                                                                                    \
  TARGET void gruRow(int64_t n, int64_t H, const float* x, const float* hg, const float* hPrev, float* act,           \
                     float* hiddenN, float* hNext) {                                                                   \
    fusedRow<LANES, 3>(n, H, x, hg, hPrev, act, hiddenN, hNext, gruLanes<LANES>);                                      \
  }                                                                                                                    \
  }

GATED_ACTIVATION_KERNELS(baseline, , 8)
#if defined(__x86_64__) && defined(__GNUC__)
GATED_ACTIVATION_KERNELS(avx2, __attribute__((target("arch=x86-64-v3"))), 8)
GATED_ACTIVATION_KERNELS(avx512, __attribute__((target("arch=x86-64-v4"))), 16)
#endif

}  // namespace

ActivationKernels activationKernelsFor(int isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == 2) return {&avx512::sigmoid, &avx512::tanh, &avx512::lstmRow, &avx512::gruRow};
  if (isa == 1) return {&avx2::sigmoid, &avx2::tanh, &avx2::lstmRow, &avx2::gruRow};
#endif
  (void)isa;
  return {&baseline::sigmoid, &baseline::tanh, &baseline::lstmRow, &baseline::gruRow};
}

}  // namespace gated::activation_detail
