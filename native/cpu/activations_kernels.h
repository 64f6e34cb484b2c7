// Vectorised float32 exp, sigmoid and tanh on 8 or 16 lanes (GCC vector types), for activations_isa.cc.
#pragma once
// The vector helpers are always inlined into per-ISA functions, so no vector crosses an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"
#include <cstdint>
#include <cstring>

#include "../core/cell_math.h"
#include "simd.h"

namespace gated::activation_detail {

// Float and int vectors of `Lanes` lanes.
template <int Lanes>
struct LaneTypes {
  typedef float F __attribute__((vector_size(4 * Lanes)));
  typedef int32_t I __attribute__((vector_size(4 * Lanes)));
};

template <typename V>
inline __attribute__((always_inline)) V splat(float v) { return V{} + v; }

// exp(x) for the activations: x clamped to where 2^n stays a normal float (NaN passes through), then
// x = n ln2 + r with |r| <= ln2 / 2, a degree-7 polynomial for exp(r) (Cephes' expf), and 2^n from
// the exponent bits. n is rounded by adding 1.5 * 2^23, which also leaves it in the sum's low bits.
// Overflow gives infinity, as expf does (so that sigmoid(-inf) is 0); underflow stays at the
// smallest normal scale, which no activation can tell from zero.
template <int Lanes>
inline __attribute__((always_inline)) typename LaneTypes<Lanes>::F expV(typename LaneTypes<Lanes>::F input) {
  typedef typename LaneTypes<Lanes>::F V;
  typedef typename LaneTypes<Lanes>::I VI;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23, bits 0x4B400000
  V x = input > splat<V>(88.3762626647949f) ? splat<V>(88.3762626647949f) : input;
  x = x < splat<V>(-87.3365478515625f) ? splat<V>(-87.3365478515625f) : x;
  const V shifted = x * 1.44269504088896341f + kRound;
  const V n = shifted - kRound;
  const V r = x - n * 0.693359375f - n * -2.12194440e-4f;
  const V r2 = r * r;
  V p = splat<V>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  const VI bits = (__builtin_bit_cast(VI, shifted) + (127 - 0x4B400000)) << 23;
  const V scale = __builtin_bit_cast(V, bits);
  return input > splat<V>(88.7228391f) ? splat<V>(__builtin_inff()) : p * scale;
}

template <int Lanes>
inline __attribute__((always_inline)) typename LaneTypes<Lanes>::F sigmoidV(typename LaneTypes<Lanes>::F x) {
  return 1.0f / (1.0f + expV<Lanes>(-x));
}

// tanh: an odd polynomial for |x| < 0.625 (Cephes' tanhf), else 1 - 2 / (exp(2|x|) + 1) with x's sign.
template <int Lanes>
inline __attribute__((always_inline)) typename LaneTypes<Lanes>::F tanhV(typename LaneTypes<Lanes>::F x) {
  typedef typename LaneTypes<Lanes>::F V;
  const V magnitude = x < 0.0f ? -x : x;
  const V z = x * x;
  V small = splat<V>(-5.70498872745e-3f);
  small = small * z + 2.06390887954e-2f;
  small = small * z - 5.37397155531e-2f;
  small = small * z + 1.33314422036e-1f;
  small = small * z - 3.33332819422e-1f;
  small = small * z * x + x;
  V large = 1.0f - 2.0f / (expV<Lanes>(2.0f * magnitude) + 1.0f);
  large = x < 0.0f ? -large : large;
  return magnitude < 0.625f ? small : large;
}

template <int Lanes, typename LaneTypes<Lanes>::F (*F)(typename LaneTypes<Lanes>::F)>
inline __attribute__((always_inline)) void mapArray(const float* in, float* out, int64_t n) {
  typedef typename LaneTypes<Lanes>::F V;
  int64_t i = 0;
  for (; i + Lanes <= n; i += Lanes) {
    simd::storeVector(out + i, F(simd::loadVector<V>(in + i)));
  }
  if (i < n) {  // the tail, through the same vector code on a padded copy
    float tail[Lanes] = {};
    std::memcpy(tail, in + i, sizeof(float) * static_cast<size_t>(n - i));
    simd::storeVector(tail, F(simd::loadVector<V>(tail)));
    std::memcpy(out + i, tail, sizeof(float) * static_cast<size_t>(n - i));
  }
}

template <int Lanes>
inline __attribute__((always_inline)) typename LaneTypes<Lanes>::F load(const float* from) {
  return simd::loadVector<typename LaneTypes<Lanes>::F>(from);
}

template <int Lanes>
inline __attribute__((always_inline)) void store(float* to, typename LaneTypes<Lanes>::F v) {
  simd::storeVector(to, v);
}

// Pre-activation k of Lanes units: the input part plus the hidden part, gates `stride` apart.
template <int Lanes>
inline __attribute__((always_inline)) typename LaneTypes<Lanes>::F preActivation(const float* x, const float* hg,
                                                                                 int64_t stride, int k) {
  return load<Lanes>(x + k * stride) + load<Lanes>(hg + k * stride);
}

// act[k * stride] = the k-th of `gates`, for each k.
template <int Lanes, typename... Gates>
inline __attribute__((always_inline)) void storeGates(float* act, int64_t stride, Gates... gates) {
  int k = 0;
  (store<Lanes>(act + (k++) * stride, gates), ...);
}

// Lanes units of one LSTM row: x and hg hold the input and hidden parts of the pre-activations,
// gates i f g o `stride` apart; act receives the activations, likewise laid out (null: not kept);
// cPrev, cNext, hNext [Lanes].
template <int Lanes>
inline __attribute__((always_inline)) void lstmLanes(const float* x, const float* hg, int64_t stride, const float* cPrev,
                                                     float* act, float* cNext, float* hNext) {
  typedef typename LaneTypes<Lanes>::F V;
  const V i = sigmoidV<Lanes>(preActivation<Lanes>(x, hg, stride, 0));
  const V f = sigmoidV<Lanes>(preActivation<Lanes>(x, hg, stride, 1));
  const V g = tanhV<Lanes>(preActivation<Lanes>(x, hg, stride, 2));
  const V o = sigmoidV<Lanes>(preActivation<Lanes>(x, hg, stride, 3));
  const V c = f * load<Lanes>(cPrev) + i * g;
  store<Lanes>(cNext, c);
  store<Lanes>(hNext, o * tanhV<Lanes>(c));
  if (act) storeGates<Lanes>(act, stride, i, f, g, o);
}

// Lanes units of one GRU row (reset-after): x, hg, act as for lstmLanes with gates r z n; hiddenN
// receives W_hn h + b_hn (both null when not kept); hPrev, hNext [Lanes].
template <int Lanes>
inline __attribute__((always_inline)) void gruLanes(const float* x, const float* hg, int64_t stride, const float* hPrev,
                                                    float* act, float* hiddenN, float* hNext) {
  typedef typename LaneTypes<Lanes>::F V;
  const V r = sigmoidV<Lanes>(preActivation<Lanes>(x, hg, stride, 0));
  const V z = sigmoidV<Lanes>(preActivation<Lanes>(x, hg, stride, 1));
  const V hn = load<Lanes>(hg + 2 * stride);
  const V n = tanhV<Lanes>(load<Lanes>(x + 2 * stride) + r * hn);
  store<Lanes>(hNext, (1.0f - z) * n + z * load<Lanes>(hPrev));
  if (!act) return;
  storeGates<Lanes>(act, stride, r, z, n);
  store<Lanes>(hiddenN, hn);
}

// A row of n units (every pointer at the first unit; gate arrays hold `Gates` blocks H apart) in
// blocks of Lanes: whole blocks in place, the tail through the same code on zero-padded copies.
// update(x, hg, stride, state, act, extra, out) is lstmLanes (extra: cNext) or gruLanes (extra:
// hiddenN); act, and gruLanes' extra, may be null (not kept).
template <int Lanes, int Gates, typename Update>
inline __attribute__((always_inline)) void fusedRow(int64_t n, int64_t H, const float* x, const float* hg, const float* state,
                                                    float* act, float* extra, float* out, const Update& update) {
  int64_t j = 0;
  for (; j + Lanes <= n; j += Lanes) {
    update(x + j, hg + j, H, state + j, act ? act + j : nullptr, extra ? extra + j : nullptr, out + j);
  }
  const int64_t rest = n - j;
  if (rest == 0) return;
  const size_t bytes = sizeof(float) * static_cast<size_t>(rest);
  float xs[Gates * Lanes] = {}, hs[Gates * Lanes] = {}, acts[Gates * Lanes], states[Lanes] = {}, extras[Lanes], outs[Lanes];
  for (int g = 0; g < Gates; ++g) {
    std::memcpy(xs + g * Lanes, x + g * H + j, bytes);
    std::memcpy(hs + g * Lanes, hg + g * H + j, bytes);
  }
  std::memcpy(states, state + j, bytes);
  update(xs, hs, Lanes, states, act ? acts : nullptr, extra ? extras : nullptr, outs);
  std::memcpy(out + j, outs, bytes);
  if (extra) std::memcpy(extra + j, extras, bytes);
  if (act) {
    for (int g = 0; g < Gates; ++g) std::memcpy(act + g * H + j, acts + g * Lanes, bytes);
  }
}

struct ActivationKernels {
  void (*sigmoid)(const float* in, float* out, int64_t n);
  void (*tanh)(const float* in, float* out, int64_t n);
  void (*lstmRow)(int64_t n, int64_t H, const float* x, const float* hg, const float* cPrev, float* act, float* cNext, float* hNext);
  void (*gruRow)(int64_t n, int64_t H, const float* x, const float* hg, const float* hPrev, float* act, float* hiddenN, float* hNext);
};

// The kernels compiled for one instruction set (0 baseline, 1 AVX2+FMA, 2 AVX-512).
ActivationKernels activationKernelsFor(int isa);

}  // namespace gated::activation_detail
