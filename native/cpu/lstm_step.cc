#include <algorithm>
#include <type_traits>

#include "../core/cell_math.h"
#include "activations.h"
#include "gemm.h"
#include "layer_pass.h"
#include "row_kernel.h"

namespace gated {

template <typename T>
void lstmStepForward(const LayerPass<T>& p, int64_t t) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* hPrev = p.stateBefore(t);
  const T* cPrev = p.cellBefore(t);
  T* hNext = p.stateAfter(t);
  T* cNext = p.cellAfter(t);
  multiplyGates(p, t, 0, 4, hPrev, false);
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* act = p.gates + (t * B + b) * G;
    if (!p.active(b, t)) {
      carryInactiveRow(u, hPrev + b * H, hNext + b * H);
      carryInactiveRow(u, cPrev + b * H, cNext + b * H);
      zeroGateColumns(u, H, 4, act);
      continue;
    }
    const T* x = p.inputGates + (t * B + b) * G;
    const T* hg = p.hiddenGates + b * G;
    if constexpr (std::is_same<T, float>::value) {
      if (vectorActivations<T>()) {
        const int64_t at = b * H + u.begin;
        T* kept = p.keepActivations ? act + u.begin : nullptr;
        lstmRowFused(u.count(), H, x + u.begin, hg + u.begin, cPrev + at, kept, cNext + at, hNext + at);
        continue;
      }
    }
    for (int64_t j = u.begin; j < u.end; ++j) {
      lstmForward(x[j] + hg[j], x[H + j] + hg[H + j], x[2 * H + j] + hg[2 * H + j], x[3 * H + j] + hg[3 * H + j],
                  cPrev[b * H + j], &act[j], &act[H + j], &act[2 * H + j], &act[3 * H + j], &cNext[b * H + j],
                  &hNext[b * H + j]);
    }
  }
}

// Gate gradients of n units of one row (every pointer at the first unit): act, dRow [4H] (gates
// H apart); tc = tanh(c_t), cPrev, dh [n]; dc [n], the gradient reaching c_t, becomes that reaching c_{t-1}.
template <typename T>
GATED_ROW_KERNEL void lstmGateGradients(int64_t n, int64_t H, const T* __restrict act, const T* __restrict tc,
                                        const T* __restrict cPrev, const T* __restrict dh, T* __restrict dc, T* __restrict dRow) {
  for (int64_t j = 0; j < n; ++j) {
    lstmBackwardWithTanh(act[j], act[H + j], act[2 * H + j], act[3 * H + j], tc[j], cPrev[j], dh[j], dc[j], &dRow[j],
                         &dRow[H + j], &dRow[2 * H + j], &dRow[3 * H + j], &dc[j]);
  }
}

template <typename T>
void lstmStepBackward(const LayerPass<T>& p, int64_t t, const T* dh, T* dc, T* dhPrev) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const IndexRange u = p.units;
  const T* cPrev = p.cellBefore(t);
  const T* cNext = p.cellAfter(t);
  T* dg = p.dGates + t * B * G;
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* dRow = dg + b * G;
    if (!p.active(b, t)) {
      passInactiveRowBack(u, H, 4, dh + b * H, dhPrev + b * H, {dRow});
      continue;
    }
    const int64_t at = b * H + u.begin;
    T* tc = dhPrev + at;  // tanh(c_t), in the row that is zeroed for the product below
    if (vectorActivations<T>()) tanhArray(cNext + at, tc, u.count());
    else for (int64_t j = 0; j < u.count(); ++j) tc[j] = tanhOf(cNext[at + j]);
    lstmGateGradients(u.count(), H, p.gates + (t * B + b) * G + u.begin, tc, cPrev + at, dh + at, dc + at, dRow + u.begin);
    std::fill_n(tc, u.count(), T(0));
  }
  backPropagateState(p, t, 0, dg, dhPrev, true);
}

template void lstmStepForward<float>(const LayerPass<float>&, int64_t);
template void lstmStepForward<double>(const LayerPass<double>&, int64_t);
template void lstmStepBackward<float>(const LayerPass<float>&, int64_t, const float*, float*, float*);
template void lstmStepBackward<double>(const LayerPass<double>&, int64_t, const double*, double*, double*);

}  // namespace gated
