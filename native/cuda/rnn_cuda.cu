// Stacked, bidirectional recurrent networks on CUDA, mirroring cpu/rnn_cpu.cc step for step: per
// layer and direction one cuBLAS GEMM for the input projections of all steps, then per step R·h
// plus one fused element-wise kernel; backward a reverse loop, then one GEMM each for dW_ih, dW_hh
// and dx. The reserve has the CPU's layout, so both paths store and read the same values.
#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "../cpu/layer_pass.h"
#include "device_buffer.h"
#include "launch_sinks.cuh"
#include "persistent_rnn.h"
#include "phase_timer.h"
#include "rnn_kernels.cuh"
#include "step_graphs.h"

namespace gated::cuda {
namespace {

// A time-major copy of a batch-first [B, T, F] buffer, or the buffer itself when already time-major.
template <typename T>
class TimeMajor {
 public:
  TimeMajor(const RnnShape& s, const T* data, int64_t features) : data_(data) {
    if (!s.batchFirst || data == nullptr) return;
    copy_ = std::make_unique<DeviceScratch<T>>(s.seqLen * s.batch * features);
    launch("swapLeadingAxes", s.seqLen * s.batch * features, swapLeadingAxes<T>, data, copy_->get(), s.batch, s.seqLen,
           features);
    data_ = copy_->get();
  }
  const T* get() const { return data_; }

 private:
  std::unique_ptr<DeviceScratch<T>> copy_;
  const T* data_;
};

template <typename T>
void copyOrZero(const T* from, T* to, int64_t count) {
  if (from) copyOnDevice(to, from, sizeof(T) * count);
  else fillZero(to, sizeof(T) * count);
}

// out [count] = the 16-bit words of values [count] in `precision`, through `sink` (launch_sinks.cuh).
template <typename Sink, typename T>
void convertOperand(Sink&& sink, OperandPrecision precision, const T* values, uint16_t* out, int64_t count) {
  sink.kernel("toReducedBits", count, toReducedBits<T>, precision, values, out, count);
}

// One layer and direction's 16-bit operands in a reduced-precision call (core/reduced_float.h);
// with precision Float32 the float GEMMs run instead.
struct ReducedLayer {
  OperandPrecision precision = OperandPrecision::Float32;
  const uint16_t* input = nullptr;         // [T*B, I_l] the layer input
  const uint16_t* inputWeight = nullptr;   // [G, I_l]
  uint16_t* hiddenWeight = nullptr;        // [G, H], converted by gemmForward (the persistent kernel rounds its own)
  uint16_t* state = nullptr;               // [B, H] h_{t-1}, written by the step before (and for h0)
  uint16_t* resetState = nullptr;          // [B, H] r * h_{t-1} (reset-before GRU)
  bool active() const { return precision != OperandPrecision::Float32; }
};

// A reduced-precision call's 16-bit buffers, converted on the stream and reused by every layer (the
// stream orders each reuse after the products that read the previous contents); the weights and
// the state have one buffer per lane, a direction that may run at the same time as the other.
class ReducedOperands {
 public:
  ReducedOperands(OperandPrecision precision, const RnnShape& s, int64_t lanes)
      : precision_(precision),
        weightsPerLane_(s.gateWidth() * (widestInput(s) + s.hiddenSize)),
        statesPerLane_(2 * s.batch * s.hiddenSize),
        input_(active() ? s.seqLen * s.batch * widestInput(s) : 0),
        weights_(active() ? lanes * weightsPerLane_ : 0),
        states_(active() ? lanes * statesPerLane_ : 0) {}
  bool active() const { return precision_ != OperandPrecision::Float32; }

  // Converts the layer input [T*B, I_l] ahead of the layer's directions.
  template <typename T>
  void convertLayerInput(const T* layerInput, int64_t count) {
    if (active()) convertOperand(Enqueue{}, precision_, layerInput, input_.get(), count);
  }

  // Converts one direction's W_ih [G, I_l] into its lane's buffers, and places its W_hh [G, H] and
  // states there (converted only if the GEMM path runs: gemmForward).
  template <typename T>
  ReducedLayer layer(const LayerWeights<T>& w, int64_t inputSize, int64_t G, int64_t H, int64_t lane) {
    if (!active()) return {};
    ReducedLayer r;
    r.precision = precision_;
    r.input = input_.get();
    uint16_t* inputWeight = weights_.get() + lane * weightsPerLane_;
    uint16_t* hiddenWeight = inputWeight + G * inputSize;
    convertOperand(Enqueue{}, precision_, w.inputWeight, inputWeight, G * inputSize);
    r.inputWeight = inputWeight;
    r.hiddenWeight = hiddenWeight;
    r.state = states_.get() + lane * statesPerLane_;
    r.resetState = r.state + statesPerLane_ / 2;
    return r;
  }

 private:
  static int64_t widestInput(const RnnShape& s) { return std::max(s.inputSize, s.layerOutputSize()); }

  OperandPrecision precision_;
  int64_t weightsPerLane_, statesPerLane_;
  DeviceScratch<uint16_t> input_, weights_, states_;
};

// Whether a layer's two directions run at the same time, the reverse one on the side stream: with
// two directions, when asked for (DirectionStreams::Two), on the GEMM path only.
bool directionsOverlap(const RnnShape& s, bool persistent) {
  return s.directions() == 2 && !persistent && directionStreams() == DirectionStreams::Two;
}

// Forks the side stream where it is made; join() joins it (and throws if that fails). An error
// that unwinds past it before join() still joins, so the scratch declared before it outlives the
// side stream's work; a failure of that join is dropped for the error already on its way.
class ForkJoin {
 public:
  explicit ForkJoin(bool active) : pending_(active) {
    if (pending_) forkSide();
  }
  void join() {
    if (!pending_) return;
    pending_ = false;
    joinSide();
  }
  ~ForkJoin() {
    if (!pending_) return;
    try {
      joinSide();
    } catch (const CudaError&) {
    }
  }
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

 private:
  bool pending_;
};

// The lane (scratch set) of direction `dir`, and its work on the side stream when it is lane 1.
struct Lane {
  Lane(bool overlap, int64_t dir) : index(overlap ? dir : 0) {
    if (index == 1) side.emplace();
  }
  int64_t index;
  std::optional<SideStream> side;
};

// inputGates [T*B, G] = folded biases + input [T*B, I] W_ih^T (reset-after GRU keeps b_hn apart).
template <typename T>
void projectInputs(const LayerPass<T>& p, const ReducedLayer& r) {
  const int64_t rows = p.steps * p.batch, G = p.width, I = p.inputSize;
  launch("fillBiasRows", rows * G, fillBiasRows<T>, rows, G, p.weights.inputBias, p.weights.hiddenBias,
         p.cell != Cell::Gru, p.inputGates);
  if constexpr (std::is_same_v<T, float>) {
    if (r.active()) return gemmReduced(r.precision, false, true, rows, G, I, 1.f, r.input, I, r.inputWeight, I, 1.f, p.inputGates, G);
  }
  gemm<T>(false, true, rows, G, I, T(1), p.input, I, p.weights.inputWeight, I, T(1), p.inputGates, G);
}

// out [B, N] (rows ldc apart) = operand [B, H] W_hh[firstRow : firstRow + N, :]^T, in the call's
// precision: a reduced-precision call multiplies operandBits, the operand's 16-bit copy.
template <typename Sink, typename T>
void multiplyRecurrent(Sink& q, const LayerPass<T>& p, const ReducedLayer& r, const T* operand, const uint16_t* operandBits,
                       int64_t N, int64_t firstRow, T* out, int64_t ldc) {
  const int64_t B = p.batch, H = p.hidden;
  if constexpr (std::is_same_v<T, float>) {
    if (r.active()) {
      return q.gemmReduced(r.precision, false, true, B, N, H, 1.f, operandBits, H, r.hiddenWeight + firstRow * H, H, 0.f, out, ldc);
    }
  }
  q.gemm(false, true, B, N, H, T(1), operand, H, p.weights.hiddenWeight + firstRow * H, H, T(0), out, ldc);
}

// The arguments of step t's element-wise kernels; a reduced-precision call's also write the 16-bit
// state the next product multiplies.
template <typename T>
StepArgs<T> stepArgs(const LayerPass<T>& p, int64_t t, const int32_t* lengths, const ReducedLayer& r = {}) {
  const int64_t B = p.batch, H = p.hidden, G = p.width;
  StepArgs<T> s;
  s.batch = B;
  s.hidden = H;
  s.t = t;
  s.lengths = lengths;
  s.inputGates = p.inputGates + t * B * G;
  s.hiddenGates = p.hiddenGates;
  s.hiddenBias = p.cell == Cell::Gru ? p.weights.hiddenBias : nullptr;
  s.hPrev = p.stateBefore(t);
  s.hNext = p.stateAfter(t);
  s.cPrev = p.cellBefore(t);
  s.cNext = p.cellAfter(t);
  s.gates = p.gates + t * B * G;
  s.extra = p.extra + t * B * H;
  if (r.active()) {
    s.precision = r.precision;
    s.hNextBits = r.state;
    s.extraBits = r.resetState;
  }
  return s;
}

// Step t of a direction's recurrence on the GEMM path, through `q` (launch_sinks.cuh).
template <typename Sink, typename T>
void stepForward(Sink& q, const LayerPass<T>& p, const ReducedLayer& r, int64_t t, const int32_t* lengths) {
  const int64_t B = p.batch, H = p.hidden, G = p.width, units = B * H;
  // In reduced precision, each product reads r.state before the step's kernel rewrites it (one
  // stream: in order).
  const StepArgs<T> s = stepArgs(p, t, lengths, r);
  switch (p.cell) {
    case Cell::Lstm:
      multiplyRecurrent(q, p, r, s.hPrev, r.state, G, 0, p.hiddenGates, G);
      return q.kernel("lstmForwardStep", units, lstmForwardStep<T>, s);
    case Cell::Gru:
      multiplyRecurrent(q, p, r, s.hPrev, r.state, G, 0, p.hiddenGates, G);
      return q.kernel("gruForwardStep", units, gruForwardStep<T>, s);
    case Cell::GruResetBefore:
      multiplyRecurrent(q, p, r, s.hPrev, r.state, 2 * H, 0, p.hiddenGates, G);
      q.kernel("gruResetBeforeGatesStep", units, gruResetBeforeGatesStep<T>, s);
      multiplyRecurrent(q, p, r, static_cast<const T*>(s.extra), r.resetState, H, 2 * H, p.hiddenGates + 2 * H, G);
      return q.kernel("gruResetBeforeOutputStep", units, gruResetBeforeOutputStep<T>, s);
    default:
      multiplyRecurrent(q, p, r, s.hPrev, r.state, H, 0, p.hiddenGates, H);
      return q.kernel("rnnForwardStep", units, rnnForwardStep<T>, s, p.cell == Cell::RnnRelu);
  }
}

// dhPrev [B, H] = the gradient reaching the state before t, given dh (after t) and, for an LSTM,
// dc (replaced by the one before t); dLayerOutput [T, B, D*H] or null adds to active rows. Through
// `q` (launch_sinks.cuh).
template <typename Sink, typename T>
void stepBackward(Sink& q, const LayerPass<T>& p, int64_t t, const int32_t* lengths, const T* dh, T* dc, T* dhPrev,
                  const T* dLayerOutput, int64_t directions, int64_t direction) {
  const int64_t B = p.batch, H = p.hidden, G = p.width, units = B * H;
  StepGradArgs<T> a;
  a.step = stepArgs(p, t, lengths);
  a.dh = dh;
  a.dc = dc;
  a.dhPrev = dhPrev;
  a.dLayerOutput = dLayerOutput;
  a.directions = directions;
  a.direction = direction;
  a.dGates = p.dGates + t * B * G;
  a.dHiddenGates = p.dHiddenGates + t * B * G;
  a.dResetHidden = p.dResetHidden;
  const T* W = p.weights.hiddenWeight;  // [G, H]
  switch (p.cell) {
    case Cell::Lstm:
      q.kernel("lstmBackwardStep", units, lstmBackwardStep<T>, a);
      return q.gemm(false, false, B, H, G, T(1), a.dGates, G, W, H, T(1), dhPrev, H);
    case Cell::Gru:
      q.kernel("gruBackwardStep", units, gruBackwardStep<T>, a);
      return q.gemm(false, false, B, H, G, T(1), a.dHiddenGates, G, W, H, T(1), dhPrev, H);
    case Cell::GruResetBefore:
      q.kernel("gruResetBeforeBackwardZNStep", units, gruResetBeforeBackwardZNStep<T>, a);
      q.gemm(false, false, B, H, H, T(1), a.dGates + 2 * H, G, W + 2 * H * H, H, T(0), p.dResetHidden, H);
      q.kernel("gruResetBeforeBackwardRStep", units, gruResetBeforeBackwardRStep<T>, a);
      return q.gemm(false, false, B, H, 2 * H, T(1), a.dGates, G, W, H, T(1), dhPrev, H);
    default:
      q.kernel("rnnBackwardStep", units, rnnBackwardStep<T>, a, p.cell == Cell::RnnRelu);
      return q.gemm(false, false, B, H, H, T(1), a.dGates, H, W, H, T(1), dhPrev, H);
  }
}

// Before a direction's recurrence: its initial state rows.
template <typename T>
void writeInitialState(const LayerPass<T>& p, const T* h0, const T* c0) {
  const int64_t BH = p.batch * p.hidden;
  copyOrZero(h0, p.states + p.initialRow() * BH, BH);
  if (p.cell == Cell::Lstm) copyOrZero(c0, p.cells + p.initialRow() * BH, BH);
}

// Runs loop(sink) on the stream: launch by launch, or with cudaGraphs on through queueLoop, which
// may run a graph of the loop instead (step_graphs.h).
template <typename Loop>
void runLoop(const Loop& loop) {
  Enqueue direct;
  if (stepGraphs() != StepGraphs::On) return loop(direct);
  LaunchRecord record;
  loop(record);
  queueLoop(record, [&] { loop(direct); });
}

// A direction's recurrence on the GEMM path; in reduced precision, first the 16-bit W_hh and
// initial state its products multiply.
template <typename T>
void gemmForward(const LayerPass<T>& p, const ReducedLayer& r, const int32_t* lengths) {
  runLoop([&](auto& q) {
    if (r.active()) {
      convertOperand(q, r.precision, p.weights.hiddenWeight, r.hiddenWeight, p.width * p.hidden);
      convertOperand(q, r.precision, static_cast<const T*>(p.states + p.initialRow() * p.batch * p.hidden), r.state, p.batch * p.hidden);
    }
    for (int64_t step = 0; step < p.steps; ++step) stepForward(q, p, r, p.timeAt(step), lengths);
  });
}

// A direction's reverse loop on the GEMM path: dh and dhPrev [B, H] swap roles each step; returns
// the one holding the initial state's gradient.
template <typename T>
T* gemmBackward(const LayerPass<T>& p, const int32_t* lengths, T* dh, T* dc, T* dhPrev, const T* dLayerOutput,
                int64_t directions, int64_t direction) {
  T* initial = nullptr;
  runLoop([&](auto& q) {
    T* after = dh;
    T* before = dhPrev;
    for (int64_t step = p.steps - 1; step >= 0; --step) {
      stepBackward(q, p, p.timeAt(step), lengths, after, dc, before, dLayerOutput, directions, direction);
      std::swap(after, before);
    }
    initial = after;
  });
  return initial;
}

// The persistent kernel's plan for this call's forward or backward pass, or none (blocks 0) for
// the GEMM path.
template <typename T>
PersistentPlan choosePlan(const RnnShape& s, bool backward) {
  if (recurrenceKernel() != RecurrenceKernel::Persistent) return {};
  return persistentPlan(s, backward, sizeof(T));
}

// The persistent kernel's plan for a wavefront of layers from `first` on, or none (blocks 0).
template <typename T>
PersistentPlan chooseWavefront(const RnnShape& s, int64_t first) {
  if (recurrenceKernel() != RecurrenceKernel::Persistent) return {};
  return persistentWavefront(s, first, sizeof(T));
}

// out [G] = column sums of m [rows, G] (fixed order: deterministic).
template <typename T>
void sumColumnsOnDevice(const T* m, int64_t rows, int64_t G, T* out) {
  launch("sumColumns", G, sumColumns<T>, m, rows, G, out);
}

// The lengths on the device ([B] int32), or none.
class DeviceLengths {
 public:
  DeviceLengths(const int32_t* lengths, int64_t batch) : copy_(lengths ? batch : 0) {
    if (lengths) copyToDevice(copy_.get(), lengths, sizeof(int32_t) * batch);
  }
  const int32_t* get() const { return copy_.get(); }

 private:
  DeviceScratch<int32_t> copy_;
};

}  // namespace

template <typename T>
void rnnForwardCuda(const RnnForwardArgs<T>& a, bool keepsReserve) {
  ensureUsable();
  const PersistentPlan plan = choosePlan<T>(a.shape, false);
  const RnnShape& s = a.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  const int64_t outputCount = T_ * B * s.layerOutputSize();
  const bool overlap = directionsOverlap(s, plan.blocks > 0);
  PhaseTimer phases(!overlap);
  phases.enter("outputs and copies");  // the lengths' upload and a batch-first input's transpose
  const bool together = plan.takesBothDirections();
  const int64_t lanes = overlap || together ? 2 : 1;
  DeviceScratch<T> layerOutput(outputCount);          // [T, B, D*H]
  DeviceScratch<T> inputGates(lanes * T_ * B * G);    // [lanes, T, B, G]
  DeviceScratch<T> hiddenGates(lanes * B * G);        // [lanes, B, G]
  const DeviceLengths lengths(a.lengths, B);
  const TimeMajor<T> input(s, a.input, s.inputSize);
  ReducedOperands reduced(a.precision, s, lanes);
  auto layerInputOf = [&](int64_t layer) { return layer == 0 ? input.get() : a.reserve + layout.layerInput(layer); };
  // The pass of `layer`'s direction dir over its lane's scratch, prepared for its recurrence: its
  // input projections (unless !project: a wavefront layer above the first makes its own) and
  // initial state rows.
  auto preparedPass = [&](int64_t layer, int64_t dir, int64_t lane, bool project) {
    const int64_t slot = layer * D + dir;
    LayerPass<T> p = makePass(s, layout, a.reserve, a.lengths, a.weights[slot], layer, dir, layerInputOf(layer));
    p.precision = a.precision;
    p.inputGates = inputGates.get() + lane * T_ * B * G;
    p.hiddenGates = hiddenGates.get() + lane * B * G;
    phases.enter("input projections");
    const ReducedLayer r = project ? reduced.layer(a.weights[slot], s.layerInputSize(layer), G, H, lane) : ReducedLayer{};
    if (project) projectInputs(p, r);
    writeInitialState(p, a.h0 ? a.h0 + slot * B * H : nullptr, a.c0 ? a.c0 + slot * B * H : nullptr);
    phases.enter("recurrence");
    return std::make_pair(p, r);
  };
  // After its recurrence: its final states.
  auto writeFinalStates = [&](int64_t layer, const LayerPass<T>& p, int64_t dir) {
    phases.enter("outputs and copies");
    const int64_t slot = layer * D + dir;
    copyOnDevice(a.hN + slot * B * H, p.states + p.finalRow() * B * H, sizeof(T) * B * H);
    if (s.hasCellState()) copyOnDevice(a.cN + slot * B * H, p.cells + p.finalRow() * B * H, sizeof(T) * B * H);
  };
  // After its recurrence: its columns of the layer output, then its final states.
  auto finishDirection = [&](int64_t layer, const LayerPass<T>& p, int64_t dir) {
    phases.enter("outputs and copies");
    launch("writeLayerOutput", T_ * B * H, writeLayerOutput<T>, T_, B, H, p.reverse, lengths.get(),
           static_cast<const T*>(p.states), D, dir, layerOutput.get());
    writeFinalStates(layer, p, dir);
  };
  // After both directions: the layer output becomes the next layer's input.
  auto finishLayer = [&](int64_t layer) {
    if (layer + 1 == L) return;
    T* nextInput = a.reserve + layout.layerInput(layer + 1);
    copyOnDevice(nextInput, layerOutput.get(), sizeof(T) * outputCount);
    if (a.dropout.active()) {
      launch("applyDropout", outputCount, applyDropout<T>, a.dropout.seed, static_cast<uint32_t>(layer), a.dropout.probability,
             nextInput, outputCount);
    }
  };
  // Layers [first, first + n) in one persistent launch, which writes each one's output into the
  // next one's input but the last one's; false when the device refused the grid.
  auto runWavefront = [&](int64_t first, const PersistentPlan& wavefront) {
    const int64_t n = wavefront.layers;
    phases.enter("input projections");
    reduced.convertLayerInput(layerInputOf(first), T_ * B * s.layerInputSize(first));
    std::vector<LayerPass<T>> members;
    for (int64_t i = 0; i < n; ++i) members.push_back(preparedPass(first + i, 0, 0, i == 0).first);
    DeviceScratch<T> stepInputGates(n * B * G);  // [n, B, G]
    const WavefrontBuffers<T> buffers = wavefrontBuffers(s, a.reserve, first, n, a.dropout, stepInputGates.get());
    if (!runPersistentForward(wavefront, members.data(), lengths.get(), keepsReserve, &buffers)) return false;
    for (int64_t i = 0; i + 1 < n; ++i) writeFinalStates(first + i, members[i], 0);
    finishDirection(first + n - 1, members[n - 1], 0);
    finishLayer(first + n - 1);
    return true;
  };
  auto runLayer = [&](int64_t layer) {
    phases.enter("input projections");
    reduced.convertLayerInput(layerInputOf(layer), T_ * B * s.layerInputSize(layer));
    if (together) {
      const std::pair<LayerPass<T>, ReducedLayer> prepared[2] = {preparedPass(layer, 0, 0, true), preparedPass(layer, 1, 1, true)};
      const LayerPass<T> passes[2] = {prepared[0].first, prepared[1].first};
      if (!runPersistentForward(plan, passes, lengths.get(), keepsReserve)) {
        for (const auto& [p, r] : prepared) gemmForward(p, r, lengths.get());
      }
      for (int64_t dir = 0; dir < D; ++dir) finishDirection(layer, passes[dir], dir);
    } else {
      ForkJoin directions(overlap);  // joined before the next layer reads both directions' output
      for (int64_t dir = 0; dir < D; ++dir) {
        const Lane lane(overlap, dir);
        const auto [p, r] = preparedPass(layer, dir, lane.index, true);
        if (!(plan.blocks > 0 && runPersistentForward(plan, &p, lengths.get(), keepsReserve))) gemmForward(p, r, lengths.get());
        finishDirection(layer, p, dir);
      }
      directions.join();
    }
    finishLayer(layer);
  };
  bool refused = false;  // the device refused a wavefront's grid (part of it is held elsewhere)
  for (int64_t layer = 0; layer < L;) {
    const PersistentPlan wavefront = refused ? PersistentPlan{} : chooseWavefront<T>(s, layer);
    if (wavefront.blocks > 0 && runWavefront(layer, wavefront)) {
      layer += wavefront.layers;
    } else {
      refused = refused || wavefront.blocks > 0;
      runLayer(layer++);
    }
  }
  phases.enter("outputs and copies");
  if (s.batchFirst) {
    launch("swapLeadingAxes", outputCount, swapLeadingAxes<T>, static_cast<const T*>(layerOutput.get()), a.output, T_, B,
           s.layerOutputSize());
  } else {
    copyOnDevice(a.output, layerOutput.get(), sizeof(T) * outputCount);
  }
}

template <typename T>
void rnnBackwardCuda(const RnnBackwardArgs<T>& a) {
  ensureUsable();
  const RnnForwardArgs<T>& f = a.forward;
  const RnnShape& s = f.shape;
  const ReserveLayout layout(s);
  const int64_t T_ = s.seqLen, B = s.batch, H = s.hiddenSize, D = s.directions(), L = s.numLayers, G = s.gateWidth();
  const PersistentPlan plan = choosePlan<T>(s, true);
  const bool overlap = directionsOverlap(s, plan.blocks > 0);
  PhaseTimer phases(!overlap);
  phases.enter("outputs and copies");
  const DeviceLengths lengths(f.lengths, B);
  const TimeMajor<T> input(s, f.input, s.inputSize);
  const TimeMajor<T> dOutput(s, a.dOutput, s.layerOutputSize());
  const bool together = plan.takesBothDirections();
  const int64_t lanes = overlap || together ? 2 : 1;
  DeviceScratch<T> dGates(lanes * T_ * B * G);  // [lanes, T, B, G]
  DeviceScratch<T> dHiddenGatesOwn(s.cell == Cell::Gru ? lanes * T_ * B * G : 0);
  T* dHiddenGates = s.cell == Cell::Gru ? dHiddenGatesOwn.get() : dGates.get();  // [lanes, T, B, G]
  DeviceScratch<T> stateRows(lanes * 4 * B * H);  // per lane dh, dhPrev, dc, dResetHidden: [B, H] each
  const int64_t widest = std::max(s.inputSize, s.layerOutputSize());
  DeviceScratch<T> layerGradA(T_ * B * widest), layerGradB(T_ * B * widest);
  T* dLayerOutput = layerGradA.get();  // [T, B, D*H] for the layer being processed
  T* dLayerInput = layerGradB.get();   // [T, B, I_l]
  bool haveLayerOutputGrad = dOutput.get() != nullptr;
  if (haveLayerOutputGrad) copyOnDevice(dLayerOutput, dOutput.get(), sizeof(T) * T_ * B * s.layerOutputSize());
  for (int64_t layer = L - 1; layer >= 0; --layer) {
    const T* layerInput = layer == 0 ? input.get() : f.reserve + layout.layerInput(layer);
    fillZero(dLayerInput, sizeof(T) * T_ * B * s.layerInputSize(layer));
    // The pass of direction `dir` over its lane's scratch.
    auto passFor = [&](int64_t dir, int64_t lane) {
      LayerPass<T> p = makePass(s, layout, f.reserve, f.lengths, f.weights[layer * D + dir], layer, dir, layerInput);
      p.dGates = dGates.get() + lane * T_ * B * G;
      p.dHiddenGates = dHiddenGates + lane * T_ * B * G;
      p.dResetHidden = stateRows.get() + (lane * 4 + 3) * B * H;
      return p;
    };
    // The weight gradients add into one dLayerInput: on the main stream, one direction after the
    // other (after the reverse loops when the directions overlap or share a persistent launch).
    auto weightGradientsOf = [&](const LayerPass<T>& p, int64_t dir) {
      phases.enter("weight and input gradients");
      weightGradients(p, a.weightGrads[layer * D + dir], dLayerInput, gemm<T>, sumColumnsOnDevice<T>);
    };
    // Lane `lane`'s dh, dhPrev and dc [B, H], dh and dc set to direction dir's final-state gradients.
    auto stateGrads = [&](int64_t dir, int64_t lane) {
      const int64_t slot = layer * D + dir;
      T* dh = stateRows.get() + lane * 4 * B * H;
      copyOrZero(a.dhN ? a.dhN + slot * B * H : nullptr, dh, B * H);
      if (s.hasCellState()) copyOrZero(a.dcN ? a.dcN + slot * B * H : nullptr, dh + 2 * B * H, B * H);
      return dh;
    };
    // After direction dir's reverse loop: its initial-state gradients (dh and dc [B, H]).
    auto finishDirection = [&](int64_t dir, const T* dh, const T* dc) {
      const int64_t slot = layer * D + dir;
      copyOnDevice(a.dh0 + slot * B * H, dh, sizeof(T) * B * H);
      if (s.hasCellState()) copyOnDevice(a.dc0 + slot * B * H, dc, sizeof(T) * B * H);
    };
    const T* dAbove = haveLayerOutputGrad ? dLayerOutput : nullptr;
    phases.enter("recurrence");
    if (together) {
      const LayerPass<T> passes[2] = {passFor(0, 0), passFor(1, 1)};
      T* const dh[2] = {stateGrads(0, 0), stateGrads(1, 1)};
      T* const dc[2] = {dh[0] + 2 * B * H, dh[1] + 2 * B * H};
      const bool ran = runPersistentBackward(plan, passes, lengths.get(), dh, dc, dAbove, D);
      for (int64_t dir = 0; dir < D; ++dir) {
        const T* initial = ran ? dh[dir] : gemmBackward(passes[dir], lengths.get(), dh[dir], dc[dir], dh[dir] + B * H, dAbove, D, dir);
        finishDirection(dir, initial, dc[dir]);
      }
    } else {
      ForkJoin directions(overlap);
      for (int64_t dir = 0; dir < D; ++dir) {
        phases.enter("recurrence");
        const Lane lane(overlap, dir);
        const LayerPass<T> p = passFor(dir, lane.index);
        T* dh = stateGrads(dir, lane.index);
        T* dhPrev = dh + B * H;
        T* dc = dh + 2 * B * H;
        if (!(plan.blocks > 0 && runPersistentBackward(plan, &p, lengths.get(), &dh, &dc, dAbove, D))) {
          dh = gemmBackward(p, lengths.get(), dh, dc, dhPrev, dAbove, D, dir);
        }
        finishDirection(dir, dh, dc);
        if (!overlap) weightGradientsOf(p, dir);
      }
      directions.join();
    }
    if (overlap || together) {
      for (int64_t dir = 0; dir < D; ++dir) weightGradientsOf(passFor(dir, dir), dir);
    }
    phases.enter("outputs and copies");
    if (layer > 0) {
      const int64_t count = T_ * B * s.layerInputSize(layer);
      if (f.dropout.active()) {
        launch("applyDropout", count, applyDropout<T>, f.dropout.seed, static_cast<uint32_t>(layer - 1),
               f.dropout.probability, dLayerInput, count);
      }
      std::swap(dLayerOutput, dLayerInput);
      haveLayerOutputGrad = true;
    }
  }
  if (s.batchFirst) {
    launch("swapLeadingAxes", T_ * B * s.inputSize, swapLeadingAxes<T>, static_cast<const T*>(dLayerInput), a.dInput, T_,
           B, s.inputSize);
  } else {
    copyOnDevice(a.dInput, dLayerInput, sizeof(T) * T_ * B * s.inputSize);
  }
}

template <typename T>
void applyDropoutMask(const DropoutSpec& spec, uint32_t stream, T* data, int64_t count) {
  launch("applyDropout", count, applyDropout<T>, spec.seed, stream, spec.probability, data, count);
}

template <typename T>
void addArrays(const T* x, const T* y, T* out, int64_t count) {
  launch("addKernel", count, addKernel<T>, x, y, out, count);
}

#include "rnn_instances.h"

}  // namespace gated::cuda
