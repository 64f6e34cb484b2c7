// Plain RNN: h = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu.
#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

template <typename T>
void rnnStepForward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1) {
  const int64_t B = p.batch, H = p.hidden;
  const bool relu = p.cell == Cell::RnnRelu;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  p.recurrent[0]->multiply(b1 - b0, T(1), hPrev + b0 * H, H, T(0), p.hiddenGates + b0 * H, H);
  for (int64_t b = b0; b < b1; ++b) {
    if (!p.active(b, t)) {
      carryInactiveRow(H, hPrev + b * H, hNext + b * H);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * H;
    T* h = hNext + b * H;
    if (!relu && vectorActivations<T>()) {
      for (int64_t j = 0; j < H; ++j) h[j] = x[j] + p.hiddenGates[b * H + j];
      tanhArray(h, h, H);
      continue;
    }
    for (int64_t j = 0; j < H; ++j) h[j] = rnnActivate(relu, x[j] + p.hiddenGates[b * H + j]);
  }
}

template <typename T>
void rnnStepBackward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden;
  const bool relu = p.cell == Cell::RnnRelu;
  const T* hNext = p.stateAfter(t);
  T* dg = p.dGates + t * B * H;
  for (int64_t b = b0; b < b1; ++b) {
    if (!p.active(b, t)) {
      passInactiveRowBack(H, H, dh + b * H, dhPrev + b * H, {dg + b * H});
      continue;
    }
    for (int64_t j = 0; j < H; ++j) {
      dg[b * H + j] = dh[b * H + j] * rnnActivationSlope(relu, hNext[b * H + j]);
      dhPrev[b * H + j] = T(0);
    }
  }
  p.recurrent[0]->multiply(b1 - b0, T(1), dg + b0 * H, H, T(1), dhPrev + b0 * H, H);
}

template void rnnStepForward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t);
template void rnnStepForward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t);
template void rnnStepBackward<float>(const LayerPass<float>&, int64_t, int64_t, int64_t, const float*, float*);
template void rnnStepBackward<double>(const LayerPass<double>&, int64_t, int64_t, int64_t, const double*, double*);

}  // namespace gated
