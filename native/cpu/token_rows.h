// The rows of a time-major [T, B, ...] buffer that hold tokens (t under the sequence's length),
// for the products over every step at once: the input projections, and the weight and input
// gradients. With enough padding, gathering the token rows and multiplying only them pays.
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

// to [rows.size(), width] = the rows of from [*, width].
template <typename T>
void gatherRows(const T* from, int64_t width, const std::vector<int64_t>& rows, T* to) {
  for (size_t i = 0; i < rows.size(); ++i) std::copy_n(from + rows[i] * width, width, to + static_cast<int64_t>(i) * width);
}

// The rows of to [*, width] (=|+=) from [rows.size(), width].
template <typename T>
void scatterRows(const T* from, int64_t width, const std::vector<int64_t>& rows, T* to, bool add) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const T* row = from + static_cast<int64_t>(i) * width;
    T* out = to + rows[i] * width;
    for (int64_t j = 0; j < width; ++j) out[j] = add ? out[j] + row[j] : row[j];
  }
}

}  // namespace gated
