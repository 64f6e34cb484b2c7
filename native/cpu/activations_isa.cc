// The float32 activation kernels of activations_kernels.h, compiled once per instruction set.
#include "activations_kernels.h"

namespace gated::activation_detail {
namespace {

#define GATED_ACTIVATION_KERNELS(NAME, TARGET)                                                   \
  namespace NAME {                                                                               \
  TARGET void sigmoid(const float* in, float* out, int64_t n) { mapArray<sigmoidV>(in, out, n); } \
  TARGET void tanh(const float* in, float* out, int64_t n) { mapArray<tanhV>(in, out, n); }       \
  }

GATED_ACTIVATION_KERNELS(baseline, )
#if defined(__x86_64__) && defined(__GNUC__)
GATED_ACTIVATION_KERNELS(avx2, __attribute__((target("arch=x86-64-v3"))))
GATED_ACTIVATION_KERNELS(avx512, __attribute__((target("arch=x86-64-v4"))))
#endif

}  // namespace

ActivationKernels activationKernelsFor(int isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == 2) return {&avx512::sigmoid, &avx512::tanh};
  if (isa == 1) return {&avx2::sigmoid, &avx2::tanh};
#endif
  (void)isa;
  return {&baseline::sigmoid, &baseline::tanh};
}

}  // namespace gated::activation_detail
