// Embedding lookup: rows of a table picked by integer indices.
#pragma once
#include <cstdint>

namespace gated {

// out [count, width] = table [rows, width] at indices [count]. Returns the position of the first
// index outside [0, rows), or -1 when all are valid (nothing is written then).
template <typename T, typename I>
int64_t embeddingForward(const T* table, int64_t rows, int64_t width, const I* indices, int64_t count, T* out);

// gradTable [rows, width] = sum of grad [count, width] rows by index, skipping paddingIndex (< 0: none).
template <typename T, typename I>
void embeddingBackward(const T* grad, const I* indices, int64_t count, int64_t width, int64_t rows,
                       int64_t paddingIndex, T* gradTable);

}  // namespace gated
