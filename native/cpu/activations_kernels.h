// Vectorised float32 exp, sigmoid and tanh on eight lanes (GCC vector types), for activations_isa.cc.
#pragma once
// The vector helpers are always inlined into per-ISA functions, so no vector crosses an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"
#include <cstdint>
#include <cstring>

#include "../core/cell_math.h"

namespace gated::activation_detail {

typedef float V8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));

inline __attribute__((always_inline)) V8 splat(float v) { return V8{v, v, v, v, v, v, v, v}; }

// exp(x): x = n ln2 + r with |r| <= ln2 / 2, a degree-7 polynomial for exp(r), then 2^n by exponent bits.
inline __attribute__((always_inline)) V8 expV(V8 input) {
  // Clamped so that 2^n stays a normal float; written so NaN passes through both comparisons.
  V8 x = input > splat(88.3762626647949f) ? splat(88.3762626647949f) : input;
  x = x < splat(-87.3365478515625f) ? splat(-87.3365478515625f) : x;
  const V8 scaled = x * 1.44269504088896341f + 0.5f;
  V8 n = __builtin_convertvector(__builtin_convertvector(scaled, I8), V8);
  n = n > scaled ? n - 1.0f : n;  // floor
  const V8 r = x - n * 0.693359375f - n * -2.12194440e-4f;
  const V8 r2 = r * r;
  V8 p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  const I8 bits = (__builtin_convertvector(n, I8) + 127) << 23;
  V8 scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  const V8 result = p * scale;
  // Past the clamps: overflow to infinity and underflow to zero, as expf does.
  const V8 overflowed = input > splat(88.7228391f) ? splat(__builtin_inff()) : result;
  return input < splat(-103.972084f) ? splat(0.0f) : overflowed;
}

inline __attribute__((always_inline)) V8 sigmoidV(V8 x) { return 1.0f / (1.0f + expV(-x)); }

// tanh: an odd polynomial for |x| < 0.625 (Cephes' tanhf), else 1 - 2 / (exp(2|x|) + 1) with x's sign.
inline __attribute__((always_inline)) V8 tanhV(V8 x) {
  const V8 magnitude = x < 0.0f ? -x : x;
  const V8 z = x * x;
  V8 small = splat(-5.70498872745e-3f);
  small = small * z + 2.06390887954e-2f;
  small = small * z - 5.37397155531e-2f;
  small = small * z + 1.33314422036e-1f;
  small = small * z - 3.33332819422e-1f;
  small = small * z * x + x;
  V8 large = 1.0f - 2.0f / (expV(2.0f * magnitude) + 1.0f);
  large = x < 0.0f ? -large : large;
  return magnitude < 0.625f ? small : large;
}

template <V8 (*F)(V8)>
inline __attribute__((always_inline)) void mapArray(const float* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    V8 v;
    std::memcpy(&v, in + i, sizeof(v));
    v = F(v);
    std::memcpy(out + i, &v, sizeof(v));
  }
  if (i < n) {  // the tail, through the same vector code on a padded copy
    float tail[8] = {};
    std::memcpy(tail, in + i, sizeof(float) * static_cast<size_t>(n - i));
    V8 v;
    std::memcpy(&v, tail, sizeof(v));
    v = F(v);
    std::memcpy(tail, &v, sizeof(v));
    std::memcpy(out + i, tail, sizeof(float) * static_cast<size_t>(n - i));
  }
}

struct ActivationKernels {
  void (*sigmoid)(const float* in, float* out, int64_t n);
  void (*tanh)(const float* in, float* out, int64_t n);
};

// The kernels compiled for one instruction set (0 baseline, 1 AVX2+FMA, 2 AVX-512).
ActivationKernels activationKernelsFor(int isa);

}  // namespace gated::activation_detail
