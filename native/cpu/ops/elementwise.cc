#include "elementwise.h"

#include "../../core/elementwise_math.h"

#include <cmath>
#include <cstdint>

#include <type_traits>

#include "../../core/cell_math.h"
#include "../activations.h"

namespace gated {
template <typename T>
void binaryOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
              const StridedOperand& sb, T* out) {
  const StridedOperand* const operands[2] = {&sa, &sb};
  forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = arithmetic(op, a[at[0]], b[at[1]]); });
}

template <typename T>
void compareOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
               const StridedOperand& sb, uint8_t* out) {
  const StridedOperand* const operands[2] = {&sa, &sb};
  forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = compare(op, a[at[0]], b[at[1]]) ? 1 : 0; });
}

template <typename T>
void unaryOp(UnaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, T* out) {
  const StridedOperand* const operands[1] = {&sa};
  if constexpr (std::is_floating_point_v<T>) {
    if (op == UnaryOp::Sigmoid || op == UnaryOp::Tanh) {  // the gate kernels: gathered, then mapped in place
      int64_t count = 0;
      forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = a[at[0]]; count = i + 1; });
      if (op == UnaryOp::Sigmoid) sigmoidArray(out, out, count);
      else tanhArray(out, out, count);
      return;
    }
  }
  if (op == UnaryOp::Copy) {  // gathers a view (a backward pass's strided reads): no per-element dispatch
    forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = a[at[0]]; });
    return;
  }
  forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = unary(op, a[at[0]]); });
}

template <typename T>
void copyInto(const std::vector<int64_t>& shape, const T* src, const StridedOperand& ss, T* dst, const StridedOperand& sd) {
  const StridedOperand* const operands[2] = {&ss, &sd};
  forEachElement(shape, operands, [&](int64_t, const int64_t* at) { dst[at[1]] = src[at[0]]; });
}

template <typename T>
void unaryGrad(UnaryOp op, int64_t count, const T* grad, const T* saved, T* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = grad[i] * slope(op, saved[i]);
}

template <typename T>
void maskedFill(const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const uint8_t* mask,
                const StridedOperand& sm, T value, T* out) {
  const StridedOperand* const operands[2] = {&sa, &sm};
  forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = mask[at[1]] ? value : a[at[0]]; });
}

#define GATED_ELEMENTWISE(T)                                                                                     \
  template void binaryOp<T>(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*,    \
                            const StridedOperand&, T*);                                                          \
  template void compareOp<T>(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*,   \
                             const StridedOperand&, uint8_t*);                                                   \
  template void unaryOp<T>(UnaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, T*);           \
  template void maskedFill<T>(const std::vector<int64_t>&, const T*, const StridedOperand&, const uint8_t*,      \
                              const StridedOperand&, T, T*);                                                    \
  template void copyInto<T>(const std::vector<int64_t>&, const T*, const StridedOperand&, T*, const StridedOperand&);
GATED_ELEMENTWISE(float)
GATED_ELEMENTWISE(double)
GATED_ELEMENTWISE(int32_t)
GATED_ELEMENTWISE(int64_t)
GATED_ELEMENTWISE(uint8_t)
#undef GATED_ELEMENTWISE
template void unaryGrad<float>(UnaryOp, int64_t, const float*, const float*, float*);
template void unaryGrad<double>(UnaryOp, int64_t, const double*, const double*, double*);

}  // namespace gated
