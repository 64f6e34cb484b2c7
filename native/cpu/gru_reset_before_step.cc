// GRU in the textbook reset-before form: n = tanh(W_in x + W_hn (r * h) + b_in + b_hn).
// Both n biases are folded into the input projections; extra holds r * h for the dW_hn product.
// Gate n multiplies r * h of every unit, so each step waits for the team once more, in the middle.
#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

template <typename T>
void gruResetBeforeStepForward(const LayerPass<T>& p, int64_t t) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  T* resetHidden = p.extra + t * B * H;  // [B, H]
  multiplyGates(p, t, 0, 2, hPrev, false);  // r and z
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* act = p.gates + (t * B + b) * G;
    const bool live = p.active(b, t);
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (live && vectorActivations<T>()) {
      addGateColumns(u, H, 2, x, hg, act);
      sigmoidArray(act + u.begin, act + u.begin, u.count());
      sigmoidArray(act + H + u.begin, act + H + u.begin, u.count());
    } else {
      for (int64_t j = u.begin; j < u.end; ++j) {
        act[j] = live ? sigmoidOf(x[j] + hg[j]) : T(0);
        act[H + j] = live ? sigmoidOf(x[H + j] + hg[H + j]) : T(0);
      }
    }
    for (int64_t j = u.begin; j < u.end; ++j) resetHidden[b * H + j] = act[j] * hPrev[b * H + j];
  }
  p.waitForTeam();
  multiplyGates(p, t, 2, 3, resetHidden, false);  // n
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* act = p.gates + (t * B + b) * G;
    if (!p.active(b, t)) {
      carryInactiveRow(u, hPrev + b * H, hNext + b * H);
      zeroGateColumns(u, H, 1, act + 2 * H);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (vectorActivations<T>()) {
      for (int64_t j = 2 * H + u.begin; j < 2 * H + u.end; ++j) act[j] = x[j] + hg[j];
      tanhArray(act + 2 * H + u.begin, act + 2 * H + u.begin, u.count());
    } else {
      for (int64_t j = 2 * H + u.begin; j < 2 * H + u.end; ++j) act[j] = tanhOf(x[j] + hg[j]);
    }
    for (int64_t j = u.begin; j < u.end; ++j) hNext[b * H + j] = gruBlend(act[H + j], act[2 * H + j], hPrev[b * H + j]);
  }
}

template <typename T>
void gruResetBeforeStepBackward(const LayerPass<T>& p, int64_t t, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* hPrev = p.stateBefore(t);
  T* dg = p.dGates + t * B * G;
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* dRow = dg + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(u, H, 3, dh + b * H, dhPrev + b * H, {dRow});
      continue;
    }
    const T* act = p.gates + (t * B + b) * G;
    for (int64_t j = u.begin; j < u.end; ++j) {
      gruResetBeforeBackwardZN(act[H + j], act[2 * H + j], hPrev[b * H + j], dh[b * H + j], &dRow[H + j],
                               &dRow[2 * H + j], &dhPrev[b * H + j]);
    }
  }
  backPropagateState(p, t, 1, dg + 2 * H, p.dResetHidden, false);  // d(r * h) = dPreN W_hn
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    if (!p.active(b, t)) continue;
    const T* act = p.gates + (t * B + b) * G;
    for (int64_t j = u.begin; j < u.end; ++j) {
      gruResetBeforeBackwardR(act[j], hPrev[b * H + j], p.dResetHidden[b * H + j], &dg[b * G + j], &dhPrev[b * H + j]);
    }
  }
  backPropagateState(p, t, 0, dg, dhPrev, true);  // dhPrev += [dPreR, dPreZ] W_h{r,z}
}

template void gruResetBeforeStepForward<float>(const LayerPass<float>&, int64_t);
template void gruResetBeforeStepForward<double>(const LayerPass<double>&, int64_t);
template void gruResetBeforeStepBackward<float>(const LayerPass<float>&, int64_t, const float*, float*);
template void gruResetBeforeStepBackward<double>(const LayerPass<double>&, int64_t, const double*, double*);

}  // namespace gated
