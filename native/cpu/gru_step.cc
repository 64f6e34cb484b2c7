// GRU in PyTorch / cuDNN's reset-after form: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

// One row of the GRU update on arrays: act [3H] (r z n), hiddenN / hPrev / hNext [H].
template <typename T>
void gruRowVector(int64_t H, const T* x, const T* hg, const T* hPrev, T* act, T* hiddenN, T* hNext) {
  for (int64_t k = 0; k < 2 * H; ++k) act[k] = x[k] + hg[k];
  sigmoidArray(act, act, 2 * H);
  for (int64_t j = 0; j < H; ++j) {
    hiddenN[j] = hg[2 * H + j];
    act[2 * H + j] = x[2 * H + j] + act[j] * hiddenN[j];
  }
  tanhArray(act + 2 * H, act + 2 * H, H);
  for (int64_t j = 0; j < H; ++j) hNext[j] = gruBlend(act[H + j], act[2 * H + j], hPrev[j]);
}

template <typename T>
void gruStepForward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  // hiddenGates = b_hh + hPrev W_hh^T: the hidden bias stays inside r * (...).
  for (int64_t b = b0; b < b1; ++b) {
    for (int64_t k = 0; k < G; ++k) p.hiddenGates[b * G + k] = p.weights.hiddenBias ? p.weights.hiddenBias[k] : T(0);
  }
  p.recurrent[0]->multiply(b1 - b0, T(1), hPrev + b0 * H, H, T(1), p.hiddenGates + b0 * G, G);
  for (int64_t b = b0; b < b1; ++b) {
    T* act = p.gates + (t * B + b) * G;
    T* hiddenN = p.extra + (t * B + b) * H;
    if (!p.active(b, t)) {
      carryInactiveRow(H, hPrev + b * H, hNext + b * H);
      for (int64_t k = 0; k < G; ++k) act[k] = T(0);
      for (int64_t j = 0; j < H; ++j) hiddenN[j] = T(0);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (vectorActivations<T>()) {
      gruRowVector(H, x, hg, hPrev + b * H, act, hiddenN, hNext + b * H);
      continue;
    }
    for (int64_t j = 0; j < H; ++j) {
      hiddenN[j] = hg[2 * H + j];
      gruForward(x[j], x[H + j], x[2 * H + j], hg[j], hg[H + j], hg[2 * H + j], hPrev[b * H + j], &act[j],
                 &act[H + j], &act[2 * H + j], &hNext[b * H + j]);
    }
  }
}

template <typename T>
void gruStepBackward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* hPrev = p.stateBefore(t);
  T* dInput = p.dGates + t * B * G;
  T* dHidden = p.dHiddenGates + t * B * G;
  for (int64_t b = b0; b < b1; ++b) {
    T* dx = dInput + b * G;
    T* dhg = dHidden + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(H, G, dh + b * H, dhPrev + b * H, {dx, dhg});
      continue;
    }
    const T* act = p.gates + (t * B + b) * G;
    const T* hiddenN = p.extra + (t * B + b) * H;
    for (int64_t j = 0; j < H; ++j) {
      gruBackward(act[j], act[H + j], act[2 * H + j], hiddenN[j], hPrev[b * H + j], dh[b * H + j], &dx[j],
                  &dx[H + j], &dx[2 * H + j], &dhg[2 * H + j], &dhPrev[b * H + j]);
      dhg[j] = dx[j];
      dhg[H + j] = dx[H + j];
    }
  }
  p.recurrent[0]->multiply(b1 - b0, T(1), dHidden + b0 * G, G, T(1), dhPrev + b0 * H, H);
}

template void gruStepForward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t);
template void gruStepForward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t);
template void gruStepBackward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t, const float*, float*);
template void gruStepBackward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t, const double*, double*);

}  // namespace gated
