// Stacked, bidirectional recurrent networks on the CPU: per layer and direction, one GEMM for the
// input projections of all steps, a loop of per-step cell updates, and in backward one GEMM each
// for dW_ih, dW_hh and dx over all steps.
#include "rnn_cpu.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "../core/dropout_mask.h"
#include "gemm.h"
#include "layer_pass.h"
#include "persistent_emulation.h"
#include "pool.h"
#include "rounding.h"
#include "token_rows.h"
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

// inputGates [T*B, G] = input [T*B, I] W_ih^T + the folded biases, which the GEMM adds as it
// stores each tile. The hidden bias is folded in too, except for the reset-after GRU, whose b_hn
// must stay inside r * (...). With `tokens`, only those rows (no step reads a padding row's).
template <typename T>
void projectInputs(const LayerPass<T>& p, const std::optional<std::vector<int64_t>>& tokens) {
  const int64_t rows = p.steps * p.batch, G = p.width;
  const bool foldHiddenBias = p.cell != Cell::Gru && p.weights.hiddenBias;
  std::vector<T> folded;  // [G]
  if (foldHiddenBias) {
    folded.assign(p.weights.hiddenBias, p.weights.hiddenBias + G);
    if (p.weights.inputBias) for (int64_t k = 0; k < G; ++k) folded[k] += p.weights.inputBias[k];
  }
  const T* bias = foldHiddenBias ? folded.data() : p.weights.inputBias;
  const int64_t I = p.inputSize;
  if (!tokens) return gemmBias<T>(false, true, rows, G, I, T(1), p.input, I, p.weights.inputWeight, I, bias, p.inputGates, G);
  const int64_t n = static_cast<int64_t>(tokens->size());
  T* x = scratch<T>(Scratch::TokenRows, static_cast<size_t>(n * I));          // [n, I]
  T* products = scratch<T>(Scratch::TokenProducts, static_cast<size_t>(n * G));  // [n, G]
  gatherRows(p.input, I, I, tokens->data(), n, x);
  gemmBias<T>(false, true, n, G, I, T(1), x, I, p.weights.inputWeight, I, bias, products, G);
  scatterRows(products, G, tokens->data(), n, p.inputGates, G, false);
}

// A layer's output, or its gradient, as a row per (step, sequence): the forward members write each
// step's state into the next layer's input or the output, the backward members read the gradient.
template <typename T>
struct LayerRows {
  T* data;          // [T, B, D*H], or [B, T, D*H] when batchFirst
  bool batchFirst;
  int64_t steps, batch, width;  // width D*H
  T* row(int64_t t, int64_t b) const { return data + (batchFirst ? b * steps + t : t * batch + b) * width; }
};

// A member's blocks of W_hh as panels (see LayerPass::recurrent), and the cached memory they live
// in (null when they live in the thread's scratch).
template <typename T>
struct MemberPanels {
  std::vector<PanelMatrix<T>> blocks;
  std::shared_ptr<CachedPanels> cached;
};

// The member's blocks of W_hh [G, H] for its units, packed for the forward or backward loop into the
// calling thread's scratch (each member runs on a thread of its own); the forward blocks of a named
// weight come from the panel cache instead, packed again only when the weight's version changes.
template <typename T>
MemberPanels<T> packRecurrent(const LayerPass<T>& p, bool forward) {
  const int64_t H = p.hidden, G = p.width, u0 = p.units.begin, n = p.units.count();
  const T* W = p.weights.hiddenWeight;
  const size_t elements = static_cast<size_t>(PanelMatrix<T>::storageSize(G, n));
  MemberPanels<T> out;
  const bool cache = forward && p.weights.hiddenStamp.named() && gemmPath() != GemmPath::Reference;
  const WeightStamp& stamp = p.weights.hiddenStamp;
  if (cache) {
    const T* identity = p.weights.hiddenOriginal ? p.weights.hiddenOriginal : W;
    const PanelKey key{identity, stamp.realm, stamp.owner, G, H, u0, p.units.end, static_cast<int>(gemmIsa()), sizeof(T),
                       static_cast<int>(p.precision)};
    out.cached = cachedPanels(key, elements * sizeof(T));
  }
  T* storage = cache ? static_cast<T*>(out.cached->data()) : scratch<T>(Scratch::Panels, elements);
  auto blocks = [&](bool packed) {
    std::vector<PanelMatrix<T>> made;
    T* next = storage;
    auto add = [&](bool transB, int64_t K, const T* B) {
      made.emplace_back(transB, K, n, B, H, next, packed);
      next += PanelMatrix<T>::storageSize(K, n);
    };
    if (forward) {
      for (int64_t g = 0; g < G / H; ++g) add(true, H, W + (g * H + u0) * H);
    } else if (p.cell == Cell::GruResetBefore) {
      add(false, 2 * H, W + u0);          // W_h{r,z}[:, units]
      add(false, H, W + 2 * H * H + u0);  // W_hn[:, units]
    } else {
      add(false, G, W + u0);
    }
    return made;
  };
  if (cache) out.cached->ensure(stamp.version, [&] { blocks(false); });
  out.blocks = blocks(cache);
  return out;
}

template <typename T>
void stepForward(const LayerPass<T>& p, int64_t t) {
  switch (p.cell) {
    case Cell::Lstm: return lstmStepForward(p, t);
    case Cell::Gru: return gruStepForward(p, t);
    case Cell::GruResetBefore: return gruResetBeforeStepForward(p, t);
    default: return rnnStepForward(p, t);
  }
}

template <typename T>
void stepBackward(const LayerPass<T>& p, int64_t t, const T* dh, T* dc, T* dhPrev) {
  switch (p.cell) {
    case Cell::Lstm: return lstmStepBackward(p, t, dh, dc, dhPrev);
    case Cell::Gru: return gruStepBackward(p, t, dh, dhPrev);
    case Cell::GruResetBefore: return gruResetBeforeStepBackward(p, t, dh, dhPrev);
    default: return rnnStepBackward(p, t, dh, dhPrev);
  }
}

std::atomic<RecurrenceSplit> selectedSplit{RecurrenceSplit::Auto};

// Below this many sequences or hidden units per member, splitting gains less than it costs.
constexpr int64_t kMinSequencesPerMember = 8;
constexpr int64_t kMinUnitsPerMember = 16;

// How a direction's members split its work: sequenceParts x unitParts members.
struct MemberGrid {
  int sequenceParts = 1, unitParts = 1;
  int64_t unitGrain = kMinUnitsPerMember;
};

// The grid for `members` members of a direction of B sequences and H units, or the members wanted
// when `members` is 0 (no more than there are sequences or units).
MemberGrid memberGrid(int members, int64_t B, int64_t H) {
  const int64_t most = members > 0 ? members : 1 << 16;
  const auto capped = [most](int64_t parts) { return static_cast<int>(std::clamp<int64_t>(parts, 1, most)); };
  MemberGrid grid;
  switch (recurrenceSplit()) {
    case RecurrenceSplit::Serial: break;
    case RecurrenceSplit::Sequences: grid.sequenceParts = capped(B); break;
    case RecurrenceSplit::Units:
      grid.unitParts = capped(H);
      grid.unitGrain = 1;
      break;
    default:
      if (B / kMinSequencesPerMember >= 2) grid.sequenceParts = capped(B / kMinSequencesPerMember);
      else grid.unitParts = capped(H / kMinUnitsPerMember);
  }
  return grid;
}

// The first sequence of each of `parts` parts of a pass's B sequences, and B after them (bounds
// [parts + 1]): equal counts, or with lengths equal shares of the tokens, since a row past its
// sequence's end costs next to nothing (multiplyIntoActiveRows), each part holding a sequence at
// least while there are enough.
template <typename T>
std::vector<int64_t> sequenceBounds(const LayerPass<T>& p, int parts) {
  const int64_t B = p.batch;
  std::vector<int64_t> bounds(parts + 1, B);
  for (int k = 0; k < parts; ++k) {
    int64_t begin = 0, end = 0;
    partRange(B, k, parts, 1, &begin, &end);
    bounds[k] = begin;
  }
  if (!p.lengths) return bounds;
  int64_t total = 0;
  for (int64_t b = 0; b < B; ++b) total += p.lengths[b] + 1;  // + 1: an empty sequence still costs a little
  int64_t seen = 0, b = 0;
  for (int k = 1; k < parts; ++k) {
    for (; b < B && seen * parts < total * k; ++b) seen += p.lengths[b] + 1;
    bounds[k] = std::clamp<int64_t>(b, std::min<int64_t>(bounds[k - 1] + 1, B), std::max<int64_t>(B - (parts - k), 0));
  }
  return bounds;
}

// Runs one layer's recurrence on a team from the compute pool: each direction gets an equal share
// of the members, laid out as memberGrid says (the sequences split by sequenceBounds); members
// sharing sequences get a barrier of their own.
// With fewer members than directions, a member runs directions one after the other.
// body(pass) gets the direction's pass with its sequences, units and barrier set.
template <typename T, typename Body>
void forEachMember(const std::vector<LayerPass<T>>& passes, const Body& body) {
  const int directions = static_cast<int>(passes.size());
  const int64_t B = passes[0].batch, H = passes[0].hidden;
  const MemberGrid wanted = memberGrid(0, B, H);
  const int maxMembers = wanted.sequenceParts * wanted.unitParts;
  std::unique_ptr<SpinBarrier[]> barriers(new SpinBarrier[directions * wanted.sequenceParts]);
  parallelTeam(directions * maxMembers, [&](int rank, int size) {
    if (size < directions) {
      for (int dir = rank; dir < directions; dir += size) {
        LayerPass<T> p = passes[dir];
        p.sequences = IndexRange{0, B};
        p.units = IndexRange{0, H};
        p.team = &barriers[dir];
        body(p);
      }
      return;
    }
    const int perDirection = size / directions, dir = rank / perDirection, index = rank % perDirection;
    const MemberGrid grid = memberGrid(perDirection, B, H);
    if (dir >= directions || index >= grid.sequenceParts * grid.unitParts) return;
    LayerPass<T> p = passes[dir];
    const int sequencePart = index / grid.unitParts, unitPart = index % grid.unitParts;
    const std::vector<int64_t> bounds = sequenceBounds(p, grid.sequenceParts);
    p.sequences = IndexRange{bounds[sequencePart], bounds[sequencePart + 1]};
    partRange(H, unitPart, grid.unitParts, grid.unitGrain, &p.units.begin, &p.units.end);
    p.team = &barriers[dir * wanted.sequenceParts + sequencePart];
    p.teamMembers = grid.unitParts;
    body(p);
  });
}

// dst [B*H] = src [B*H], or zeros when src is null.
template <typename T>
void copyOrZero(const T* src, T* dst, int64_t count) {
  if (src) std::copy_n(src, count, dst);
  else std::fill_n(dst, count, T(0));
}

// Writes the member's units of the state after time t into this direction's columns of `out`, for
// its sequences (zero past a sequence's end).
template <typename T>
void writeStepOutput(const LayerPass<T>& p, int64_t t, const LayerRows<T>& out) {
  const int64_t H = p.hidden, column = (p.reverse ? H : 0) + p.units.begin, n = p.units.count();
  const T* h = p.stateAfter(t) + p.units.begin;
  for (int64_t b = p.sequences.begin; b < p.sequences.end; ++b) {
    T* to = out.row(t, b) + column;
    if (p.active(b, t)) std::copy_n(h + b * H, n, to);
    else std::fill_n(to, n, T(0));
  }
}

// One member's forward loop over every step of its direction, writing each step's output.
template <typename T>
void forwardMember(LayerPass<T> p, const LayerRows<T>& out) {
  const MemberPanels<T> panels = packRecurrent(p, true);
  p.recurrent = panels.blocks.data();
  for (int64_t step = 0; step < p.steps; ++step) {
    const int64_t t = p.timeAt(step);
    stepForward(p, t);
    writeStepOutput(p, t, out);
    p.waitForTeam();
  }
}

// Every step's output of a pass that ran whole (not split over a team), into `out`.
template <typename T>
void writeOutputs(LayerPass<T> p, const LayerRows<T>& out) {
  p.sequences = IndexRange{0, p.batch};
  p.units = IndexRange{0, p.hidden};
  for (int64_t t = 0; t < p.steps; ++t) writeStepOutput(p, t, out);
}

// A layer's forward recurrence through the CUDA persistent kernels' emulation
// (persistent_emulation.h), when it is on and takes the call; false otherwise. Both directions
// share a launch where the plan says so.
template <typename T>
bool emulatedForward(const std::vector<LayerPass<T>>& passes, const LayerRows<T>& out) {
  const LayerPass<T>& first = passes[0];
  const int64_t directions = static_cast<int64_t>(passes.size());
  const PersistentPlan plan = emulatedLayerPlan(passes, false);
  if (plan.blocks == 0) return false;
  for (int64_t dir = 0; dir < directions; dir += plan.directions) {
    emulatePersistentForward(plan, passes.data() + dir, first.keepActivations);
  }
  for (const LayerPass<T>& p : passes) writeOutputs(p, out);
  return true;
}

// A layer's reverse loops through the emulation, likewise: direction dir's dh and dc [B, H] hold
// the final state's gradients and receive the initial state's (dhAt(dir), dcAt(dir)).
template <typename T, typename DhAt, typename DcAt>
bool emulatedBackward(const std::vector<LayerPass<T>>& passes, const LayerRows<const T>& outputGrad, const DhAt& dhAt,
                      const DcAt& dcAt) {
  const LayerPass<T>& first = passes[0];
  const int64_t directions = static_cast<int64_t>(passes.size());
  const PersistentPlan plan = emulatedLayerPlan(passes, true);
  if (plan.blocks == 0) return false;
  std::vector<T> timeMajor;  // [T, B, D*H], when outputGrad is batch-first
  if (outputGrad.data && outputGrad.batchFirst) {
    timeMajor.resize(static_cast<size_t>(first.steps * first.batch * outputGrad.width));
    swapLeadingAxes(outputGrad.data, timeMajor.data(), first.batch, first.steps, outputGrad.width);
  }
  const T* dLayerOutput = outputGrad.batchFirst ? timeMajor.data() : outputGrad.data;
  T* const dh[2] = {dhAt(0), directions == 2 ? dhAt(1) : nullptr};
  T* const dc[2] = {dcAt(0), directions == 2 ? dcAt(1) : nullptr};
  for (int64_t dir = 0; dir < directions; dir += plan.directions) {
    emulatePersistentBackward(plan, passes.data() + dir, dh + dir, dc + dir, outputGrad.data ? dLayerOutput : nullptr, directions);
  }
  return true;
}

// out [G] = column sums of m [rows, G].
template <typename T>
void sumRows(const T* m, int64_t rows, int64_t G, T* out) {
  std::fill_n(out, G, T(0));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t k = 0; k < G; ++k) out[k] += m[r * G + k];
  }
}

// One member's reverse loop over its direction: dh and dc [B, H] start at the final-state gradients
// and end at the initial-state gradients (the member's units of them); the gradient reaching the
// layer's output (or none) feeds each processed step; dhScratch [B, H].
template <typename T>
void backwardMember(LayerPass<T> p, const LayerRows<const T>& outputGrad, T* dh, T* dc, T* dhScratch) {
  const int64_t H = p.hidden, column = p.reverse ? H : 0;
  const IndexRange u = p.units, sequences = p.sequences;
  const MemberPanels<T> panels = packRecurrent(p, false);
  p.recurrent = panels.blocks.data();
  for (int64_t step = p.steps - 1; step >= 0; --step) {
    const int64_t t = p.timeAt(step);
    if (outputGrad.data) {
      for (int64_t b = sequences.begin; b < sequences.end; ++b) {
        if (!p.active(b, t)) continue;
        const T* g = outputGrad.row(t, b) + column;
        for (int64_t j = u.begin; j < u.end; ++j) dh[b * H + j] += g[j];
      }
    }
    stepBackward(p, t, dh, dc, dhScratch);
    for (int64_t b = sequences.begin; b < sequences.end; ++b) {
      std::copy(dhScratch + b * H + u.begin, dhScratch + b * H + u.end, dh + b * H + u.begin);
    }
  }
}

// The operands of a reduced-precision call's input projections: rounded copies of the layer input
// and of W_ih, W_hh (the recurrent products round the state as they go: recurrentOperand). A named
// weight's copy is kept in the panel cache for the next call; the others live for this call.
template <typename T>
class RoundedOperands {
 public:
  explicit RoundedOperands(OperandPrecision precision) : precision_(precision) {}
  bool active() const { return precision_ != OperandPrecision::Float32; }

  // layerInput [T*B, I_l] as the input projection multiplies it.
  const T* layerInput(const T* data, int64_t count) {
    if (!active()) return data;
    layerInput_.resize(static_cast<size_t>(count));
    roundOperands(precision_, data, layerInput_.data(), count);
    return layerInput_.data();
  }

  // The layer's weights with W_ih [G, I_l] and W_hh [G, H] rounded. A rounded copy keeps its
  // weight's stamp: the panels packed from it are cached under the original and the precision.
  LayerWeights<T> weights(const LayerWeights<T>& w, int64_t G, int64_t inputSize, int64_t H) {
    if (!active()) return w;
    LayerWeights<T> out = w;
    out.inputWeight = round(w.inputWeight, w.inputStamp, G, inputSize);
    out.hiddenWeight = round(w.hiddenWeight, w.hiddenStamp, G, H);
    out.hiddenOriginal = w.hiddenWeight;
    return out;
  }

 private:
  const T* round(const T* W, const WeightStamp& stamp, int64_t rows, int64_t cols) {
    const int64_t count = rows * cols;
    if (!stamp.named()) {
      copies_.emplace_back(static_cast<size_t>(count));
      roundOperands(precision_, W, copies_.back().data(), count);
      return copies_.back().data();
    }
    PanelKey key{W, stamp.realm, stamp.owner, rows, cols, 0, cols, 0, sizeof(T), static_cast<int>(precision_)};
    key.packed = false;
    cached_.push_back(cachedPanels(key, static_cast<size_t>(count) * sizeof(T)));
    T* copy = static_cast<T*>(cached_.back()->data());
    cached_.back()->ensure(stamp.version, [&] { roundOperands(precision_, W, copy, count); });
    return copy;
  }

  OperandPrecision precision_;
  std::vector<T> layerInput_;
  std::vector<std::vector<T>> copies_;
  std::vector<std::shared_ptr<CachedPanels>> cached_;
};

}  // namespace

void setRecurrenceSplit(RecurrenceSplit split) { selectedSplit.store(split); }
RecurrenceSplit recurrenceSplit() { return selectedSplit.load(); }

template <typename T>
void applyDropoutMask(const DropoutSpec& spec, uint32_t stream, T* data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) data[i] = droppedOut(spec.seed, stream, spec.probability, static_cast<uint64_t>(i), data[i]);
}

template <typename T>
void rnnForwardCpu(const RnnForwardArgs<T>& a) {
  const RnnShape& s = a.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  T* inputGates = scratch<T>(Scratch::InputGates, static_cast<size_t>(D * T_ * B * G));  // [D, T, B, G]
  T* hiddenGates = scratch<T>(Scratch::HiddenGates, static_cast<size_t>(D * B * G));     // [D, B, G]
  const T* input = timeMajor(s, a.input, s.inputSize, Scratch::TimeMajorInput);
  const std::optional<std::vector<int64_t>> tokens = tokenRows(a.lengths, T_, B);
  RoundedOperands<T> rounded(a.precision);
  // The layer's passes with their initial states written and, when `project`, their input
  // projections (a wavefront layer above the first computes its own as it goes).
  auto passesOf = [&](int64_t layer, bool project) {
    const T* layerInput = layer == 0 ? input : a.reserve + layout.layerInput(layer);
    if (project) layerInput = rounded.layerInput(layerInput, T_ * B * s.layerInputSize(layer));
    std::vector<LayerPass<T>> passes;
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t slot = layer * D + dir;
      const LayerWeights<T> weights = rounded.weights(a.weights[slot], G, s.layerInputSize(layer), H);
      LayerPass<T> p = makePass(s, layout, a.reserve, a.lengths, weights, layer, dir, layerInput);
      p.keepActivations = a.keepActivations;
      p.precision = a.precision;
      p.inputGates = inputGates + dir * T_ * B * G;
      p.hiddenGates = hiddenGates + dir * B * G;
      if (project) projectInputs(p, tokens);
      copyOrZero(a.h0 ? a.h0 + slot * B * H : nullptr, p.states + p.initialRow() * B * H, B * H);
      if (s.hasCellState()) copyOrZero(a.c0 ? a.c0 + slot * B * H : nullptr, p.cells + p.initialRow() * B * H, B * H);
      passes.push_back(p);
    }
    return passes;
  };
  // Where the layer's output goes: the next layer's input, or the result.
  auto outputOf = [&](int64_t layer) {
    const bool last = layer + 1 == L;
    return LayerRows<T>{last ? a.output : a.reserve + layout.layerInput(layer + 1), last && s.batchFirst, T_, B,
                        s.layerOutputSize()};
  };
  // After the layer's recurrence: its final states.
  auto writeFinalStates = [&](int64_t layer, const std::vector<LayerPass<T>>& passes) {
    for (int64_t dir = 0; dir < D; ++dir) {
      const LayerPass<T>& p = passes[dir];
      const int64_t slot = layer * D + dir;
      std::copy_n(p.states + p.finalRow() * B * H, B * H, a.hN + slot * B * H);
      if (s.hasCellState()) std::copy_n(p.cells + p.finalRow() * B * H, B * H, a.cN + slot * B * H);
    }
  };
  // The dropout on the layer's output, when another layer reads it.
  auto dropOut = [&](int64_t layer, const LayerRows<T>& out) {
    if (layer + 1 < L && a.dropout.active()) {
      applyDropoutMask(a.dropout, static_cast<uint32_t>(layer), out.data, T_ * B * s.layerOutputSize());
    }
  };
  for (int64_t layer = 0; layer < L;) {
    const PersistentPlan wavefront = emulatedWavefrontPlan<T>(s, layer);
    if (wavefront.blocks > 0) {  // layers [layer, layer + n) in one emulated launch
      const int64_t n = wavefront.layers;
      std::vector<LayerPass<T>> members;
      for (int64_t i = 0; i < n; ++i) members.push_back(passesOf(layer + i, i == 0)[0]);
      std::vector<T> stepInputGates(static_cast<size_t>(n * B * G));  // [n, B, G]
      const WavefrontBuffers<T> buffers = wavefrontBuffers(s, a.reserve, layer, n, a.dropout, stepInputGates.data());
      emulatePersistentForward(wavefront, members.data(), a.keepActivations, &buffers);
      for (int64_t i = 0; i < n; ++i) writeFinalStates(layer + i, {members[i]});
      // The launch wrote every layer's output but the last one's.
      const LayerRows<T> out = outputOf(layer + n - 1);
      writeOutputs(members[n - 1], out);
      dropOut(layer + n - 1, out);
      layer += n;
      continue;
    }
    const std::vector<LayerPass<T>> passes = passesOf(layer, true);
    const LayerRows<T> out = outputOf(layer);
    if (!emulatedForward(passes, out)) forEachMember(passes, [&](const LayerPass<T>& member) { forwardMember(member, out); });
    writeFinalStates(layer, passes);
    dropOut(layer, out);
    ++layer;
  }
}

// weightGradients over the rows of `tokens` only, gathered into one buffer, when given: a padding
// row's gate gradients are zero, so it adds nothing, and its rows of dLayerInput keep their values.
template <typename T>
void tokenWeightGradients(const LayerPass<T>& p, const LayerWeightGrads<T>& grads, T* dLayerInput,
                          const std::optional<std::vector<int64_t>>& tokens) {
  if (!tokens) return weightGradients(p, grads, dLayerInput, gemm<T>, sumRows<T>);
  const int64_t n = static_cast<int64_t>(tokens->size()), G = p.width, H = p.hidden, I = p.inputSize;
  const bool ownHiddenGrads = p.dHiddenGates != p.dGates, resetBefore = p.cell == Cell::GruResetBefore;
  const int64_t width = G * (ownHiddenGrads ? 2 : 1) + I + H * (resetBefore ? 2 : 1) + (dLayerInput ? I : 0);
  T* next = scratch<T>(Scratch::TokenRows, static_cast<size_t>(n * width));
  const auto gathered = [&](const T* from, int64_t columns) {
    T* to = next;
    gatherRows(from, columns, columns, tokens->data(), n, to);
    next += n * columns;
    return to;
  };
  // The pass over the token rows as one step of n sequences, in time order.
  LayerPass<T> q = p;
  q.steps = 1;
  q.batch = n;
  q.reverse = false;
  q.dGates = gathered(p.dGates, G);
  q.dHiddenGates = ownHiddenGrads ? gathered(p.dHiddenGates, G) : q.dGates;
  q.input = gathered(p.input, I);
  q.states = gathered(p.statesBeforeInTimeOrder(), H);
  if (resetBefore) q.extra = gathered(p.extra, H);
  T* dTokenInput = dLayerInput ? next : nullptr;  // [n, I]
  if (dTokenInput) std::fill_n(dTokenInput, n * I, T(0));
  weightGradients(q, grads, dTokenInput, gemm<T>, sumRows<T>);
  if (dTokenInput) scatterRows(dTokenInput, I, tokens->data(), n, dLayerInput, I, true);
}

template <typename T>
void rnnBackwardCpu(const RnnBackwardArgs<T>& a) {
  const RnnForwardArgs<T>& f = a.forward;
  const RnnShape& s = f.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  const T* input = timeMajor(s, f.input, s.inputSize, Scratch::TimeMajorInput);
  const std::optional<std::vector<int64_t>> tokens = tokenRows(f.lengths, T_, B);
  const size_t gateCount = static_cast<size_t>(D * T_ * B * G);
  T* dGates = scratch<T>(Scratch::Gates, gateCount);  // [D, T, B, G]
  T* dHiddenGates = s.cell == Cell::Gru ? scratch<T>(Scratch::HiddenGateGrads, gateCount) : dGates;  // [D, T, B, G]
  // Per direction: dResetHidden, dh, dc, dhScratch, each [B, H].
  std::vector<T> rows(static_cast<size_t>(4 * D * B * H));
  auto directionRows = [&](int64_t dir, int k) { return rows.data() + (k * D + dir) * B * H; };
  // The gradient reaching each layer's output: dOutput for the last layer (or none), then the
  // input gradient of the layer above, time-major.
  LayerRows<const T> layerOutputGrad{a.dOutput, s.batchFirst, T_, B, s.layerOutputSize()};
  std::vector<T> dLayerInput, dAbove;
  for (int64_t layer = L - 1; layer >= 0; --layer) {
    const T* layerInput = layer == 0 ? input : f.reserve + layout.layerInput(layer);
    const bool wantLayerInputGrad = layer > 0 || a.dInput;
    dLayerInput.assign(wantLayerInputGrad ? static_cast<size_t>(T_ * B * s.layerInputSize(layer)) : 0, T(0));
    auto passFor = [&](int64_t dir) {
      LayerPass<T> p = makePass(s, layout, f.reserve, f.lengths, f.weights[layer * D + dir], layer, dir, layerInput);
      p.dGates = dGates + dir * T_ * B * G;
      p.dHiddenGates = dHiddenGates + dir * T_ * B * G;
      p.dResetHidden = directionRows(dir, 0);
      return p;
    };
    // The reverse loops of the directions on one team; then the weight gradients, which add into
    // one dLayerInput, one direction after the other.
    std::vector<LayerPass<T>> passes;
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t slot = layer * D + dir;
      copyOrZero(a.dhN ? a.dhN + slot * B * H : nullptr, directionRows(dir, 1), B * H);
      copyOrZero(a.dcN ? a.dcN + slot * B * H : nullptr, directionRows(dir, 2), B * H);
      passes.push_back(passFor(dir));
    }
    const auto dhAt = [&](int64_t dir) { return directionRows(dir, 1); };
    const auto dcAt = [&](int64_t dir) { return directionRows(dir, 2); };
    if (!emulatedBackward(passes, layerOutputGrad, dhAt, dcAt)) {
      forEachMember(passes, [&](const LayerPass<T>& member) {
        const int64_t dir = member.reverse ? 1 : 0;
        backwardMember(member, layerOutputGrad, dhAt(dir), dcAt(dir), directionRows(dir, 3));
      });
    }
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t slot = layer * D + dir;
      std::copy_n(directionRows(dir, 1), B * H, a.dh0 + slot * B * H);
      if (s.hasCellState()) std::copy_n(directionRows(dir, 2), B * H, a.dc0 + slot * B * H);
    }
    for (int64_t dir = 0; dir < D; ++dir) {
      tokenWeightGradients(passFor(dir), a.weightGrads[layer * D + dir], wantLayerInputGrad ? dLayerInput.data() : nullptr,
                           tokens);
    }
    if (layer > 0) {
      if (f.dropout.active()) {
        applyDropoutMask(f.dropout, static_cast<uint32_t>(layer - 1), dLayerInput.data(),
                         static_cast<int64_t>(dLayerInput.size()));
      }
      std::swap(dAbove, dLayerInput);
      layerOutputGrad = LayerRows<const T>{dAbove.data(), false, T_, B, s.layerOutputSize()};
    }
  }
  if (!a.dInput) return;
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
