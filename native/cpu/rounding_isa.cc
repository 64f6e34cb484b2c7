// The rounding loops of rounding.h, compiled once per instruction set. Without trapping math, GCC
// may evaluate both sides of the selects in reduced_float.h's functions, so the loops vectorise
// (the program never reads the floating-point exception flags).
#pragma GCC optimize("no-trapping-math")
#include "rounding.h"

#include "gemm.h"

namespace gated {
namespace {

struct RoundingKernels {
  void (*bfloat16)(const float* values, float* out, int64_t n);
  void (*float16)(const float* values, float* out, int64_t n);
};

#define GATED_ROUNDING_KERNELS(NAME, TARGET)                                                   \
  namespace NAME {                                                                             \
  TARGET void bfloat16(const float* values, float* out, int64_t n) {                           \
    for (int64_t i = 0; i < n; ++i) out[i] = bfloat16Value(bfloat16Bits(values[i]));           \
  }                                                                                            \
  TARGET void float16(const float* values, float* out, int64_t n) {                            \
    for (int64_t i = 0; i < n; ++i) out[i] = float16Rounded(values[i]);                        \
  }                                                                                            \
  }

GATED_ROUNDING_KERNELS(baseline, )
#if defined(__x86_64__) && defined(__GNUC__)
GATED_ROUNDING_KERNELS(avx2, __attribute__((target("arch=x86-64-v3"))))
GATED_ROUNDING_KERNELS(avx512, __attribute__((target("arch=x86-64-v4"))))
#endif

RoundingKernels kernels() {
#if defined(__x86_64__) && defined(__GNUC__)
  switch (gemmIsa()) {
    case GemmIsa::Avx512: return {&avx512::bfloat16, &avx512::float16};
    case GemmIsa::Avx2: return {&avx2::bfloat16, &avx2::float16};
    default: break;
  }
#endif
  return {&baseline::bfloat16, &baseline::float16};
}

}  // namespace

void roundOperands(OperandPrecision precision, const float* values, float* out, int64_t n) {
  switch (precision) {
    case OperandPrecision::BFloat16: return kernels().bfloat16(values, out, n);
    case OperandPrecision::Float16: return kernels().float16(values, out, n);
    default:
      for (int64_t i = 0; i < n; ++i) out[i] = values[i];
  }
}

void roundOperands(OperandPrecision precision, const double* values, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = roundOperand(precision, static_cast<float>(values[i]));
}

}  // namespace gated
