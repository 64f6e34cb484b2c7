// Plain RNN: h = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu.
#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"

namespace gated {

template <typename T>
void rnnStepForward(const LayerPass<T>& p, int64_t t) {
  const int64_t B = p.batch, H = p.hidden;
  const IndexRange u = p.units;
  const bool relu = p.cell == Cell::RnnRelu;
  const T* hPrev = p.stateBefore(t);
  T* hNext = p.stateAfter(t);
  multiplyGates(p, t, 0, 1, hPrev, false);
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    if (!p.active(b, t)) {
      carryInactiveRow(u, hPrev + b * H, hNext + b * H);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * H;
    const T* hg = p.hiddenGates + b * H;
    T* h = hNext + b * H;
    if (!relu && vectorActivations<T>()) {
      for (int64_t j = u.begin; j < u.end; ++j) h[j] = x[j] + hg[j];
      tanhArray(h + u.begin, h + u.begin, u.count());
      continue;
    }
    for (int64_t j = u.begin; j < u.end; ++j) h[j] = rnnActivate(relu, x[j] + hg[j]);
  }
}

template <typename T>
void rnnStepBackward(const LayerPass<T>& p, int64_t t, const T* dh, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden;
  const IndexRange u = p.units;
  const bool relu = p.cell == Cell::RnnRelu;
  const T* hNext = p.stateAfter(t);
  T* dg = p.dGates + t * B * H;
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    if (!p.active(b, t)) {
      passInactiveRowBack(u, H, 1, dh + b * H, dhPrev + b * H, {dg + b * H});
      continue;
    }
    for (int64_t j = u.begin; j < u.end; ++j) {
      dg[b * H + j] = dh[b * H + j] * rnnActivationSlope(relu, hNext[b * H + j]);
      dhPrev[b * H + j] = T(0);
    }
  }
  backPropagateState(p, t, 0, dg, dhPrev, true);
}

template void rnnStepForward<float>(const LayerPass<float>&, int64_t);
template void rnnStepForward<double>(const LayerPass<double>&, int64_t);
template void rnnStepBackward<float>(const LayerPass<float>&, int64_t, const float*, float*);
template void rnnStepBackward<double>(const LayerPass<double>&, int64_t, const double*, double*);

}  // namespace gated
