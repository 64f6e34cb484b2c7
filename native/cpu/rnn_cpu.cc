// Stacked, bidirectional recurrent networks on the CPU: per layer and direction, one GEMM for the
// input projections of all steps, a loop of per-step cell updates, and in backward one GEMM each
// for dW_ih, dW_hh and dx over all steps.
#include "rnn_cpu.h"

#include <algorithm>
#include <utility>

#include "../core/philox.h"
#include "gemm.h"
#include "layer_pass.h"
#include "pool.h"
#include "workspace.h"

namespace gated {
namespace {

// dst [inner, outer, F] = src [outer, inner, F] (batch-first <-> time-major).
template <typename T>
void swapLeadingAxes(const T* src, T* dst, int64_t outer, int64_t inner, int64_t features) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      std::copy_n(src + (o * inner + i) * features, features, dst + (i * outer + o) * features);
    }
  }
}

// A time-major view of a [T, B, F] or [B, T, F] buffer: the original when already time-major.
template <typename T>
const T* timeMajor(const RnnShape& s, const T* data, int64_t features, Scratch slot) {
  if (!s.batchFirst || data == nullptr) return data;
  T* out = scratch<T>(slot, static_cast<size_t>(s.seqLen * s.batch * features));
  swapLeadingAxes(data, out, s.batch, s.seqLen, features);
  return out;
}

// inputGates [T*B, G] = folded biases + input [T*B, I] W_ih^T. The hidden bias is folded in too,
// except for the reset-after GRU, whose b_hn must stay inside r * (...).
template <typename T>
void projectInputs(const LayerPass<T>& p) {
  const int64_t rows = p.steps * p.batch, G = p.width;
  const bool foldHiddenBias = p.cell != Cell::Gru;
  for (int64_t row = 0; row < rows; ++row) {
    T* out = p.inputGates + row * G;
    for (int64_t k = 0; k < G; ++k) {
      T bias = p.weights.inputBias ? p.weights.inputBias[k] : T(0);
      if (foldHiddenBias && p.weights.hiddenBias) bias += p.weights.hiddenBias[k];
      out[k] = bias;
    }
  }
  gemm<T>(false, true, rows, G, p.inputSize, T(1), p.input, p.inputSize, p.weights.inputWeight, p.inputSize, T(1),
          p.inputGates, G);
}

// The per-step products with W_hh [G, H] (see LayerPass::recurrent), for the forward or backward loop.
template <typename T>
std::vector<PreparedRhs<T>> prepareRecurrent(const LayerPass<T>& p, bool forward) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  const T* W = p.weights.hiddenWeight;
  std::vector<PreparedRhs<T>> out;
  out.reserve(2);
  if (p.cell == Cell::GruResetBefore) {
    out.emplace_back(forward, forward ? H : 2 * H, forward ? 2 * H : H, W, H, B);  // W_h{r,z} [2H, H]
    out.emplace_back(forward, H, H, W + 2 * H * H, H, B);                          // W_hn [H, H]
  } else {
    out.emplace_back(forward, forward ? H : G, forward ? G : H, W, H, B);
  }
  return out;
}

template <typename T>
void usePrepared(LayerPass<T>& p, const std::vector<PreparedRhs<T>>& products) {
  for (size_t i = 0; i < products.size(); ++i) p.recurrent[i] = &products[i];
}

template <typename T>
void stepForward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1) {
  switch (p.cell) {
    case Cell::Lstm: return lstmStepForward(p, t, b0, b1);
    case Cell::Gru: return gruStepForward(p, t, b0, b1);
    case Cell::GruResetBefore: return gruResetBeforeStepForward(p, t, b0, b1);
    default: return rnnStepForward(p, t, b0, b1);
  }
}

template <typename T>
void stepBackward(const LayerPass<T>& p, int64_t t, int64_t b0, int64_t b1, const T* dh, T* dc, T* dhPrev) {
  switch (p.cell) {
    case Cell::Lstm: return lstmStepBackward(p, t, b0, b1, dh, dc, dhPrev);
    case Cell::Gru: return gruStepBackward(p, t, b0, b1, dh, dhPrev);
    case Cell::GruResetBefore: return gruResetBeforeStepBackward(p, t, b0, b1, dh, dhPrev);
    default: return rnnStepBackward(p, t, b0, b1, dh, dhPrev);
  }
}

// Sequences per part when a step is split over the compute pool: enough rows for the packed GEMM.
constexpr int64_t kRowsPerPart = 8;

// Runs body(b0, b1) over the batch's rows, split over the compute pool when the batch is large.
template <typename Body>
void forEachRowRange(int64_t batch, const Body& body) {
  parallelRun(static_cast<int>(batch / kRowsPerPart), [&](int part, int parts) {
    int64_t b0, b1;
    partRange(batch, part, parts, 1, &b0, &b1);
    if (b0 < b1) body(b0, b1);
  });
}

// dst [B*H] = src [B*H], or zeros when src is null.
template <typename T>
void copyOrZero(const T* src, T* dst, int64_t count) {
  if (src) std::copy_n(src, count, dst);
  else std::fill_n(dst, count, T(0));
}

// Runs one direction of one layer from h0 and c0 ([B, H] each, or null for zeros).
template <typename T>
void forwardDirection(const LayerPass<T>& p, const T* h0, const T* c0) {
  const int64_t B = p.batch, H = p.hidden;
  projectInputs(p);
  copyOrZero(h0, p.states + p.initialRow() * B * H, B * H);
  if (p.cell == Cell::Lstm) copyOrZero(c0, p.cells + p.initialRow() * B * H, B * H);
  const std::vector<PreparedRhs<T>> products = prepareRecurrent(p, true);
  LayerPass<T> pass = p;
  usePrepared(pass, products);
  for (int64_t step = 0; step < p.steps; ++step) {
    const int64_t t = pass.timeAt(step);
    forEachRowRange(B, [&](int64_t b0, int64_t b1) { stepForward(pass, t, b0, b1); });
  }
}

// Copies each step's state into this direction's columns of layerOutput [T, B, D*H]; zero past ends.
template <typename T>
void writeLayerOutput(const LayerPass<T>& p, int64_t dir, int64_t directions, T* layerOutput) {
  const int64_t B = p.batch, H = p.hidden;
  for (int64_t t = 0; t < p.steps; ++t) {
    const T* h = p.stateAfter(t);
    for (int64_t b = 0; b < B; ++b) {
      T* out = layerOutput + ((t * B + b) * directions + dir) * H;
      if (p.active(b, t)) std::copy_n(h + b * H, H, out);
      else std::fill_n(out, H, T(0));
    }
  }
}

// out [G] = column sums of m [rows, G].
template <typename T>
void sumRows(const T* m, int64_t rows, int64_t G, T* out) {
  std::fill_n(out, G, T(0));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < G; ++k) out[k] += m[r * G + k];
  }
}

// The reverse loop of one direction: dh and dc start at the final-state gradients and end at the
// initial-state gradients; dLayerOutput [T, B, D*H] feeds each processed step.
template <typename T>
void backwardDirection(const LayerPass<T>& p, int64_t dir, int64_t directions, const T* dLayerOutput, T* dh,
                       T* dc, T* dhScratch) {
  const int64_t B = p.batch, H = p.hidden;
  const std::vector<PreparedRhs<T>> products = prepareRecurrent(p, false);
  LayerPass<T> pass = p;
  usePrepared(pass, products);
  for (int64_t step = p.steps - 1; step >= 0; --step) {
    const int64_t t = p.timeAt(step);
    forEachRowRange(B, [&](int64_t b0, int64_t b1) {
      if (dLayerOutput) {
        for (int64_t b = b0; b < b1; ++b) {
          if (!p.active(b, t)) continue;
          const T* g = dLayerOutput + ((t * B + b) * directions + dir) * H;
          for (int64_t j = 0; j < H; ++j) dh[b * H + j] += g[j];
        }
      }
      stepBackward(pass, t, b0, b1, dh, dc, dhScratch);
      std::copy_n(dhScratch + b0 * H, (b1 - b0) * H, dh + b0 * H);
    });
  }
}

}  // namespace

template <typename T>
void applyDropoutMask(const DropoutSpec& spec, uint32_t stream, T* data, int64_t count) {
  const double p = spec.probability;
  const T keepScale = p < 1 ? T(1.0 / (1.0 - p)) : T(0);
  for (int64_t i = 0; i < count; ++i) {
    data[i] *= philoxUniform(spec.seed, stream, static_cast<uint64_t>(i)) >= p ? keepScale : T(0);
  }
}

// Runs body(dir) for every direction of a layer. The two directions of a bidirectional layer are
// independent, so they run side by side on the compute pool: each is then a serial stream with no
// per-step synchronisation, instead of both splitting every step by rows.
template <typename Body>
void forEachDirection(int64_t directions, const Body& body) {
  parallelRun(static_cast<int>(directions), [&](int part, int parts) {
    int64_t first, last;
    partRange(directions, part, parts, 1, &first, &last);
    for (int64_t dir = first; dir < last; ++dir) body(dir);
  });
}

template <typename T>
void rnnForwardCpu(const RnnForwardArgs<T>& a) {
  const RnnShape& s = a.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  const int64_t outputCount = T_ * B * s.layerOutputSize();
  T* layerOutput = scratch<T>(Scratch::LayerOutput, static_cast<size_t>(outputCount));  // [T, B, D*H]
  T* inputGates = scratch<T>(Scratch::InputGates, static_cast<size_t>(D * T_ * B * G));  // [D, T, B, G]
  T* hiddenGates = scratch<T>(Scratch::HiddenGates, static_cast<size_t>(D * B * G));     // [D, B, G]
  const T* input = timeMajor(s, a.input, s.inputSize, Scratch::TimeMajorInput);
  for (int64_t layer = 0; layer < L; ++layer) {
    const T* layerInput = layer == 0 ? input : a.reserve + layout.layerInput(layer);
    forEachDirection(D, [&](int64_t dir) {
      const int64_t slot = layer * D + dir;
      LayerPass<T> p = makePass(s, layout, a.reserve, a.lengths, a.weights[slot], layer, dir, layerInput);
      p.inputGates = inputGates + dir * T_ * B * G;
      p.hiddenGates = hiddenGates + dir * B * G;
      forwardDirection(p, a.h0 ? a.h0 + slot * B * H : nullptr, a.c0 ? a.c0 + slot * B * H : nullptr);
      writeLayerOutput(p, dir, D, layerOutput);
      std::copy_n(p.states + p.finalRow() * B * H, B * H, a.hN + slot * B * H);
      if (s.hasCellState()) std::copy_n(p.cells + p.finalRow() * B * H, B * H, a.cN + slot * B * H);
    });
    if (layer + 1 < L) {
      T* nextInput = a.reserve + layout.layerInput(layer + 1);
      std::copy_n(layerOutput, outputCount, nextInput);
      if (a.dropout.active()) applyDropoutMask(a.dropout, static_cast<uint32_t>(layer), nextInput, outputCount);
    }
  }
  if (s.batchFirst) swapLeadingAxes(layerOutput, a.output, T_, B, s.layerOutputSize());
  else std::copy_n(layerOutput, outputCount, a.output);
}

template <typename T>
void rnnBackwardCpu(const RnnBackwardArgs<T>& a) {
  const RnnForwardArgs<T>& f = a.forward;
  const RnnShape& s = f.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  const T* input = timeMajor(s, f.input, s.inputSize, Scratch::TimeMajorInput);
  const T* dOutput = timeMajor(s, a.dOutput, s.layerOutputSize(), Scratch::TimeMajorGrad);
  const size_t gateCount = static_cast<size_t>(D * T_ * B * G);
  T* dGates = scratch<T>(Scratch::Gates, gateCount);  // [D, T, B, G]
  T* dHiddenGates = s.cell == Cell::Gru ? scratch<T>(Scratch::HiddenGateGrads, gateCount) : dGates;  // [D, T, B, G]
  // Per direction: dResetHidden, dh, dc, dhScratch, each [B, H].
  std::vector<T> rows(static_cast<size_t>(4 * D * B * H));
  auto directionRows = [&](int64_t dir, int k) { return rows.data() + (k * D + dir) * B * H; };
  std::vector<T> dLayerOutput(dOutput ? dOutput : nullptr, dOutput ? dOutput + T_ * B * s.layerOutputSize() : nullptr);
  bool haveLayerOutputGrad = dOutput != nullptr;
  std::vector<T> dLayerInput;
  for (int64_t layer = L - 1; layer >= 0; --layer) {
    const T* layerInput = layer == 0 ? input : f.reserve + layout.layerInput(layer);
    dLayerInput.assign(static_cast<size_t>(T_ * B * s.layerInputSize(layer)), T(0));
    auto passFor = [&](int64_t dir) {
      LayerPass<T> p = makePass(s, layout, f.reserve, f.lengths, f.weights[layer * D + dir], layer, dir, layerInput);
      p.dGates = dGates + dir * T_ * B * G;
      p.dHiddenGates = dHiddenGates + dir * T_ * B * G;
      p.dResetHidden = directionRows(dir, 0);
      return p;
    };
    // The reverse loops, the directions side by side; then the weight gradients, which add into
    // one dLayerInput, one direction after the other.
    forEachDirection(D, [&](int64_t dir) {
      const int64_t slot = layer * D + dir;
      T* dh = directionRows(dir, 1);
      T* dc = directionRows(dir, 2);
      copyOrZero(a.dhN ? a.dhN + slot * B * H : nullptr, dh, B * H);
      copyOrZero(a.dcN ? a.dcN + slot * B * H : nullptr, dc, B * H);
      backwardDirection(passFor(dir), dir, D, haveLayerOutputGrad ? dLayerOutput.data() : nullptr, dh, dc,
                        directionRows(dir, 3));
      std::copy_n(dh, B * H, a.dh0 + slot * B * H);
      if (s.hasCellState()) std::copy_n(dc, B * H, a.dc0 + slot * B * H);
    });
    for (int64_t dir = 0; dir < D; ++dir) {
      weightGradients(passFor(dir), a.weightGrads[layer * D + dir], dLayerInput.data(), gemm<T>, sumRows<T>);
    }
    if (layer > 0) {
      if (f.dropout.active()) {
        applyDropoutMask(f.dropout, static_cast<uint32_t>(layer - 1), dLayerInput.data(),
                         static_cast<int64_t>(dLayerInput.size()));
      }
      std::swap(dLayerOutput, dLayerInput);
      haveLayerOutputGrad = true;
    }
  }
  if (s.batchFirst) swapLeadingAxes(dLayerInput.data(), a.dInput, T_, B, s.inputSize);
  else std::copy(dLayerInput.begin(), dLayerInput.end(), a.dInput);
}

template void applyDropoutMask<float>(const DropoutSpec&, uint32_t, float*, int64_t);
template void applyDropoutMask<double>(const DropoutSpec&, uint32_t, double*, int64_t);
template void rnnForwardCpu<float>(const RnnForwardArgs<float>&);
template void rnnForwardCpu<double>(const RnnForwardArgs<double>&);
template void rnnBackwardCpu<float>(const RnnBackwardArgs<float>&);
template void rnnBackwardCpu<double>(const RnnBackwardArgs<double>&);

}  // namespace gated
