// Element-wise ops over strided, broadcast operands; the output is contiguous in the output shape.
#pragma once
#include <cstdint>
#include <vector>

#include "../../core/elementwise_math.h"
#include "strided.h"

namespace gated {


// out [shape] = a op b (arithmetic ops).
template <typename T>
void binaryOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
              const StridedOperand& sb, T* out);
// out [shape] = a op b as 0 / 1 (comparisons).
template <typename T>
void compareOp(BinaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const T* b,
               const StridedOperand& sb, uint8_t* out);
// out [shape] = op(a).
template <typename T>
void unaryOp(UnaryOp op, const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, T* out);
// dst at (sd) = src at (ss), over `shape`.
template <typename T>
void copyInto(const std::vector<int64_t>& shape, const T* src, const StridedOperand& ss, T* dst, const StridedOperand& sd);
// out [count] = grad * op'(...), where saved is op's output (sigmoid, tanh, relu, exp, sqrt, rsqrt)
// or its input (log, abs, square).
template <typename T>
void unaryGrad(UnaryOp op, int64_t count, const T* grad, const T* saved, T* out);
// out [shape] = mask ? value : a.
template <typename T>
void maskedFill(const std::vector<int64_t>& shape, const T* a, const StridedOperand& sa, const uint8_t* mask,
                const StridedOperand& sm, T value, T* out);

}  // namespace gated
