// The element-wise kernels of the recurrent network on CUDA: one thread per (sequence b, unit j)
// of a step, the gate arithmetic shared with the CPU path (core/cell_math.h). Every kernel handles
// sequences past their length as the CPU does: the state is carried, gradients pass through.
#pragma once
#include <cstdint>

#include "../core/cell_math.h"
#include "../core/dropout_mask.h"
#include "../core/reduced_float.h"
#include "../core/rnn_shape.h"

namespace gated::cuda {

// One step of one layer and direction. Pointers to [B, *] rows are already offset to step t.
template <typename T>
struct StepArgs {
  int64_t batch = 0, hidden = 0;  // B, H (G = gates * H)
  int64_t t = 0;                  // the time index, for lengths
  const int32_t* lengths = nullptr;  // [B] on the device, or null
  const T* inputGates = nullptr;     // [B, G] input projections (+ folded biases) of step t
  const T* hiddenGates = nullptr;    // [B, G] recurrent products of step t
  const T* hiddenBias = nullptr;     // [G] b_hh, added here for the reset-after GRU only
  const T* hPrev = nullptr;          // [B, H]
  T* hNext = nullptr;                // [B, H]
  const T* cPrev = nullptr;          // [B, H] LSTM
  T* cNext = nullptr;                // [B, H] LSTM
  T* gates = nullptr;                // [B, G] activations of step t
  T* extra = nullptr;                // [B, H] GRU: W_hn h + b_hn, or r * h
  // A reduced-precision call: hNext (and the reset-before GRU's r * h) also as 16-bit words of
  // `precision`, the next recurrent product's operand; null otherwise.
  OperandPrecision precision = OperandPrecision::Float32;
  int32_t unused = 0;                // fills what would be padding: LaunchRecord notes these bytes
  uint16_t* hNextBits = nullptr;     // [B, H]
  uint16_t* extraBits = nullptr;     // [B, H]
};

// A backward step: the gradient reaching h_t is dh plus, for an active row, this direction's part
// of dLayerOutput [T, B, D*H] at t.
template <typename T>
struct StepGradArgs {
  StepArgs<T> step;
  const T* dh = nullptr;            // [B, H]
  T* dc = nullptr;                  // [B, H] LSTM: dc_t in, dc_{t-1} out
  T* dhPrev = nullptr;              // [B, H] the direct part of dh_{t-1} (the GEMM adds the rest)
  const T* dLayerOutput = nullptr;  // [T, B, D*H] or null
  int64_t directions = 1, direction = 0;
  T* dGates = nullptr;              // [B, G] of step t: input-side pre-activation gradients
  T* dHiddenGates = nullptr;        // [B, G] of step t: hidden side (reset-after GRU), else dGates
  const T* dResetHidden = nullptr;  // [B, H] d(r * h) (reset-before GRU, second half)
};

template <typename T>
__device__ __forceinline__ bool rowActive(const StepArgs<T>& s, int64_t b) {
  return s.lengths == nullptr || s.t < s.lengths[b];
}

template <typename T>
__device__ __forceinline__ T totalHiddenGrad(const StepGradArgs<T>& a, int64_t b, int64_t j, bool active) {
  const int64_t H = a.step.hidden;
  T dh = a.dh[b * H + j];
  if (active && a.dLayerOutput) {
    dh += a.dLayerOutput[((a.step.t * a.step.batch + b) * a.directions + a.direction) * H + j];
  }
  return dh;
}

// A row past its sequence's end passes dh on to dh_{t-1}; its unit's gate gradients are zero.
template <typename T>
__device__ __forceinline__ void passInactiveBack(T dh, T* dhPrev, int gatesPerUnit, int64_t H, int64_t j, T* dRow,
                                                 T* dOtherRow = nullptr) {
  *dhPrev = dh;
  for (int k = 0; k < gatesPerUnit; ++k) {
    dRow[k * H + j] = T(0);
    if (dOtherRow) dOtherRow[k * H + j] = T(0);
  }
}

// The 16-bit copy of hNext[index] or extra[index], when the call asks for it.
template <typename T>
__device__ __forceinline__ void storeStateBits(const StepArgs<T>& s, int64_t index) {
  if (s.hNextBits) s.hNextBits[index] = reducedBits(s.precision, static_cast<float>(s.hNext[index]));
}
template <typename T>
__device__ __forceinline__ void storeExtraBits(const StepArgs<T>& s, int64_t index) {
  if (s.extraBits) s.extraBits[index] = reducedBits(s.precision, static_cast<float>(s.extra[index]));
}

#define GATED_FOR_EACH_UNIT(s)                                                        \
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; \
  if (index >= (s).batch * (s).hidden) return;                                        \
  const int64_t H = (s).hidden, G = gatesPerUnit * H, b = index / H, j = index % H;   \
  (void)G; (void)j;

template <typename T>
__global__ void lstmForwardStep(StepArgs<T> s) {
  constexpr int64_t gatesPerUnit = 4;
  GATED_FOR_EACH_UNIT(s)
  T* act = s.gates + b * G;
  if (!rowActive(s, b)) {
    s.hNext[index] = s.hPrev[index];
    s.cNext[index] = s.cPrev[index];
    for (int k = 0; k < 4; ++k) act[k * H + j] = T(0);
    return storeStateBits(s, index);
  }
  const T* x = s.inputGates + b * G;
  const T* hg = s.hiddenGates + b * G;
  lstmForward(x[j] + hg[j], x[H + j] + hg[H + j], x[2 * H + j] + hg[2 * H + j], x[3 * H + j] + hg[3 * H + j],
              s.cPrev[index], &act[j], &act[H + j], &act[2 * H + j], &act[3 * H + j], &s.cNext[index], &s.hNext[index]);
  storeStateBits(s, index);
}

template <typename T>
__global__ void lstmBackwardStep(StepGradArgs<T> a) {
  const StepArgs<T>& s = a.step;
  constexpr int64_t gatesPerUnit = 4;
  GATED_FOR_EACH_UNIT(s)
  const bool active = rowActive(s, b);
  const T dh = totalHiddenGrad(a, b, j, active);
  T* d = a.dGates + b * G;
  if (!active) return passInactiveBack(dh, &a.dhPrev[index], 4, H, j, d);
  const T* act = s.gates + b * G;
  lstmBackward(act[j], act[H + j], act[2 * H + j], act[3 * H + j], s.cNext[index], s.cPrev[index], dh, a.dc[index],
               &d[j], &d[H + j], &d[2 * H + j], &d[3 * H + j], &a.dc[index]);
  a.dhPrev[index] = T(0);
}

template <typename T>
__global__ void gruForwardStep(StepArgs<T> s) {
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  T* act = s.gates + b * G;
  T* hiddenN = s.extra + index;
  if (!rowActive(s, b)) {
    s.hNext[index] = s.hPrev[index];
    for (int k = 0; k < 3; ++k) act[k * H + j] = T(0);
    *hiddenN = T(0);
    return storeStateBits(s, index);
  }
  const T* x = s.inputGates + b * G;
  const T* hg = s.hiddenGates + b * G;
  const T* bh = s.hiddenBias;
  const T hr = hg[j] + (bh ? bh[j] : T(0));
  const T hz = hg[H + j] + (bh ? bh[H + j] : T(0));
  const T hn = hg[2 * H + j] + (bh ? bh[2 * H + j] : T(0));
  *hiddenN = hn;
  gruForward(x[j], x[H + j], x[2 * H + j], hr, hz, hn, s.hPrev[index], &act[j], &act[H + j], &act[2 * H + j],
             &s.hNext[index]);
  storeStateBits(s, index);
}

template <typename T>
__global__ void gruBackwardStep(StepGradArgs<T> a) {
  const StepArgs<T>& s = a.step;
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  const bool active = rowActive(s, b);
  const T dh = totalHiddenGrad(a, b, j, active);
  T* dx = a.dGates + b * G;
  T* dhg = a.dHiddenGates + b * G;
  if (!active) return passInactiveBack(dh, &a.dhPrev[index], 3, H, j, dx, dhg);
  const T* act = s.gates + b * G;
  gruBackward(act[j], act[H + j], act[2 * H + j], s.extra[index], s.hPrev[index], dh, &dx[j], &dx[H + j],
              &dx[2 * H + j], &dhg[2 * H + j], &a.dhPrev[index]);
  dhg[j] = dx[j];
  dhg[H + j] = dx[H + j];
}

// Reset-before GRU, forward first half: r and z from hiddenGates[:, 0:2H]; extra = r * hPrev.
template <typename T>
__global__ void gruResetBeforeGatesStep(StepArgs<T> s) {
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  T* act = s.gates + b * G;
  const bool live = rowActive(s, b);
  const T* x = s.inputGates + b * G;
  const T* hg = s.hiddenGates + b * G;
  act[j] = live ? sigmoidOf(x[j] + hg[j]) : T(0);
  act[H + j] = live ? sigmoidOf(x[H + j] + hg[H + j]) : T(0);
  s.extra[index] = act[j] * s.hPrev[index];
  storeExtraBits(s, index);
}

// Second half: n from hiddenGates[:, 2H:3H] = (r * hPrev) W_hn^T, then the blend.
template <typename T>
__global__ void gruResetBeforeOutputStep(StepArgs<T> s) {
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  T* act = s.gates + b * G;
  if (!rowActive(s, b)) {
    s.hNext[index] = s.hPrev[index];
    act[2 * H + j] = T(0);
    return storeStateBits(s, index);
  }
  act[2 * H + j] = tanhOf(s.inputGates[b * G + 2 * H + j] + s.hiddenGates[b * G + 2 * H + j]);
  s.hNext[index] = gruBlend(act[H + j], act[2 * H + j], s.hPrev[index]);
  storeStateBits(s, index);
}

// Backward first half: the z and n gradients and the direct part of dh_{t-1}.
template <typename T>
__global__ void gruResetBeforeBackwardZNStep(StepGradArgs<T> a) {
  const StepArgs<T>& s = a.step;
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  const bool active = rowActive(s, b);
  const T dh = totalHiddenGrad(a, b, j, active);
  T* d = a.dGates + b * G;
  if (!active) return passInactiveBack(dh, &a.dhPrev[index], 3, H, j, d);
  const T* act = s.gates + b * G;
  gruResetBeforeBackwardZN(act[H + j], act[2 * H + j], s.hPrev[index], dh, &d[H + j], &d[2 * H + j], &a.dhPrev[index]);
}

// Second half, given dResetHidden = dPreN W_hn: the r gradient, and dh_{t-1} += d(r*h) * r.
template <typename T>
__global__ void gruResetBeforeBackwardRStep(StepGradArgs<T> a) {
  const StepArgs<T>& s = a.step;
  constexpr int64_t gatesPerUnit = 3;
  GATED_FOR_EACH_UNIT(s)
  if (!rowActive(s, b)) return;
  gruResetBeforeBackwardR(s.gates[b * G + j], s.hPrev[index], a.dResetHidden[index], &a.dGates[b * G + j],
                          &a.dhPrev[index]);
}

template <typename T>
__global__ void rnnForwardStep(StepArgs<T> s, bool relu) {
  constexpr int64_t gatesPerUnit = 1;
  GATED_FOR_EACH_UNIT(s)
  s.hNext[index] = rowActive(s, b) ? rnnActivate(relu, s.inputGates[index] + s.hiddenGates[index]) : s.hPrev[index];
  storeStateBits(s, index);
}

template <typename T>
__global__ void rnnBackwardStep(StepGradArgs<T> a, bool relu) {
  const StepArgs<T>& s = a.step;
  constexpr int64_t gatesPerUnit = 1;
  GATED_FOR_EACH_UNIT(s)
  const bool active = rowActive(s, b);
  const T dh = totalHiddenGrad(a, b, j, active);
  a.dGates[index] = active ? dh * rnnActivationSlope(relu, s.hNext[index]) : T(0);
  a.dhPrev[index] = active ? T(0) : dh;
}

#undef GATED_FOR_EACH_UNIT

// out [rows, G] = inputBias + (fold ? hiddenBias : 0), each possibly null.
template <typename T>
__global__ void fillBiasRows(int64_t rows, int64_t G, const T* inputBias, const T* hiddenBias, bool fold, T* out) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= rows * G) return;
  const int64_t k = index % G;
  out[index] = (inputBias ? inputBias[k] : T(0)) + (fold && hiddenBias ? hiddenBias[k] : T(0));
}

// This direction's columns of layerOutput [T, B, D*H]: the state after each step, zero past ends.
template <typename T>
__global__ void writeLayerOutput(int64_t steps, int64_t batch, int64_t hidden, bool reverse, const int32_t* lengths,
                                 const T* states, int64_t directions, int64_t direction, T* layerOutput) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= steps * batch * hidden) return;
  const int64_t j = index % hidden, b = (index / hidden) % batch, t = index / (hidden * batch);
  const bool active = lengths == nullptr || t < lengths[b];
  layerOutput[((t * batch + b) * directions + direction) * hidden + j] =
      active ? states[(rowAfterTime(reverse, t) * batch + b) * hidden + j] : T(0);
}

// data [count] *= the dropout factor of element i in stream `stream` (the CPU's mask).
template <typename T>
__global__ void applyDropout(uint64_t seed, uint32_t stream, double probability, T* data, int64_t count) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= count) return;
  data[index] = droppedOut(seed, stream, probability, static_cast<uint64_t>(index), data[index]);
}

// dst [inner, outer, F] = src [outer, inner, F].
template <typename T>
__global__ void swapLeadingAxes(const T* src, T* dst, int64_t outer, int64_t inner, int64_t features) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= outer * inner * features) return;
  const int64_t f = index % features, i = (index / features) % inner, o = index / (features * inner);
  dst[(i * outer + o) * features + f] = src[index];
}

// out [G] = column sums of m [rows, G], each column summed in row order (deterministic).
template <typename T>
__global__ void sumColumns(const T* m, int64_t rows, int64_t G, T* out) {
  const int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= G) return;
  T sum = T(0);
  for (int64_t r = 0; r < rows; ++r) sum += m[r * G + k];
  out[k] = sum;
}

// out [count] = the 16-bit words of values [count] in `precision` (a reduced-precision product's operand).
template <typename T>
__global__ void toReducedBits(OperandPrecision precision, const T* values, uint16_t* out, int64_t count) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index < count) out[index] = reducedBits(precision, static_cast<float>(values[index]));
}

template <typename T>
__global__ void addKernel(const T* a, const T* b, T* out, int64_t count) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index < count) out[index] = a[index] + b[index];
}

}  // namespace gated::cuda
