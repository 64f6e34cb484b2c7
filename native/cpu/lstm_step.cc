#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

// One row of the LSTM update on arrays: act [4H] (i f g o), cPrev/cNext/hNext [H].
template <typename T>
void lstmRowVector(int64_t H, const T* x, const T* hg, const T* cPrev, T* act, T* cNext, T* hNext) {
  for (int64_t k = 0; k < 4 * H; ++k) act[k] = x[k] + hg[k];
  sigmoidArray(act, act, 2 * H);
  tanhArray(act + 2 * H, act + 2 * H, H);
  sigmoidArray(act + 3 * H, act + 3 * H, H);
  for (int64_t j = 0; j < H; ++j) cNext[j] = act[H + j] * cPrev[j] + act[j] * act[2 * H + j];
  tanhArray(cNext, hNext, H);
  for (int64_t j = 0; j < H; ++j) hNext[j] *= act[3 * H + j];
}

template <typename T>
void lstmStepForward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* hPrev = p.stateBefore(t);
  const T* cPrev = p.cellBefore(t);
  T* hNext = p.stateAfter(t);
  T* cNext = p.cellAfter(t);
  p.recurrent[0]->multiply(b1 - b0, T(1), hPrev + b0 * H, H, T(0), p.hiddenGates + b0 * G, G);
  for (int64_t b = b0; b < b1; ++b) {
    T* act = p.gates + (t * B + b) * G;
    if (!p.active(b, t)) {
      carryInactiveRow(H, hPrev + b * H, hNext + b * H);
      carryInactiveRow(H, cPrev + b * H, cNext + b * H);
      for (int64_t k = 0; k < G; ++k) act[k] = T(0);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if (vectorActivations<T>()) {
      lstmRowVector(H, x, hg, cPrev + b * H, act, cNext + b * H, hNext + b * H);
      continue;
    }
    for (int64_t j = 0; j < H; ++j) {
      lstmForward(x[j] + hg[j], x[H + j] + hg[H + j], x[2 * H + j] + hg[2 * H + j], x[3 * H + j] + hg[3 * H + j],
                  cPrev[b * H + j], &act[j], &act[H + j], &act[2 * H + j], &act[3 * H + j], &cNext[b * H + j],
                  &hNext[b * H + j]);
    }
  }
}

template <typename T>
void lstmStepBackward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1, const T* dh, T* dc, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* cPrev = p.cellBefore(t);
  const T* cNext = p.cellAfter(t);
  T* dg = p.dGates + t * B * G;
  for (int64_t b = b0; b < b1; ++b) {
    T* dRow = dg + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(H, G, dh + b * H, dhPrev + b * H, {dRow});
      continue;
    }
    const T* act = p.gates + (t * B + b) * G;
    if (vectorActivations<T>()) {
      T* tc = dhPrev + b * H;  // tanh(c_t), in the row that is zeroed for the product below
      tanhArray(cNext + b * H, tc, H);
      for (int64_t j = 0; j < H; ++j) {
        lstmBackwardWithTanh(act[j], act[H + j], act[2 * H + j], act[3 * H + j], tc[j], cPrev[b * H + j], dh[b * H + j],
                             dc[b * H + j], &dRow[j], &dRow[H + j], &dRow[2 * H + j], &dRow[3 * H + j], &dc[b * H + j]);
        tc[j] = T(0);
      }
      continue;
    }
    for (int64_t j = 0; j < H; ++j) {
      lstmBackward(act[j], act[H + j], act[2 * H + j], act[3 * H + j], cNext[b * H + j], cPrev[b * H + j],
                   dh[b * H + j], dc[b * H + j], &dRow[j], &dRow[H + j], &dRow[2 * H + j], &dRow[3 * H + j],
                   &dc[b * H + j]);
      dhPrev[b * H + j] = T(0);
    }
  }
  p.recurrent[0]->multiply(b1 - b0, T(1), dg + b0 * G, G, T(1), dhPrev + b0 * H, H);
}

template void lstmStepForward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t);
template void lstmStepForward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t);
template void lstmStepBackward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t, const float*, float*, float*);
template void lstmStepBackward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t, const double*, double*, double*);

}  // namespace gated
