// One layer and direction of a recurrent network: its buffers and how time and lengths index them.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "../core/rnn_shape.h"
#include "gemm.h"
#include "pool.h"
#include "rnn_cpu.h"
#include "rounding.h"
#include "token_rows.h"
#include "workspace.h"

namespace gated {

// Indices [begin, end): the sequences or the hidden units one member of a team computes.
struct IndexRange {
  int64_t begin = 0, end = 0;
  int64_t count() const { return end - begin; }
};

template <typename T>
struct LayerPass {
  Cell cell = Cell::Lstm;
  int64_t steps = 0;      // T
  int64_t batch = 0;      // B
  int64_t hidden = 0;     // H
  int64_t inputSize = 0;  // I_l
  int64_t width = 0;      // G = gates * H
  bool reverse = false;
  const int32_t* lengths = nullptr;  // [B] or null
  const T* input = nullptr;          // [T, B, I_l]
  LayerWeights<T> weights;
  // On the CPU, a pass is split over a team by sequences and hidden units (see rnn_cpu.cc): this
  // member's sequences and units, the barrier it shares with the members computing the other units
  // of its sequences, and its blocks of W_hh, packed once per pass (packRecurrent):
  //   forward:  [g] for each gate g: W_hh[g*H + units, :]^T [H, units]; hiddenGates[:, g*H + units]
  //             = h W_g (reset-before GRU: gate n multiplies r * h)
  //   backward: [0] W_hh[:, units] [G, units]: dhPrev[:, units] += dGates W_0 (reset-before GRU:
  //             [dPreR, dPreZ] W_h{r,z}[:, units]); [1] W_hn[:, units]: d(r * h) = dPreN W_1
  IndexRange sequences;
  IndexRange units;
  SpinBarrier* team = nullptr;
  int teamMembers = 1;
  const PanelMatrix<T>* recurrent = nullptr;

  void waitForTeam() const { team->arriveAndWait(teamMembers); }

  // Reserve parts (see ReserveLayout).
  T* states = nullptr;  // [T+1, B, H]
  T* cells = nullptr;   // [T+1, B, H]
  T* gates = nullptr;   // [T, B, G]
  T* extra = nullptr;   // [T, B, H]
  // False when no backward pass will read gates and extra (a call without gradients): the vector
  // step kernels then leave them unwritten.
  bool keepActivations = true;
  // Rounds the recurrent products' state operand (forward, float32; see RnnForwardArgs).
  OperandPrecision precision = OperandPrecision::Float32;

  // Forward scratch.
  T* inputGates = nullptr;   // [T, B, G] input projections plus folded biases
  T* hiddenGates = nullptr;  // [B, G] recurrent projection of one step

  // Backward scratch.
  T* dGates = nullptr;        // [T, B, G] gradients of the input-side pre-activations
  T* dHiddenGates = nullptr;  // [T, B, G] hidden side; the same buffer except for reset-after GRU
  T* dResetHidden = nullptr;  // [B, H] gradient of r * h (reset-before GRU)

  bool active(int64_t b, int64_t t) const { return lengths == nullptr || t < lengths[b]; }
  // The time index processed at position `step` of this direction's loop.
  int64_t timeAt(int64_t step) const { return timeOfStep(reverse, steps, step); }
  // Row of states / cells holding the value before and after processing time t.
  int64_t rowBefore(int64_t t) const { return rowBeforeTime(reverse, t); }
  int64_t rowAfter(int64_t t) const { return rowAfterTime(reverse, t); }
  T* stateBefore(int64_t t) const { return states + rowBefore(t) * batch * hidden; }
  T* stateAfter(int64_t t) const { return states + rowAfter(t) * batch * hidden; }
  T* cellBefore(int64_t t) const { return cells + rowBefore(t) * batch * hidden; }
  T* cellAfter(int64_t t) const { return cells + rowAfter(t) * batch * hidden; }
  int64_t initialRow() const { return reverse ? steps : 0; }
  int64_t finalRow() const { return reverse ? 0 : steps; }
  // [T, B, H]: the state before each time step, in time order (rows of the dW_hh product).
  const T* statesBeforeInTimeOrder() const { return states + (reverse ? batch * hidden : 0); }
};

// The pass of one layer and direction over the reserve, for the CPU and CUDA drivers alike.
template <typename T>
inline LayerPass<T> makePass(const RnnShape& s, const ReserveLayout& layout, T* reserve, const int32_t* lengths,
                      const LayerWeights<T>& weights, int64_t layer, int64_t dir, const T* layerInput) {
  const int64_t slot = layer * s.directions() + dir;
  LayerPass<T> p;
  p.cell = s.cell;
  p.steps = s.seqLen;
  p.batch = s.batch;
  p.hidden = s.hiddenSize;
  p.inputSize = s.layerInputSize(layer);
  p.width = s.gateWidth();
  p.reverse = dir == 1;
  p.lengths = lengths;
  p.input = layerInput;
  p.weights = weights;
  p.states = reserve + layout.states(slot);
  p.cells = reserve + layout.cells(slot);
  p.gates = reserve + layout.gates(slot);
  p.extra = reserve + layout.extra(slot);
  return p;
}

// dW_ih, dW_hh, the biases, and dLayerInput [T*B, I_l] += dGates W_ih (unless null), from the
// gradients the reverse loop stored: the same products on either device. gemm has the CPU gemm's signature;
// sumColumns(m [rows, G], rows, G, out [G]) writes column sums.
template <typename T, typename Gemm, typename SumColumns>
void weightGradients(const LayerPass<T>& p, const LayerWeightGrads<T>& grads, T* dLayerInput, Gemm gemm, SumColumns sumColumns) {
  const int64_t rows = p.steps * p.batch, G = p.width, H = p.hidden, I = p.inputSize;
  gemm(true, false, G, I, rows, T(1), p.dGates, G, p.input, I, T(0), grads.inputWeight, I);
  const T* statesBefore = p.statesBeforeInTimeOrder();
  if (p.cell == Cell::GruResetBefore) {
    gemm(true, false, 2 * H, H, rows, T(1), p.dHiddenGates, G, statesBefore, H, T(0), grads.hiddenWeight, H);
    gemm(true, false, H, H, rows, T(1), p.dHiddenGates + 2 * H, G, p.extra, H, T(0), grads.hiddenWeight + 2 * H * H, H);
  } else {
    gemm(true, false, G, H, rows, T(1), p.dHiddenGates, G, statesBefore, H, T(0), grads.hiddenWeight, H);
  }
  if (grads.inputBias) sumColumns(p.dGates, rows, G, grads.inputBias);
  if (grads.hiddenBias) sumColumns(p.dHiddenGates, rows, G, grads.hiddenBias);
  if (dLayerInput) gemm(false, false, rows, I, G, T(1), p.dGates, G, p.weights.inputWeight, I, T(1), dLayerInput, I);
}

// Per-step forward and backward of each cell, for the member's units of its sequences. The
// members' parts of hiddenGates are disjoint; the driver waits for the team after each forward
// step (the next reads every unit of the state), and a backward step waits after its gate gradients
// (its product with W_hh reads all of them; see backPropagateState). Backward: dh [B, H] is the
// gradient reaching the state after time t; dc [B, H] (LSTM) that reaching the cell state, replaced
// by the one before t; dhPrev [B, H] receives the gradient reaching the state before t. Each reads
// and writes only the member's sequences and units of dh, dc and dhPrev.
template <typename T> void lstmStepForward(const LayerPass<T>& pass, int64_t t);
template <typename T> void lstmStepBackward(const LayerPass<T>& pass, int64_t t, const T* dh, T* dc, T* dhPrev);
template <typename T> void gruStepForward(const LayerPass<T>& pass, int64_t t);
template <typename T> void gruStepBackward(const LayerPass<T>& pass, int64_t t, const T* dh, T* dhPrev);
template <typename T> void gruResetBeforeStepForward(const LayerPass<T>& pass, int64_t t);
template <typename T> void gruResetBeforeStepBackward(const LayerPass<T>& pass, int64_t t, const T* dh, T* dhPrev);
template <typename T> void rnnStepForward(const LayerPass<T>& pass, int64_t t);
template <typename T> void rnnStepBackward(const LayerPass<T>& pass, int64_t t, const T* dh, T* dhPrev);

// The member's rows of state [B, H] as the recurrent product multiplies them: rounded to the pass's
// reduced precision into the thread's scratch, or the rows themselves.
template <typename T>
inline const T* recurrentOperand(const LayerPass<T>& p, const T* state) {
  const T* rows = state + p.sequences.begin * p.hidden;
  if (p.precision == OperandPrecision::Float32) return rows;
  const int64_t count = p.sequences.count() * p.hidden;
  T* rounded = scratch<T>(Scratch::RoundedState, static_cast<size_t>(count));
  roundOperands(p.precision, rows, rounded, count);
  return rounded;
}

// The member's sequences that are active at time t (length over t), as offsets from
// sequences.begin: the run [first, first + count) when they are one (every sequence, or lengths
// sorted either way), else the `count` offsets in `listed`.
struct ActiveRows {
  int64_t first = 0, count = 0;
  const int64_t* listed = nullptr;
};

template <typename T>
ActiveRows activeRows(const LayerPass<T>& p, int64_t t) {
  const int64_t n = p.sequences.count();
  if (!p.lengths) return {0, n, nullptr};
  int64_t* offsets = scratch<int64_t>(Scratch::ActiveRows, static_cast<size_t>(n));
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (p.active(p.sequences.begin + i, t)) offsets[count++] = i;
  }
  if (count == 0 || offsets[count - 1] - offsets[0] == count - 1) return {count > 0 ? offsets[0] : 0, count, nullptr};
  return {0, count, offsets};
}

// The active rows of in [*, depth] (rows ldIn apart, indexed from the member's first sequence) as
// a product's operand, with its row stride in *ld: the run in place, or the listed rows gathered
// into the thread's scratch [count, depth].
template <typename T>
const T* activeOperand(const ActiveRows& active, const T* in, int64_t ldIn, int64_t depth, int64_t* ld) {
  if (!active.listed) {
    *ld = ldIn;
    return in + active.first * ldIn;
  }
  T* gathered = scratch<T>(Scratch::ActiveOperand, static_cast<size_t>(active.count * depth));
  gatherRows(in, ldIn, depth, active.listed, active.count, gathered);
  *ld = depth;
  return gathered;
}

// out's active rows (ldOut apart, indexed as in activeOperand) (=|+=) operand (from activeOperand,
// rows ld apart) W. The other rows are left as they were, since no step reads them: padding costs
// no product. A run is written in place; listed rows through the thread's scratch.
template <typename T>
void multiplyIntoActiveRows(const ActiveRows& active, const PanelMatrix<T>& W, const T* operand, int64_t ld, T* out, int64_t ldOut,
                            bool accumulate) {
  if (active.count == 0) return;
  if (!active.listed) return W.multiply(active.count, operand, ld, out + active.first * ldOut, ldOut, accumulate);
  const int64_t N = W.columns();
  T* sums = scratch<T>(Scratch::ActiveProduct, static_cast<size_t>(active.count * N));  // [count, N]
  W.multiply(active.count, operand, ld, sums, N, false);
  scatterRows(sums, N, active.listed, active.count, out, ldOut, accumulate);
}

// hiddenGates[active sequences, g*H + units] (=|+=) state [B, H] W_g for the member's forward
// blocks g in [first, last) at time t.
template <typename T>
inline void multiplyGates(const LayerPass<T>& p, int64_t t, int first, int last, const T* state, bool accumulate) {
  const ActiveRows active = activeRows(p, t);
  int64_t ld = 0;
  const T* operand = activeOperand(active, recurrentOperand(p, state), p.hidden, p.hidden, &ld);
  T* out = p.hiddenGates + p.sequences.begin * p.width + p.units.begin;
  for (int g = first; g < last; ++g) multiplyIntoActiveRows(active, p.recurrent[g], operand, ld, out + g * p.hidden, p.width, accumulate);
}

// out[active sequences, units] (=|+=) gateGrads [B, K] (rows G apart) W_block at time t, once the
// members sharing these sequences have written their gate gradients (K = G, or 2H and H for the
// reset-before GRU's blocks); out is [B, H]. (A row past its length has zero gate gradients.)
template <typename T>
inline void backPropagateState(const LayerPass<T>& p, int64_t t, int block, const T* gateGrads, T* out, bool accumulate) {
  p.waitForTeam();
  const int64_t b0 = p.sequences.begin;
  const ActiveRows active = activeRows(p, t);
  const PanelMatrix<T>& W = p.recurrent[block];
  int64_t ld = 0;
  const T* operand = activeOperand(active, gateGrads + b0 * p.width, p.width, W.depth(), &ld);
  multiplyIntoActiveRows(active, W, operand, ld, out + b0 * p.hidden + p.units.begin, p.hidden, accumulate);
}

// A row of a sequence past its length keeps its state: to[units] = from[units] of rows [H].
template <typename T>
inline void carryInactiveRow(IndexRange u, const T* from, T* to) {
  for (int64_t j = u.begin; j < u.end; ++j) to[j] = from[j];
}

// Zeroes the member's columns of each of `gates` gate blocks [H] in a row [gates * H].
template <typename T>
inline void zeroGateColumns(IndexRange u, int64_t hidden, int64_t gates, T* row) {
  for (int64_t g = 0; g < gates; ++g) {
    for (int64_t j = u.begin; j < u.end; ++j) row[g * hidden + j] = T(0);
  }
}

// act = x + hg in the member's columns of gate blocks [0, gates) (rows [gates * H]).
template <typename T>
inline void addGateColumns(IndexRange u, int64_t hidden, int64_t gates, const T* x, const T* hg, T* act) {
  for (int64_t g = 0; g < gates; ++g) {
    for (int64_t j = g * hidden + u.begin; j < g * hidden + u.end; ++j) act[j] = x[j] + hg[j];
  }
}

// Backward of an inactive row: dhPrev = dh, and the gate gradients are zero (rows [gates * H]).
template <typename T>
inline void passInactiveRowBack(IndexRange u, int64_t hidden, int64_t gates, const T* dh, T* dhPrev, std::initializer_list<T*> gateRows) {
  carryInactiveRow(u, dh, dhPrev);
  for (T* row : gateRows) zeroGateColumns(u, hidden, gates, row);
}

}  // namespace gated
