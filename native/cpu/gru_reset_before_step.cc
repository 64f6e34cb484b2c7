// GRU in the textbook reset-before form: n = tanh(W_in x + W_hn (r * h) + b_in + b_hn).
// Both n biases are folded into the input projections; extra holds r * h for the dW_hn product.
#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

template <typename T>
void gruResetBeforeStepForward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  T* resetHidden = p.extra + t * B * H;  // [B, H]
  // r and z: hiddenGates[:, 0:2H] = hPrev W_h{r,z}^T.
  p.recurrent[0]->multiply(b1 - b0, T(1), hPrev + b0 * H, H, T(0), p.hiddenGates + b0 * G, G);
  for (int64_t b = b0; b < b1; ++b) {
    T* act = p.gates + (t * B + b) * G;
    const bool live = p.active(b, t);
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (live && vectorActivations<T>()) {
      for (int64_t k = 0; k < 2 * H; ++k) act[k] = x[k] + hg[k];
      sigmoidArray(act, act, 2 * H);
    } else {
      for (int64_t j = 0; j < H; ++j) {
        act[j] = live ? sigmoidOf(x[j] + hg[j]) : T(0);
        act[H + j] = live ? sigmoidOf(x[H + j] + hg[H + j]) : T(0);
      }
    }
    for (int64_t j = 0; j < H; ++j) resetHidden[b * H + j] = act[j] * hPrev[b * H + j];
  }
  // n: hiddenGates[:, 2H:3H] = (r * hPrev) W_hn^T.
  p.recurrent[1]->multiply(b1 - b0, T(1), resetHidden + b0 * H, H, T(0), p.hiddenGates + 2 * H + b0 * G, G);
  for (int64_t b = b0; b < b1; ++b) {
    T* act = p.gates + (t * B + b) * G;
    if (!p.active(b, t)) {
      carryInactiveRow(H, hPrev + b * H, hNext + b * H);
      for (int64_t j = 0; j < H; ++j) act[2 * H + j] = T(0);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (vectorActivations<T>()) {
      for (int64_t j = 0; j < H; ++j) act[2 * H + j] = x[2 * H + j] + hg[2 * H + j];
      tanhArray(act + 2 * H, act + 2 * H, H);
    } else {
      for (int64_t j = 0; j < H; ++j) act[2 * H + j] = tanhOf(x[2 * H + j] + hg[2 * H + j]);
    }
    for (int64_t j = 0; j < H; ++j) hNext[b * H + j] = gruBlend(act[H + j], act[2 * H + j], hPrev[b * H + j]);
  }
}

template <typename T>
void gruResetBeforeStepBackward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* hPrev = p.stateBefore(t);
  T* dg = p.dGates + t * B * G;
  for (int64_t b = b0; b < b1; ++b) {
    T* dRow = dg + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(H, G, dh + b * H, dhPrev + b * H, {dRow});
      continue;
    }
    const T* act = p.gates + (t * B + b) * G;
    for (int64_t j = 0; j < H; ++j) {
      gruResetBeforeBackwardZN(act[H + j], act[2 * H + j], hPrev[b * H + j], dh[b * H + j], &dRow[H + j],
                               &dRow[2 * H + j], &dhPrev[b * H + j]);
    }
  }
  // d(r * h) = dPreN W_hn.
  p.recurrent[1]->multiply(b1 - b0, T(1), dg + 2 * H + b0 * G, G, T(0), p.dResetHidden + b0 * H, H);
  for (int64_t b = b0; b < b1; ++b) {
    if (!p.active(b, t)) continue;
    const T* act = p.gates + (t * B + b) * G;
    for (int64_t j = 0; j < H; ++j) {
      gruResetBeforeBackwardR(act[j], hPrev[b * H + j], p.dResetHidden[b * H + j], &dg[b * G + j], &dhPrev[b * H + j]);
    }
  }
  // dhPrev += [dPreR, dPreZ] W_h{r,z}.
  p.recurrent[0]->multiply(b1 - b0, T(1), dg + b0 * G, G, T(1), dhPrev + b0 * H, H);
}

template void gruResetBeforeStepForward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t);
template void gruResetBeforeStepForward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t);
template void gruResetBeforeStepBackward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t, const float*, float*);
template void gruResetBeforeStepBackward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t, const double*, double*);

}  // namespace gated
