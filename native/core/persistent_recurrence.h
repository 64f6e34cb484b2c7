// The persistent recurrence: every step of a layer's direction, of both its directions, or of a
// wavefront of up to 4 stacked layers, in one cooperative launch, forward or backward. Block k owns hidden units [k*U, (k+1)*U) and keeps their part of W_hh in
// shared memory for the whole sequence:
//   forward:  the rows gate*H + j of W_hh (R = gates * U rows of depth H); a step multiplies
//             h_{t-1} [B, H] with them and applies the cell to its units;
//   backward: the columns j of W_hh (R = U rows of depth G); a step multiplies the last step's
//             gate gradients [B, G] with them (the gradient reaching h_t) and applies the cell's
//             backward to its units.
// The grid synchronises once per step (twice for the reset-before GRU: stagesPerStep). Within a
// stage a block runs phases separated by block barriers (persistent_product.h); no phase reads
// what another thread of its block writes in the same phase, and blocks share only what a stage
// writes for the next: a stage reads rows that every block wrote in the stage before and writes
// its own units. So running the blocks one after the
// other, each phase over all its threads in turn, computes exactly what the GPU computes: that is
// how the CPU tests run these kernels (cpu/persistent_emulation.cc), through the same step
// functions. A Block gives each(f) (f(thread, its TileSums) for its threads), sync(), threads()
// and shared(). A bidirectional layer's two directions can share one launch: the first half of
// the blocks runs the forward direction, the second half the reverse one (PersistentLaunch).
// Stacked unidirectional layers can share one forward launch as a wavefront: layer i runs time t
// at launch step t + i, when the layer below has just written its output at t (the next layer's
// input, with the inter-layer dropout applied). A layer above the first multiplies that output with
// its rows of W_ih (kept in shared memory too) at the start of its step, instead of a cuBLAS GEMM
// over all steps, which could not start before the layer below ends. L layers then take T + L - 1
// grid barriers, not L * T.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cell_math.h"
#include "dropout_mask.h"
#include "persistent_plan.h"
#include "persistent_product.h"
#include "rnn_shape.h"

namespace gated {

template <typename T>
struct PersistentArgs {
  Cell cell = Cell::Lstm;
  int steps = 0, batch = 0, hidden = 0, gates = 1;  // T, B, H, gates per unit
  int unitsPerBlock = 1;                            // U
  int lag = 0;                                      // the launch step that runs this pass's step 0
  BlockLayouts layouts;                             // the products of this pass's blocks
  bool reverse = false;                             // the direction runs t = T-1 .. 0
  const int32_t* lengths = nullptr;  // [B] or null
  const T* weight = nullptr;         // W_hh [G, H]
  // b_hh [G] or null: the reset-after GRU adds it in the step; the other cells fold it into the
  // input gates (only a wavefront layer above the first reads it for that).
  const T* hiddenBias = nullptr;
  // Forward in reduced precision: W_hh (and a wavefront layer's W_ih), each state (and the layer
  // below's output) rounded to 16 bits as they are staged (as the GEMM path's cublasGemmEx and the
  // CPU multiply them); float32 sums.
  OperandPrecision precision = OperandPrecision::Float32;
  T* states = nullptr;               // [T+1, B, H] (rows as in LayerPass)
  T* cells = nullptr;                // [T+1, B, H] LSTM
  T* activations = nullptr;          // [T, B, G] gate activations (written forward when not null)
  T* extra = nullptr;                // [T, B, H] reset-after GRU: W_hn h + b_hn (likewise)
  // Forward: the input projections with the folded biases, time t's at inputGatesAt(t, b).
  T* inputGates = nullptr;           // [T, B, G], or [B, G] rewritten each step (inputStepStride 0)
  int64_t inputStepStride = 0;       // B * G, or 0
  // A wavefront layer above the first writes its own input gates each step: W_ih times the layer
  // below's output, plus b_ih and the folded b_hh.
  const T* inputWeight = nullptr;    // W_ih [G, belowWidth], or null: inputGates come filled
  const T* inputBias = nullptr;      // b_ih [G] or null
  const T* below = nullptr;          // [T, B, belowWidth] the layer below's output (its nextInput)
  int belowWidth = 0;
  // A wavefront layer below another writes its output there as it goes, as the next layer's input:
  // zero past a sequence's end, the dropout applied (droppedOut, with the layer's index as stream).
  T* nextInput = nullptr;            // [T, B, H] or null
  double dropoutProbability = 0;
  uint64_t dropoutSeed = 0;
  uint32_t dropoutStream = 0;
  // Backward (reads activations and extra).
  const T* dLayerOutput = nullptr;   // [T, B, directions * H] or null; this direction's part adds to h_t
  int directions = 1, direction = 0;
  T* dh = nullptr;                   // [B, H] in: the final state's gradient; out: the initial state's
  T* dc = nullptr;                   // [B, H] LSTM, likewise for the cell state
  T* dGates = nullptr;               // [T, B, G] input-side pre-activation gradients
  T* dHiddenGates = nullptr;         // [T, B, G] hidden side (reset-after GRU), else dGates

  // The time of forward step `step`, and of backward step `step` (the forward steps in reverse).
  GATED_HD int timeAt(int step) const { return static_cast<int>(timeOfStep(reverse, steps, step)); }
  GATED_HD int backwardTimeAt(int step) const { return timeAt(steps - 1 - step); }
  // The offsets of the state rows before and after time t.
  GATED_HD int64_t rowBefore(int t) const { return rowBeforeTime(reverse, t) * batch * hidden; }
  GATED_HD int64_t rowAfter(int t) const { return rowAfterTime(reverse, t) * batch * hidden; }
  GATED_HD bool active(int b, int t) const { return lengths == nullptr || t < lengths[b]; }
  // Time t's input gates of sequence b: [G].
  GATED_HD T* inputGatesAt(int t, int b) const {
    return inputGates + t * inputStepStride + static_cast<int64_t>(b) * gates * hidden;
  }
};

// The passes of one launch: a layer's direction, both directions of a layer, or the layers of a
// wavefront. Pass i runs blocks [firstBlock[i], firstBlock[i + 1]).
template <typename T>
struct PersistentLaunch {
  PersistentArgs<T> pass[kMaxLaunchPasses];
  int passes = 0;
  int firstBlock[kMaxLaunchPasses + 1] = {};
  int steps = 0;  // launch steps: every pass's lag + steps (backward: steps + 1) fit in them
};

// The pass block `block` of a launch runs, and its index among that pass's blocks.
template <typename T>
GATED_HD const PersistentArgs<T>& passOf(const PersistentLaunch<T>& launch, int block, int* indexInPass) {
  int pass = 0;
  while (pass + 1 < launch.passes && block >= launch.firstBlock[pass + 1]) ++pass;
  *indexInPass = block - launch.firstBlock[pass];
  return launch.pass[pass];
}

// The units block `block` owns: [first, first + count).
struct BlockUnits {
  int first = 0, count = 0;
  GATED_HD BlockUnits(int block, int unitsPerBlock, int hidden) : first(block * unitsPerBlock) {
    const int left = hidden - first;
    count = left < unitsPerBlock ? left : unitsPerBlock;
  }
};

// Calls f(b, u, j) for this thread's share of block `block`'s (sequence b, unit) pairs: u the
// unit's place in the block, j its index in the layer.
template <typename T, typename F>
GATED_HD void forEachUnit(const PersistentArgs<T>& a, int block, int thread, int threads, const F& f) {
  const BlockUnits mine(block, a.unitsPerBlock, a.hidden);
  for (int pair = thread; pair < a.batch * mine.count; pair += threads) {
    const int u = pair % mine.count;
    f(pair / mine.count, u, mine.first + u);
  }
}

// The block's part of W [G, depth] into l's matrix; rows of units it lacks are zero. Forward row
// gate * U + u is W[gate * H + j, :] (W_hh, or a wavefront layer's W_ih); backward row u is
// W_hh[:, j].
template <typename T, typename Block>
GATED_HD void loadRows(const PersistentArgs<T>& a, const ProductLayout& l, bool backward, const T* W, int index, Block& block) {
  const BlockUnits mine(index, a.unitsPerBlock, a.hidden);
  const int H = a.hidden, U = a.unitsPerBlock;
  // Consecutive threads read consecutive elements of W: along k forward, along the units backward.
  block.each([&](int thread, TileSums<T>&) {
    for (int index = thread; index < l.rows * l.depth; index += block.threads()) {
      const int row = backward ? index % l.rows : index / l.depth, k = backward ? index / l.rows : index % l.depth;
      const int u = backward ? row : row % U, j = mine.first + u;
      const int64_t from = backward ? static_cast<int64_t>(k) * H + j : static_cast<int64_t>(row / U * H + j) * l.depth + k;
      block.shared()[l.matrixOffset() + row * l.matrixStride + k] = u < mine.count ? operandValue(a.precision, W[from]) : T(0);
    }
  });
  block.sync();
}

// Once, before the first step: the block's rows (forward) or columns (backward) of W_hh, and a
// wavefront layer's rows of W_ih.
template <typename T, typename Block>
GATED_HD void loadBlockMatrix(const PersistentArgs<T>& a, bool backward, int index, Block& block) {
  loadRows(a, a.layouts.hidden, backward, a.weight, index, block);
  if (a.inputWeight) loadRows(a, a.layouts.input, false, a.inputWeight, index, block);
}

// A wavefront layer's output at (t, b, j) for the layer above, when it has one: the new state h, or
// zero for a sequence past its end (`live` false), with the inter-layer dropout applied.
template <typename T>
GATED_HD void writeNextInput(const PersistentArgs<T>& a, int t, int b, int j, bool live, T h) {
  if (!a.nextInput) return;
  const int64_t index = (static_cast<int64_t>(t) * a.batch + b) * a.hidden + j;
  const T value = live ? h : T(0);
  a.nextInput[index] = a.dropoutProbability > 0 ? droppedOut(a.dropoutSeed, a.dropoutStream, a.dropoutProbability, index, value)
                                                : value;
}

// Forward, after the product: the cell update of the block's units for every sequence. Writes the
// state (and cell) after the step, and the activations when asked. A sequence past its length
// carries its state; its activations are zero.
template <typename T>
GATED_HD void updateUnits(const PersistentArgs<T>& a, const ProductLayout& l, int step, int block, int thread, int threads,
                          const T* shared) {
  const int H = a.hidden, U = a.unitsPerBlock, NG = a.gates, B = a.batch;
  const int64_t G = static_cast<int64_t>(NG) * H;
  const int t = a.timeAt(step);
  const int64_t before = a.rowBefore(t), after = a.rowAfter(t);
  forEachUnit(a, block, thread, threads, [&](int b, int u, int j) {
    const int64_t at = static_cast<int64_t>(b) * H + j;
    const T hPrev = loadCoherent(a.states + before + at);
    T* act = a.activations ? a.activations + (static_cast<int64_t>(t) * B + b) * G : nullptr;
    T* extra = a.extra ? a.extra + static_cast<int64_t>(t) * B * H + at : nullptr;
    if (!a.active(b, t)) {
      a.states[after + at] = hPrev;
      if (a.cell == Cell::Lstm) a.cells[after + at] = loadCoherent(a.cells + before + at);
      if (act) for (int gate = 0; gate < NG; ++gate) act[gate * H + j] = T(0);
      if (extra) *extra = T(0);
      writeNextInput(a, t, b, j, false, hPrev);
      return;
    }
    // The products of the unit's gates (fixed-size loops keep q and gate in registers).
    T q[4] = {};
    for (int k = 0; k < 4; ++k) {
      if (k < NG) q[k] = productOf(l, b, k * U + u, shared);
    }
    const T* x = a.inputGatesAt(t, b);
    T gate[4] = {};  // the unit's gate activations
    if (a.cell == Cell::Lstm) {
      T c;
      lstmForward(x[j] + q[0], x[H + j] + q[1], x[2 * H + j] + q[2], x[3 * H + j] + q[3], loadCoherent(a.cells + before + at),
                  &gate[0], &gate[1], &gate[2], &gate[3], &c, &a.states[after + at]);
      a.cells[after + at] = c;
    } else if (a.cell == Cell::Gru) {
      const T* bh = a.hiddenBias;
      const T hn = q[2] + (bh ? bh[2 * H + j] : T(0));
      gruForward(x[j], x[H + j], x[2 * H + j], q[0] + (bh ? bh[j] : T(0)), q[1] + (bh ? bh[H + j] : T(0)), hn, hPrev,
                 &gate[0], &gate[1], &gate[2], &a.states[after + at]);
      if (extra) *extra = hn;
    } else {
      a.states[after + at] = rnnActivate(a.cell == Cell::RnnRelu, x[j] + q[0]);
    }
    for (int k = 0; k < 4; ++k) {
      if (act && k < NG) act[k * H + j] = gate[k];
    }
    writeNextInput(a, t, b, j, true, a.states[after + at]);
  });
}

// The reset-before GRU's forward stages, after their products over their windows of the block's
// rows (BlockLayouts::stage). Stage 0: r and z from h_{t-1} times the r and z rows, and
// r * h_{t-1} (in extra) for stage 1, which multiplies that with the n rows: n, then
// h_t = (1 - z) n + z h_{t-1}. A sequence past its length gets zero activations and r * h, and
// carries its state.
template <typename T>
GATED_HD void resetBeforeUnits(const PersistentArgs<T>& a, const ProductLayout& l, int step, int stage, int block, int thread,
                               int threads, const T* shared) {
  const int H = a.hidden, U = a.unitsPerBlock, B = a.batch;
  const int t = a.timeAt(step);
  forEachUnit(a, block, thread, threads, [&](int b, int u, int j) {
    const int64_t at = static_cast<int64_t>(b) * H + j, row = (static_cast<int64_t>(t) * B + b) * 3 * H;
    T* act = a.activations + row;
    const T* x = a.inputGatesAt(t, b);
    const T hPrev = loadCoherent(a.states + a.rowBefore(t) + at);
    const bool live = a.active(b, t);
    if (stage == 0) {
      act[j] = live ? sigmoidOf(x[j] + productOf(l, b, u, shared)) : T(0);
      act[H + j] = live ? sigmoidOf(x[H + j] + productOf(l, b, U + u, shared)) : T(0);
      a.extra[static_cast<int64_t>(t) * B * H + at] = act[j] * hPrev;
      return;
    }
    act[2 * H + j] = live ? tanhOf(x[2 * H + j] + productOf(l, b, u, shared)) : T(0);
    const T h = live ? gruBlend(loadCoherent(act + H + j), act[2 * H + j], hPrev) : hPrev;
    a.states[a.rowAfter(t) + at] = h;
    writeNextInput(a, t, b, j, live, h);
  });
}

// Grid barriers per step: one, or two for the reset-before GRU, whose second product multiplies
// r * h_{t-1} and so needs every unit's r first.
GATED_HD int stagesPerStep(Cell cell) { return cell == Cell::GruResetBefore ? 2 : 1; }

// A wavefront layer above the first, before its step at time t: its input gates at t for the
// block's units, the folded biases plus the layer below's output at t (written in the launch step
// before) times the block's rows of W_ih. Each thread writes the (sequence, unit) pairs that it
// reads in the cell update.
template <typename T, typename Block>
GATED_HD void projectStepInputs(const PersistentArgs<T>& a, int t, int index, Block& block) {
  const ProductLayout& l = a.layouts.input;
  const T* below = a.below + static_cast<int64_t>(t) * a.batch * a.belowWidth;
  multiplyOperand(l, Operand<T>{below, a.belowWidth, 0, a.belowWidth, a.precision}, block);
  const int H = a.hidden, U = a.unitsPerBlock;
  const bool foldHiddenBias = a.cell != Cell::Gru && a.hiddenBias;
  block.each([&](int thread, TileSums<T>&) {
    forEachUnit(a, index, thread, block.threads(), [&](int b, int u, int j) {
      T* x = a.inputGatesAt(t, b);
      for (int gate = 0; gate < a.gates; ++gate) {
        const int k = gate * H + j;
        const T bias = (a.inputBias ? a.inputBias[k] : T(0)) + (foldHiddenBias ? a.hiddenBias[k] : T(0));
        x[k] = bias + productOf(l, b, gate * U + u, block.shared());
      }
    });
  });
  block.sync();
}

// Stage `stage` of launch step `launchStep` on the pass's block `index`: its step launchStep - lag
// (none before it starts or after it ends), the state (or, in the reset-before GRU's stage 1,
// r * h_{t-1}) times its rows, then the cell update.
template <typename T, typename Block>
GATED_HD void forwardStep(const PersistentArgs<T>& a, int launchStep, int stage, int index, Block& block) {
  const int step = launchStep - a.lag;
  if (step < 0 || step >= a.steps) return;  // every block of the pass alike
  const int t = a.timeAt(step);
  if (stage == 0 && a.inputWeight) projectStepInputs(a, t, index, block);
  const ProductLayout& l = a.cell == Cell::GruResetBefore ? a.layouts.stage[stage] : a.layouts.hidden;
  const T* operand = stage == 0 ? a.states + a.rowBefore(t) : a.extra + static_cast<int64_t>(t) * a.batch * a.hidden;
  multiplyOperand(l, Operand<T>{operand, a.hidden, 0, a.hidden, a.precision}, block);
  block.each([&](int thread, TileSums<T>&) {
    if (a.cell == Cell::GruResetBefore) resetBeforeUnits(a, l, step, stage, index, thread, block.threads(), block.shared());
    else updateUnits(a, l, step, index, thread, block.threads(), block.shared());
  });
  block.sync();  // redundant before grid.sync() on the GPU; the reversed emulation runs its pending phases here
}

// Backward, after the product (the gradient reaching h_t through W_hh, zero at step 0): per unit
// and sequence, dh_t = dh (what did not pass through W_hh) + that product + this direction's
// dLayerOutput at t (an active row). Step `steps` only finishes dh: the initial state's gradient.
// Otherwise the cell's backward writes the gate gradients of t, dc_{t-1}, and in dh the part of
// dh_{t-1} that does not pass through W_hh. A row past its length passes dh on; its gate
// gradients are zero.
template <typename T>
GATED_HD void backwardUnits(const PersistentArgs<T>& a, const ProductLayout& l, int step, int block, int thread, int threads,
                            const T* shared) {
  const int H = a.hidden, NG = a.gates, B = a.batch;
  const int64_t G = static_cast<int64_t>(NG) * H;
  forEachUnit(a, block, thread, threads, [&](int b, int u, int j) {
    const int64_t at = static_cast<int64_t>(b) * H + j;
    T dh = a.dh[at] + productOf(l, b, u, shared);
    if (step == a.steps) {
      a.dh[at] = dh;
      return;
    }
    const int t = a.backwardTimeAt(step);
    const int64_t row = (static_cast<int64_t>(t) * B + b) * G;
    T* d = a.dGates + row;
    T* dHidden = a.dHiddenGates + row;
    if (!a.active(b, t)) {
      a.dh[at] = dh;
      for (int gate = 0; gate < NG; ++gate) d[gate * H + j] = dHidden[gate * H + j] = T(0);
      return;
    }
    if (a.dLayerOutput) dh += a.dLayerOutput[((static_cast<int64_t>(t) * B + b) * a.directions + a.direction) * H + j];
    const T* act = a.activations ? a.activations + row : nullptr;  // none for a plain RNN
    if (a.cell == Cell::Lstm) {
      lstmBackward(act[j], act[H + j], act[2 * H + j], act[3 * H + j], a.cells[a.rowAfter(t) + at], a.cells[a.rowBefore(t) + at],
                   dh, a.dc[at], &d[j], &d[H + j], &d[2 * H + j], &d[3 * H + j], &a.dc[at]);
      a.dh[at] = T(0);
    } else if (a.cell == Cell::Gru) {
      gruBackward(act[j], act[H + j], act[2 * H + j], a.extra[static_cast<int64_t>(t) * B * H + at], a.states[a.rowBefore(t) + at],
                  dh, &d[j], &d[H + j], &d[2 * H + j], &dHidden[2 * H + j], &a.dh[at]);
      dHidden[j] = d[j];
      dHidden[H + j] = d[H + j];
    } else if (a.cell == Cell::GruResetBefore) {  // z and n now, r in stage 1 (resetBackward)
      gruResetBeforeBackwardZN(act[H + j], act[2 * H + j], a.states[a.rowBefore(t) + at], dh, &d[H + j], &d[2 * H + j], &a.dh[at]);
    } else {
      d[j] = dh * rnnActivationSlope(a.cell == Cell::RnnRelu, a.states[a.rowAfter(t) + at]);
      a.dh[at] = T(0);
    }
  });
}

// The reset-before GRU, backward stage 1, after the product d(r * h_{t-1}) = dPreN W_hn (the
// block's columns): r's gradient, and its part of dh_{t-1}. A sequence past its length has none.
template <typename T>
GATED_HD void resetBackward(const PersistentArgs<T>& a, const ProductLayout& l, int step, int block, int thread, int threads,
                            const T* shared) {
  const int H = a.hidden, B = a.batch;
  const int t = a.backwardTimeAt(step);
  forEachUnit(a, block, thread, threads, [&](int b, int u, int j) {
    if (!a.active(b, t)) return;
    const int64_t at = static_cast<int64_t>(b) * H + j, row = (static_cast<int64_t>(t) * B + b) * 3 * H;
    gruResetBeforeBackwardR(a.activations[row + j], a.states[a.rowBefore(t) + at], productOf(l, b, u, shared), &a.dGates[row + j],
                            &a.dh[at]);
  });
}

// Stage 0 of backward step `step` of steps + 1 on the pass's block `index`: the last step's gate
// gradients (the reset-before GRU's r and z ones) times its columns of W_hh, then the cell's
// backward (or, after the last step, the initial state's gradient). The reset-before GRU's stage
// 1: this step's dPreN times the block's W_hn columns, then r's gradient.
template <typename T, typename Block>
GATED_HD void backwardStep(const PersistentArgs<T>& a, int step, int stage, int index, Block& block) {
  const ProductLayout& l = a.layouts.hidden;
  const int64_t G = static_cast<int64_t>(a.gates) * a.hidden, H = a.hidden;
  const bool resetBefore = a.cell == Cell::GruResetBefore;
  if (stage == 1) {
    if (step == a.steps) return;  // every block alike
    const int64_t now = static_cast<int64_t>(a.backwardTimeAt(step)) * a.batch * G;
    multiplyOperand(l, Operand<T>{a.dGates + now, G, static_cast<int>(2 * H), static_cast<int>(3 * H)}, block);
    block.each([&](int thread, TileSums<T>&) { resetBackward(a, l, step, index, thread, block.threads(), block.shared()); });
    block.sync();
    return;
  }
  if (step == 0) {
    block.each([&](int thread, TileSums<T>& sums) {
      sums.clear();
      storeSums(l, thread, sums, block.shared());
    });
    block.sync();
  } else {
    const int64_t last = static_cast<int64_t>(a.backwardTimeAt(step - 1)) * a.batch * G;
    multiplyOperand(l, Operand<T>{a.dHiddenGates + last, G, 0, static_cast<int>(resetBefore ? 2 * H : G)}, block);
  }
  block.each([&](int thread, TileSums<T>&) { backwardUnits(a, l, step, index, thread, block.threads(), block.shared()); });
  block.sync();
}

// A pass's steps: forward a.steps; backward a.steps + 1 (the last finishes the initial state's
// gradient). Each has stagesPerStep(a.cell) stages, with a grid barrier after each.
template <typename T>
GATED_HD int passSteps(const PersistentArgs<T>& a, bool backward) {
  return backward ? a.steps + 1 : a.steps;
}

// Stage `stage` of launch step `launchStep` of a forward or backward launch, on the pass's block
// `index`.
template <typename T, typename Block>
GATED_HD void runStage(const PersistentArgs<T>& a, bool backward, int launchStep, int stage, int index, Block& block) {
  if (backward) backwardStep(a, launchStep, stage, index, block);
  else forwardStep(a, launchStep, stage, index, block);
}

}  // namespace gated
