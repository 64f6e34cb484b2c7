#include "elementwise.h"

#include <cmath>
#include <cstdint>

#include <type_traits>

#include "../../core/cell_math.h"
#include "../activations.h"

namespace gated {
namespace {

template <typename T>
T arithmetic(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    default: return T(0);
  }
}

template <typename T>
bool compare(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return x != y;
    case BinaryOp::Gt: return x > y;
    case BinaryOp::Ge: return x >= y;
    case BinaryOp::Lt: return x < y;
    default: return x <= y;
  }
}

template <typename T>
T unary(UnaryOp op, T x) {
  using std::abs;
  switch (op) {
    case UnaryOp::Copy: return x;
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return static_cast<T>(std::exp(x));
    case UnaryOp::Log: return static_cast<T>(std::log(x));
    case UnaryOp::Sigmoid: return sigmoidOf(x);
    case UnaryOp::Tanh: return tanhOf(x);
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::Abs: return abs(x);
    case UnaryOp::Sqrt: return static_cast<T>(std::sqrt(x));
    case UnaryOp::Rsqrt: return static_cast<T>(T(1) / std::sqrt(x));
    case UnaryOp::Square: return x * x;
  }
  return x;
}

// d op(x) / dx, from y = op(x) (sigmoid, tanh, relu, exp, sqrt, rsqrt) or from x (log, abs, square).
template <typename T>
T slope(UnaryOp op, T saved) {
  switch (op) {
    case UnaryOp::Neg: return T(-1);
    case UnaryOp::Exp: return saved;
    case UnaryOp::Log: return T(1) / saved;
    case UnaryOp::Sigmoid: return saved * (T(1) - saved);
    case UnaryOp::Tanh: return T(1) - saved * saved;
    case UnaryOp::Relu: return saved > T(0) ? T(1) : T(0);
    case UnaryOp::Abs: return saved > T(0) ? T(1) : saved < T(0) ? T(-1) : T(0);
    case UnaryOp::Sqrt: return T(0.5) / saved;
    case UnaryOp::Rsqrt: return T(-0.5) * saved * saved * saved;
    case UnaryOp::Square: return T(2) * saved;
    default: return T(1);
  }
}

}  // namespace

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
  forEachElement(shape, operands, [&](int64_t i, const int64_t* at) { out[i] = unary(op, a[at[0]]); });
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
                              const StridedOperand&, T, T*);
GATED_ELEMENTWISE(float)
GATED_ELEMENTWISE(double)
GATED_ELEMENTWISE(int32_t)
GATED_ELEMENTWISE(int64_t)
GATED_ELEMENTWISE(uint8_t)
#undef GATED_ELEMENTWISE
template void unaryGrad<float>(UnaryOp, int64_t, const float*, const float*, float*);
template void unaryGrad<double>(UnaryOp, int64_t, const double*, const double*, double*);

}  // namespace gated
