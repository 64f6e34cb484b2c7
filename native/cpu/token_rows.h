// The rows that hold tokens (t under the sequence's length), gathered for a product and put back:
// a step's rows still running, for the recurrent products (layer_pass.h), and the rows of a
// time-major [T, B, ...] buffer, for the products over every step at once (the input projections,
// and the weight and input gradients), where gathering pays once enough rows are padding.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

namespace gated {

// Gathering pays once at least a tenth of the rows are padding.
constexpr double kMostTokensToGather = 0.9;

// The rows t * batch + b with t under lengths[b] [batch], in order; none without lengths, or when
// too few rows are padding.
inline std::optional<std::vector<int64_t>> tokenRows(const int32_t* lengths, int64_t steps, int64_t batch) {
  if (!lengths) return std::nullopt;
  int64_t tokens = 0;
  for (int64_t b = 0; b < batch; ++b) tokens += std::min<int64_t>(lengths[b], steps);
  if (static_cast<double>(tokens) > kMostTokensToGather * static_cast<double>(steps * batch)) return std::nullopt;
  std::vector<int64_t> rows;
  rows.reserve(static_cast<size_t>(tokens));
  for (int64_t t = 0; t < steps; ++t) {
    for (int64_t b = 0; b < batch; ++b) {
      if (t < lengths[b]) rows.push_back(t * batch + b);
    }
  }
  return rows;
}

// to [count, width] = the first width columns of rows rows[0 .. count) of from (rows `stride` apart).
template <typename T>
void gatherRows(const T* from, int64_t stride, int64_t width, const int64_t* rows, int64_t count, T* to) {
  for (int64_t i = 0; i < count; ++i) std::copy_n(from + rows[i] * stride, width, to + i * width);
}

// The first width columns of rows rows[0 .. count) of to (rows `stride` apart) (=|+=) from [count, width].
template <typename T>
void scatterRows(const T* from, int64_t width, const int64_t* rows, int64_t count, T* to, int64_t stride, bool add) {
  for (int64_t i = 0; i < count; ++i) {
    const T* row = from + i * width;
    T* out = to + rows[i] * stride;
    for (int64_t j = 0; j < width; ++j) out[j] = add ? out[j] + row[j] : row[j];
  }
}

}  // namespace gated
