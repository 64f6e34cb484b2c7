// The persistent recurrence: every step of one layer and direction in one cooperative launch.
// Block k owns hidden units [k*U, (k+1)*U): it keeps their rows of W_hh in shared memory for the
// whole sequence and, each step,
//   1. stages h_{t-1} [B, H] in shared memory (stageState),
//   2. multiplies it with its rows, the K axis split over the threads (multiplyRows),
//   3. sums the partial products in a fixed order and applies the cell to its units (updateUnits),
// then the grid synchronises. Between the phases the block synchronises; no phase reads what
// another thread of its block writes in the same phase, and blocks share only the state rows: a
// step reads row t-1 (all units) and writes row t (its units). So running the blocks one after the
// other, each phase over all its threads in turn, computes exactly what the GPU computes: the CPU
// tests run the kernel's phases that way (cpu/persistent_emulation.cc) on every golden file.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cell_math.h"
#include "hd.h"
#include "rnn_shape.h"

namespace gated {

constexpr int kPersistentThreads = 256;
constexpr int64_t kPersistentMaxBatch = 64;
constexpr int kProductTile = 4;       // a thread's products: up to 4 sequences x 4 rows
constexpr int kMinSliceLength = 16;   // the K axis is split no finer than this

template <typename T>
struct PersistentArgs {
  Cell cell = Cell::Lstm;
  int steps = 0, batch = 0, hidden = 0, gates = 1;  // T, B, H, gates per unit
  int unitsPerBlock = 1;                            // U
  bool reverse = false;
  const int32_t* lengths = nullptr;  // [B] or null
  const T* inputGates = nullptr;     // [T, B, G] input projections with the folded biases
  const T* weight = nullptr;         // W_hh [G, H]
  const T* hiddenBias = nullptr;     // [G] b_hh, reset-after GRU only (else null)
  T* states = nullptr;               // [T+1, B, H] (rows as in LayerPass)
  T* cells = nullptr;                // [T+1, B, H] LSTM
  T* activations = nullptr;          // [T, B, G] gate activations for a backward pass, or null
  T* extra = nullptr;                // [T, B, H] reset-after GRU: W_hn h + b_hn, or null
};

// How a block lays out its shared memory and splits its products (the same for every block).
//   w        [R, stride]  R = gates * U rows; row gate * U + u holds W_hh row gate * H + k*U + u
//   h        [B, stride]  h_{t-1}
//   partials [slices, B, R]
// The odd row stride puts the rows that neighbouring threads read at one k in different banks.
struct PersistentLayout {
  int rows = 0, stride = 0, batch = 0, hidden = 0;
  int rowTiles = 0, batchTiles = 0, slices = 0, sliceLength = 0;

  GATED_HD PersistentLayout(int gates, int units, int batchSize, int hiddenSize, int threads)
      : rows(gates * units), stride(hiddenSize | 1), batch(batchSize), hidden(hiddenSize) {
    rowTiles = (rows + kProductTile - 1) / kProductTile;
    batchTiles = (batch + kProductTile - 1) / kProductTile;
    const int tiles = rowTiles * batchTiles;
    const int wanted = threads / tiles, most = (hidden + kMinSliceLength - 1) / kMinSliceLength;
    slices = wanted < 1 ? 1 : (wanted < most ? wanted : most);
    sliceLength = (hidden + slices - 1) / slices;
  }
  GATED_HD int tiles() const { return rowTiles * batchTiles; }
  GATED_HD size_t weightOffset() const { return 0; }
  GATED_HD size_t stateOffset() const { return static_cast<size_t>(rows) * stride; }
  GATED_HD size_t partialOffset() const { return stateOffset() + static_cast<size_t>(batch) * stride; }
  GATED_HD size_t elements() const { return partialOffset() + static_cast<size_t>(slices) * batch * rows; }
};

// The grid for a layer: blocks 0 when the kernel does not take the shape (the reset-before GRU,
// batch over kPersistentMaxBatch) or a block's share does not fit in sharedPerBlock bytes.
struct PersistentPlan {
  int blocks = 0;
  int unitsPerBlock = 0;
  size_t sharedBytes = 0;
};

inline PersistentPlan persistentPlanFor(const RnnShape& s, int multiprocessors, size_t sharedPerBlock, size_t elementBytes) {
  PersistentPlan plan;
  if (s.cell == Cell::GruResetBefore || s.batch > kPersistentMaxBatch || s.hiddenSize > (1 << 20) || multiprocessors < 1) {
    return plan;
  }
  const int H = static_cast<int>(s.hiddenSize);
  int blocks = H < multiprocessors ? H : multiprocessors;
  const int units = (H + blocks - 1) / blocks;
  blocks = (H + units - 1) / units;
  const PersistentLayout layout(static_cast<int>(s.gateCount()), units, static_cast<int>(s.batch), H, kPersistentThreads);
  const size_t bytes = layout.elements() * elementBytes;
  if (bytes > sharedPerBlock) return plan;
  plan.blocks = blocks;
  plan.unitsPerBlock = units;
  plan.sharedBytes = bytes;
  return plan;
}

// A read of a value another block wrote in an earlier step: on the GPU past the (incoherent) L1.
template <typename T>
GATED_HD T loadCoherent(const T* p) {
#if defined(__CUDA_ARCH__)
  return __ldcg(p);
#else
  return *p;
#endif
}

// The units block `block` owns: [first, first + count).
struct BlockUnits {
  int first = 0, count = 0;
  GATED_HD BlockUnits(int block, int unitsPerBlock, int hidden) : first(block * unitsPerBlock) {
    const int left = hidden - first;
    count = left < unitsPerBlock ? left : unitsPerBlock;
  }
};

// Once, before the first step: the block's rows of W_hh into w (rows of units it lacks are zero).
template <typename T>
GATED_HD void loadWeightRows(const PersistentArgs<T>& a, const PersistentLayout& l, int block, int thread, int threads, T* shared) {
  const BlockUnits mine(block, a.unitsPerBlock, a.hidden);
  T* w = shared + l.weightOffset();
  const int H = a.hidden, U = a.unitsPerBlock;
  for (int index = thread; index < l.rows * H; index += threads) {
    const int row = index / H, k = index % H, gate = row / U, u = row % U;
    w[row * l.stride + k] = u < mine.count ? a.weight[static_cast<int64_t>(gate * H + mine.first + u) * H + k] : T(0);
  }
}

// Phase 1: h [B, H] = the state before the step (every unit, written by every block last step).
template <typename T>
GATED_HD void stageState(const PersistentArgs<T>& a, const PersistentLayout& l, int step, int thread, int threads, T* shared) {
  const int t = a.reverse ? a.steps - 1 - step : step;
  const T* before = a.states + static_cast<int64_t>(a.reverse ? t + 1 : t) * a.batch * a.hidden;
  T* h = shared + l.stateOffset();
  for (int index = thread; index < a.batch * a.hidden; index += threads) {
    const int b = index / a.hidden, k = index % a.hidden;
    h[b * l.stride + k] = loadCoherent(before + index);
  }
}

// Phase 2: partials[slice, b, row] = sum over the slice's k of h[b, k] w[row, k]. Work item
// slice * tiles + tile; a tile is the rows {rowTile + rowTiles * i} of the sequences
// {batchTile + batchTiles * q} (i, q < 4), so neighbouring threads read neighbouring rows. Rows
// and sequences past the end are clamped to the last (no branch in the K loop) and not stored.
template <typename T>
GATED_HD void multiplyRows(const PersistentLayout& l, int thread, int threads, T* shared) {
  const T* w = shared + l.weightOffset();
  const T* h = shared + l.stateOffset();
  T* partials = shared + l.partialOffset();
  const int tiles = l.tiles();
  for (int item = thread; item < l.slices * tiles; item += threads) {
    const int slice = item / tiles, tile = item % tiles;
    const int rowTile = tile % l.rowTiles, batchTile = tile / l.rowTiles;
    const int k0 = slice * l.sliceLength, k1 = k0 + l.sliceLength < l.hidden ? k0 + l.sliceLength : l.hidden;
    int row[kProductTile], b[kProductTile];
    for (int i = 0; i < kProductTile; ++i) {
      row[i] = rowTile + l.rowTiles * i;
      b[i] = batchTile + l.batchTiles * i;
    }
    const T* wRow[kProductTile];
    const T* hRow[kProductTile];
    for (int i = 0; i < kProductTile; ++i) {
      wRow[i] = w + (row[i] < l.rows ? row[i] : l.rows - 1) * l.stride;
      hRow[i] = h + (b[i] < l.batch ? b[i] : l.batch - 1) * l.stride;
    }
    T sum[kProductTile][kProductTile] = {};
    for (int k = k0; k < k1; ++k) {
      T wk[kProductTile], hk[kProductTile];
      for (int i = 0; i < kProductTile; ++i) {
        wk[i] = wRow[i][k];
        hk[i] = hRow[i][k];
      }
      for (int q = 0; q < kProductTile; ++q) {
        for (int i = 0; i < kProductTile; ++i) sum[q][i] += hk[q] * wk[i];
      }
    }
    for (int q = 0; q < kProductTile; ++q) {
      for (int i = 0; i < kProductTile; ++i) {
        if (b[q] < l.batch && row[i] < l.rows) partials[(slice * l.batch + b[q]) * l.rows + row[i]] = sum[q][i];
      }
    }
  }
}

// Phase 3: the cell update of the block's units for every sequence, from the partial products
// summed in slice order; writes the state (and cell) after the step, and the activations a
// backward pass reads. A sequence past its length carries its state; its activations are zero.
template <typename T>
GATED_HD void updateUnits(const PersistentArgs<T>& a, const PersistentLayout& l, int step, int block, int thread, int threads,
                          T* shared) {
  const BlockUnits mine(block, a.unitsPerBlock, a.hidden);
  const T* h = shared + l.stateOffset();
  const T* partials = shared + l.partialOffset();
  const int H = a.hidden, U = a.unitsPerBlock, NG = a.gates, B = a.batch;
  const int64_t G = static_cast<int64_t>(NG) * H;
  const int t = a.reverse ? a.steps - 1 - step : step;
  const int64_t before = static_cast<int64_t>(a.reverse ? t + 1 : t) * B * H;
  const int64_t after = static_cast<int64_t>(a.reverse ? t : t + 1) * B * H;
  for (int pair = thread; pair < B * mine.count; pair += threads) {
    const int b = pair / mine.count, u = pair % mine.count, j = mine.first + u;
    const int64_t at = static_cast<int64_t>(b) * H + j;
    const T hPrev = h[b * l.stride + j];
    T* act = a.activations ? a.activations + (static_cast<int64_t>(t) * B + b) * G : nullptr;
    T* extra = a.extra ? a.extra + static_cast<int64_t>(t) * B * H + at : nullptr;
    if (a.lengths != nullptr && t >= a.lengths[b]) {
      a.states[after + at] = hPrev;
      if (a.cell == Cell::Lstm) a.cells[after + at] = loadCoherent(a.cells + before + at);
      if (act) for (int gate = 0; gate < NG; ++gate) act[gate * H + j] = T(0);
      if (extra) *extra = T(0);
      continue;
    }
    // The products of the unit's gates, in gate order (fixed-size loops keep q and gate in registers).
    T q[4] = {};
    for (int k = 0; k < 4; ++k) {
      if (k >= NG) break;
      for (int slice = 0; slice < l.slices; ++slice) q[k] += partials[(slice * B + b) * l.rows + k * U + u];
    }
    const T* x = a.inputGates + (static_cast<int64_t>(t) * B + b) * G;
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
  }
}

}  // namespace gated
