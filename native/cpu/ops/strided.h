// Walking strided N-d operands in the row-major order of an output shape.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gated {

// One operand: element strides per output dimension (0 where it is broadcast) and a start offset.
struct StridedOperand {
  std::vector<int64_t> strides;
  int64_t offset = 0;
};

// Calls visit(outIndex, positions...) for every element of `shape` in row-major order, where
// positions[k] is the element position of operand k. The innermost dimension runs as a tight loop.
template <size_t N, typename Visit>
void forEachElement(const std::vector<int64_t>& shape, const StridedOperand* const (&operands)[N], Visit visit) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (count == 0) return;
  const int64_t inner = rank == 0 ? 1 : shape[rank - 1];
  int64_t innerStride[N];
  int64_t position[N];
  for (size_t k = 0; k < N; ++k) {
    innerStride[k] = rank == 0 ? 0 : operands[k]->strides[rank - 1];
    position[k] = operands[k]->offset;
  }
  std::vector<int64_t> counter(rank > 0 ? rank - 1 : 0, 0);
  for (int64_t base = 0; base < count; base += inner) {
    int64_t at[N];
    for (size_t k = 0; k < N; ++k) at[k] = position[k];
    for (int64_t i = 0; i < inner; ++i) {
      visit(base + i, at);
      for (size_t k = 0; k < N; ++k) at[k] += innerStride[k];
    }
    for (int64_t d = rank - 2; d >= 0; --d) {
      counter[d] += 1;
      for (size_t k = 0; k < N; ++k) position[k] += operands[k]->strides[d];
      if (counter[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) position[k] -= operands[k]->strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}

}  // namespace gated
