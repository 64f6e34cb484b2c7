// GRU in PyTorch / cuDNN's reset-after form: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
#include <type_traits>

#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"
#include "row_kernel.h"

namespace gated {

template <typename T>
void gruStepForward(const LayerPass<T>& p, int64_t t) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  // hiddenGates = b_hh + hPrev W_hh^T: the hidden bias stays inside r * (...).
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    for (int64_t g = 0; g < 3; ++g) {
      for (int64_t j = g * H + u.begin; j < g * H + u.end; ++j) {
        p.hiddenGates[b * G + j] = p.weights.hiddenBias ? p.weights.hiddenBias[j] : T(0);
      }
    }
  }
  multiplyGates(p, t, 0, 3, hPrev, true);
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* act = p.gates + (t * B + b) * G;
    T* hiddenN = p.extra + (t * B + b) * H;
    if (!p.active(b, t)) {
      carryInactiveRow(u, hPrev + b * H, hNext + b * H);
      zeroGateColumns(u, H, 3, act);
      zeroGateColumns(u, H, 1, hiddenN);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if constexpr (std::is_same<T, float>::value) {
      if (vectorActivations<T>()) {
        const bool keep = p.keepActivations;
        gruRowFused(u.count(), H, x + u.begin, hg + u.begin, hPrev + b * H + u.begin, keep ? act + u.begin : nullptr,
                    keep ? hiddenN + u.begin : nullptr, hNext + b * H + u.begin);
        continue;
      }
    }
    for (int64_t j = u.begin; j < u.end; ++j) {
      hiddenN[j] = hg[2 * H + j];
      gruForward(x[j], x[H + j], x[2 * H + j], hg[j], hg[H + j], hg[2 * H + j], hPrev[b * H + j], &act[j],
                 &act[H + j], &act[2 * H + j], &hNext[b * H + j]);
    }
  }
}

// Gradients of n units of one row (every pointer at the first unit): act, dx, dhg [3H] (gates H
// apart); hiddenN, hPrev, dh [n]; dhPrev [n] receives the part of the gradient that skips W_hh.
template <typename T>
GATED_ROW_KERNEL void gruGateGradients(int64_t n, int64_t H, const T* __restrict act, const T* __restrict hiddenN,
                                       const T* __restrict hPrev, const T* __restrict dh, T* __restrict dx, T* __restrict dhg,
                                       T* __restrict dhPrev) {
  for (int64_t j = 0; j < n; ++j) {
    gruBackward(act[j], act[H + j], act[2 * H + j], hiddenN[j], hPrev[j], dh[j], &dx[j], &dx[H + j], &dx[2 * H + j],
                &dhg[2 * H + j], &dhPrev[j]);
    dhg[j] = dx[j];
    dhg[H + j] = dx[H + j];
  }
}

template <typename T>
void gruStepBackward(const LayerPass<T>& p, int64_t t, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* hPrev = p.stateBefore(t);
  T* dInput = p.dGates + t * B * G;
  T* dHidden = p.dHiddenGates + t * B * G;
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* dx = dInput + b * G;
    T* dhg = dHidden + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(u, H, 3, dh + b * H, dhPrev + b * H, {dx, dhg});
      continue;
    }
    const int64_t at = b * H + u.begin;
    gruGateGradients(u.count(), H, p.gates + (t * B + b) * G + u.begin, p.extra + t * B * H + at, hPrev + at, dh + at,
                     dx + u.begin, dhg + u.begin, dhPrev + at);
  }
  backPropagateState(p, t, 0, dHidden, dhPrev, true);
}

template void gruStepForward<float>(const LayerPass<float>&, int64_t);
template void gruStepForward<double>(const LayerPass<double>&, int64_t);
template void gruStepBackward<float>(const LayerPass<float>&, int64_t, const float*, float*);
template void gruStepBackward<double>(const LayerPass<double>&, int64_t, const double*, double*);

}  // namespace gated
