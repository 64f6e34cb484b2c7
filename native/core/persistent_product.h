// The product at the heart of the persistent recurrence kernels (persistent_recurrence.h): a
// block's rows of a matrix, kept in shared memory for the whole sequence, times a [B, K] operand
// that the other blocks wrote in the last step:
//   out[b, row] = sum over k of operand[b, k] M[row, k]
// The operand passes through shared memory in chunks of the K axis. Each thread owns one tile of
// up to 4 sequences x 4 rows over one slice of a chunk, so every value it loads from shared memory
// feeds 4 multiply-adds; it keeps its sums across the chunks (TileSums: registers on the GPU), then
// stores them as partial sums, which the units add in slice order (deterministic).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "hd.h"
#include "reduced_float.h"

namespace gated {

constexpr int kPersistentThreads = 256;
constexpr int kProductTile = 4;      // a thread's products: up to 4 sequences x 4 rows
constexpr int kMinSliceLength = 16;  // a chunk's K axis is split no finer than this

// A block's shared memory for one product and the split of the product (the same for every block
// of a pass):
//   matrix   [rows, matrixStride]  from element `base`: row r holds M[r, 0:depth]
//   chunk    [batch, chunkStride]  from element `scratch`: operand[:, c*chunk : (c+1)*chunk]
//   partials [slices, batch, rows] after it
// Odd strides put the rows that neighbouring threads read at one k in different banks.
struct ProductLayout {
  int rows = 0, depth = 0, chunk = 0, batch = 0;
  int matrixStride = 0, chunkStride = 0;
  int rowTiles = 0, batchTiles = 0, slices = 0, sliceLength = 0;
  size_t base = 0, scratch = 0;

  ProductLayout() = default;
  // From element 0: the matrix, then the chunk and the partials.
  GATED_HD ProductLayout(int rowCount, int depthK, int chunkK, int batchSize, int threads)
      : rows(rowCount), depth(depthK), chunk(chunkK), batch(batchSize), matrixStride(depthK | 1), chunkStride(chunkK | 1) {
    rowTiles = (rows + kProductTile - 1) / kProductTile;
    batchTiles = (batch + kProductTile - 1) / kProductTile;
    const int wanted = threads / tiles(), most = (chunk + kMinSliceLength - 1) / kMinSliceLength;
    slices = wanted < 1 ? 1 : (wanted < most ? wanted : most);
    sliceLength = (chunk + slices - 1) / slices;
    scratch = static_cast<size_t>(rows) * matrixStride;
  }
  GATED_HD int tiles() const { return rowTiles * batchTiles; }
  GATED_HD size_t matrixOffset() const { return base; }
  GATED_HD size_t chunkOffset() const { return scratch; }
  GATED_HD size_t partialOffset() const { return chunkOffset() + static_cast<size_t>(batch) * chunkStride; }
  // The end of the layout's chunk and partials.
  GATED_HD size_t elements() const { return partialOffset() + static_cast<size_t>(slices) * batch * rows; }
  // This layout moved to start at element `at`.
  ProductLayout placedAt(size_t at) const {
    ProductLayout moved = *this;
    moved.base = at;
    moved.scratch = at + static_cast<size_t>(rows) * matrixStride;
    return moved;
  }
  // Rows [first, first + count) of this matrix as a product of their own, in this chunk and
  // partials area (its partials may reach further: elements()).
  ProductLayout window(int first, int count, int threads) const {
    ProductLayout rowsOf(count, depth, chunk, batch, threads);
    rowsOf.base = base + static_cast<size_t>(first) * matrixStride;
    rowsOf.scratch = scratch;
    return rowsOf;
  }
};

// The layouts of a block's products (persistent_recurrence.h): its rows of W_hh; for the reset-
// before GRU's forward pass the windows of them that its two stages multiply (r and z, then n),
// in the same chunk and partials area; and for a wavefront layer above the first its rows of W_ih,
// after all of those. A layout of 0 rows is absent.
struct BlockLayouts {
  ProductLayout hidden, stage[2], input;
  size_t elements() const {
    size_t end = 0;
    for (const ProductLayout* l : {&hidden, &stage[0], &stage[1], &input}) {
      if (l->rows > 0 && l->elements() > end) end = l->elements();
    }
    return end;
  }
};

// The layouts for `rows` rows of depth K (with stage windows [0, stageSplit) and [stageSplit,
// rows) unless stageSplit is 0, and inputRows of depth inputDepth after them) at `batch` with the
// widest chunk that fits in sharedPerBlock bytes: all of K, else the largest power of two below
// it, halved down to 64. A tile per thread must do (the sums stay in one thread's registers across
// the chunks). False when nothing fits.
inline bool fittingLayouts(int rows, int depth, int stageSplit, int inputRows, int inputDepth, int batch, size_t sharedPerBlock,
                           size_t elementBytes, BlockLayouts* out) {
  const int deepest = depth > inputDepth ? depth : inputDepth;
  const auto fits = [&](int chunk) {
    BlockLayouts layouts;
    layouts.hidden = ProductLayout(rows, depth, chunk < depth ? chunk : depth, batch, kPersistentThreads);
    if (stageSplit > 0) {
      layouts.stage[0] = layouts.hidden.window(0, stageSplit, kPersistentThreads);
      layouts.stage[1] = layouts.hidden.window(stageSplit, rows - stageSplit, kPersistentThreads);
    }
    if (inputRows > 0) {
      layouts.input = ProductLayout(inputRows, inputDepth, chunk < inputDepth ? chunk : inputDepth, batch, kPersistentThreads)
                          .placedAt(layouts.elements());
    }
    const bool tiled = layouts.hidden.tiles() <= kPersistentThreads && layouts.input.tiles() <= kPersistentThreads;
    if (!tiled || layouts.elements() * elementBytes > sharedPerBlock) return false;
    *out = layouts;
    return true;
  };
  if (fits(deepest)) return true;
  int chunk = 64;
  while (chunk * 2 < deepest) chunk *= 2;
  for (; chunk >= 64; chunk /= 2) {
    if (chunk < deepest && fits(chunk)) return true;
  }
  return false;
}

// x as a product multiplies it: rounded to 16 bits in a reduced-precision call (float32 only).
template <typename T>
GATED_HD T operandValue(OperandPrecision precision, T x) {
  return precision == OperandPrecision::Float32 ? x : static_cast<T>(roundOperand(precision, static_cast<float>(x)));
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

// One thread's sums: sequences {batchTile + batchTiles * q} x rows {rowTile + rowTiles * i}.
template <typename T>
struct TileSums {
  T value[kProductTile][kProductTile];
  GATED_HD void clear() {
    for (int q = 0; q < kProductTile; ++q) {
      for (int i = 0; i < kProductTile; ++i) value[q][i] = T(0);
    }
  }
};

// What a product multiplies the block's matrix with: rows b of `data` (rowStride apart), their
// columns [kBegin, kEnd) against the matrix's columns [kBegin, kEnd), rounded to `precision`.
template <typename T>
struct Operand {
  const T* data = nullptr;
  int64_t rowStride = 0;
  int kBegin = 0, kEnd = 0;
  OperandPrecision precision = OperandPrecision::Float32;
};

// chunk [B, width] = the operand's columns [k0, k0 + width), as the product multiplies them.
template <typename T>
GATED_HD void stageChunk(const ProductLayout& l, const Operand<T>& x, int k0, int width, int thread, int threads, T* shared) {
  T* staged = shared + l.chunkOffset();
  for (int index = thread; index < l.batch * width; index += threads) {
    const int b = index / width, k = index % width;
    staged[b * l.chunkStride + k] = operandValue(x.precision, loadCoherent(x.data + b * x.rowStride + k0 + k));
  }
}

// The thread's tile over its slice of the staged chunk, the matrix's columns [k0, k0 + width).
// Rows and sequences past the end are clamped to the last (no branch in the K loop) and never
// stored.
template <typename T>
GATED_HD void multiplyChunk(const ProductLayout& l, int k0, int width, int thread, const T* shared, TileSums<T>& sums) {
  const int tiles = l.tiles();
  if (thread >= l.slices * tiles) return;
  const int slice = thread / tiles, tile = thread % tiles;
  const int rowTile = tile % l.rowTiles, batchTile = tile / l.rowTiles;
  const int begin = slice * l.sliceLength, end = begin + l.sliceLength < width ? begin + l.sliceLength : width;
  const T* mRow[kProductTile];
  const T* xRow[kProductTile];
  for (int i = 0; i < kProductTile; ++i) {
    const int row = rowTile + l.rowTiles * i, b = batchTile + l.batchTiles * i;
    mRow[i] = shared + l.matrixOffset() + (row < l.rows ? row : l.rows - 1) * l.matrixStride + k0;
    xRow[i] = shared + l.chunkOffset() + (b < l.batch ? b : l.batch - 1) * l.chunkStride;
  }
  for (int k = begin; k < end; ++k) {
    T m[kProductTile], x[kProductTile];
    for (int i = 0; i < kProductTile; ++i) {
      m[i] = mRow[i][k];
      x[i] = xRow[i][k];
    }
    for (int q = 0; q < kProductTile; ++q) {
      for (int i = 0; i < kProductTile; ++i) sums.value[q][i] += x[q] * m[i];
    }
  }
}

// partials[slice, b, row] = the thread's sums.
template <typename T>
GATED_HD void storeSums(const ProductLayout& l, int thread, const TileSums<T>& sums, T* shared) {
  const int tiles = l.tiles();
  if (thread >= l.slices * tiles) return;
  const int slice = thread / tiles, tile = thread % tiles;
  const int rowTile = tile % l.rowTiles, batchTile = tile / l.rowTiles;
  T* partials = shared + l.partialOffset();
  for (int q = 0; q < kProductTile; ++q) {
    const int b = batchTile + l.batchTiles * q;
    for (int i = 0; i < kProductTile; ++i) {
      const int row = rowTile + l.rowTiles * i;
      if (b < l.batch && row < l.rows) partials[(slice * l.batch + b) * l.rows + row] = sums.value[q][i];
    }
  }
}

// out[b, row], the partial sums added in slice order.
template <typename T>
GATED_HD T productOf(const ProductLayout& l, int b, int row, const T* shared) {
  const T* partials = shared + l.partialOffset();
  T sum = T(0);
  for (int slice = 0; slice < l.slices; ++slice) sum += partials[(slice * l.batch + b) * l.rows + row];
  return sum;
}

// The whole product of one step, on a block (see persistent_recurrence.h for Block): zeroes the
// sums, then for each chunk of the operand's K range stages it and multiplies; the partial sums
// are stored when it returns.
template <typename T, typename Block>
GATED_HD void multiplyOperand(const ProductLayout& l, const Operand<T>& x, Block& block) {
  block.each([&](int, TileSums<T>& sums) { sums.clear(); });
  for (int k0 = x.kBegin; k0 < x.kEnd; k0 += l.chunk) {
    const int width = x.kEnd - k0 < l.chunk ? x.kEnd - k0 : l.chunk;
    block.each([&](int thread, TileSums<T>&) { stageChunk(l, x, k0, width, thread, block.threads(), block.shared()); });
    block.sync();
    block.each([&](int thread, TileSums<T>& sums) { multiplyChunk(l, k0, width, thread, block.shared(), sums); });
    block.sync();
  }
  block.each([&](int thread, TileSums<T>& sums) { storeSums(l, thread, sums, block.shared()); });
  block.sync();
}

}  // namespace gated
