#include "embedding.h"

#include <algorithm>

namespace gated {

template <typename T, typename I>
int64_t embeddingForward(const T* table, int64_t rows, int64_t width, const I* indices, int64_t count, T* out) {
  for (int64_t i = 0; i < count; ++i) {
    if (indices[i] < 0 || static_cast<int64_t>(indices[i]) >= rows) return i;
  }
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(table + static_cast<int64_t>(indices[i]) * width, width, out + i * width);
  }
  return -1;
}

template <typename T, typename I>
void embeddingBackward(const T* grad, const I* indices, int64_t count, int64_t width, int64_t rows,
                       int64_t paddingIndex, T* gradTable) {
  std::fill_n(gradTable, rows * width, T(0));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t row = static_cast<int64_t>(indices[i]);
    if (row == paddingIndex) continue;
    T* target = gradTable + row * width;
    const T* source = grad + i * width;
    for (int64_t j = 0; j < width; ++j) target[j] += source[j];
  }
}

#define GATED_EMBEDDING(T, I)                                                                        \
  template int64_t embeddingForward<T, I>(const T*, int64_t, int64_t, const I*, int64_t, T*);       \
  template void embeddingBackward<T, I>(const T*, const I*, int64_t, int64_t, int64_t, int64_t, T*);
GATED_EMBEDDING(float, int32_t)
GATED_EMBEDDING(float, int64_t)
GATED_EMBEDDING(double, int32_t)
GATED_EMBEDDING(double, int64_t)
#undef GATED_EMBEDDING

}  // namespace gated
