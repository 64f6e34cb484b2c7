// The embedding's backward pass on CUDA: gradTable [rows, width] holds, for each row, the sum of
// the gradient rows grad[i] [width] of every position i that looked it up, added in position order
// (the CPU's order), without atomics, so results are deterministic. The looked-up rows are sorted
// with their positions (a stable radix sort, so equal rows keep position order); then the first
// position of each run of equal rows sums the run, one thread per column.
#include <cub/cub.cuh>

#include <limits>
#include <string>

#include "device_buffer.h"
#include "grid_loop.cuh"
#include "ops_api.h"

namespace gated::cuda {
namespace {

__global__ void positionsKernel(int64_t count, int32_t* positions) {
  GATED_GRID_LOOP(i, count) positions[i] = static_cast<int32_t>(i);
}

// Rows outside [0, rows) (which the caller's check excludes) and the padding row get nothing.
template <typename T, typename I>
__global__ void sumRunsKernel(const T* grad, const I* sortedRows, const int32_t* positions, int64_t count, int64_t width,
                              int64_t rows, int64_t paddingIndex, T* gradTable) {
  GATED_GRID_LOOP(index, count * width) {
    const int64_t p = index / width, j = index % width;
    const I row = sortedRows[p];
    if ((p > 0 && sortedRows[p - 1] == row) || row == paddingIndex || row < 0 || row >= rows) continue;
    T sum = T(0);
    for (int64_t q = p; q < count && sortedRows[q] == row; ++q) sum += grad[static_cast<int64_t>(positions[q]) * width + j];
    gradTable[static_cast<int64_t>(row) * width + j] = sum;
  }
}

}  // namespace

template <typename T, typename I>
void embeddingBackward(const T* grad, const I* indices, int64_t count, int64_t width, int64_t rows,
                       int64_t paddingIndex, T* gradTable) {
  fillZero(gradTable, sizeof(T) * rows * width);
  if (count == 0) return;
  if (count > std::numeric_limits<int>::max()) {  // CUB sorts int counts
    throw CudaError("gated: the embedding's backward pass on CUDA takes at most 2^31 - 1 indices, but received " +
                    std::to_string(count));
  }
  DeviceScratch<int32_t> positions(count), sortedPositions(count);
  DeviceScratch<I> sortedRows(count);
  launchOver("positionsKernel", count, positionsKernel, count, positions.get());
  // The forward pass checked the indices, so they lie in [0, rows): the sort needs only the bits
  // of rows - 1 (two passes for a 65,536-row table, where all of an int64 would take eight).
  int bits = 1;
  while (bits < static_cast<int>(sizeof(I) * 8) && (int64_t{1} << bits) < rows) ++bits;
  size_t bytes = 0;
  const int items = static_cast<int>(count);
  checkCuda(cub::DeviceRadixSort::SortPairs(nullptr, bytes, indices, sortedRows.get(), positions.get(), sortedPositions.get(),
                                            items, 0, bits, stream()),
            "cub::DeviceRadixSort::SortPairs (size)");
  DeviceScratch<unsigned char> temporary(static_cast<int64_t>(bytes));
  checkCuda(cub::DeviceRadixSort::SortPairs(temporary.get(), bytes, indices, sortedRows.get(), positions.get(),
                                            sortedPositions.get(), items, 0, bits, stream()),
            "cub::DeviceRadixSort::SortPairs");
  launchOver("sumRunsKernel", count * width, sumRunsKernel<T, I>, grad, static_cast<const I*>(sortedRows.get()),
             static_cast<const int32_t*>(sortedPositions.get()), count, width, rows, paddingIndex, gradTable);
}

#define GATED_EMBEDDING_GRAD(T)                                                                                 \
  template void embeddingBackward<T, int32_t>(const T*, const int32_t*, int64_t, int64_t, int64_t, int64_t, T*); \
  template void embeddingBackward<T, int64_t>(const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t, T*);
GATED_EMBEDDING_GRAD(float)
GATED_EMBEDDING_GRAD(double)
#undef GATED_EMBEDDING_GRAD

}  // namespace gated::cuda
