// The scalar arithmetic of the element-wise ops, shared by the CPU loops and the CUDA kernels
// (GATED_HD), so the CPU tests cover both.
#pragma once
#include <cmath>
#include <cstdint>

#include "cell_math.h"
#include "hd.h"

namespace gated {

enum class BinaryOp : int32_t { Add = 0, Sub, Mul, Div, Eq, Ne, Gt, Ge, Lt, Le };
enum class UnaryOp : int32_t { Copy = 0, Neg, Exp, Log, Sigmoid, Tanh, Relu, Abs, Sqrt, Rsqrt, Square };

GATED_HD bool isComparison(BinaryOp op) { return op >= BinaryOp::Eq; }

template <typename T>
GATED_HD T arithmetic(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    default: return T(0);
  }
}

template <typename T>
GATED_HD bool compare(BinaryOp op, T x, T y) {
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
GATED_HD T unary(UnaryOp op, T x) {
  using std::abs;
  using std::exp;
  using std::log;
  using std::sqrt;
  switch (op) {
    case UnaryOp::Copy: return x;
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return static_cast<T>(exp(x));
    case UnaryOp::Log: return static_cast<T>(log(x));
    case UnaryOp::Sigmoid: return sigmoidOf(x);
    case UnaryOp::Tanh: return tanhOf(x);
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::Abs: return abs(x);
    case UnaryOp::Sqrt: return static_cast<T>(sqrt(x));
    case UnaryOp::Rsqrt: return static_cast<T>(T(1) / sqrt(x));
    case UnaryOp::Square: return x * x;
  }
  return x;
}

// d op(x) / dx, from y = op(x) (sigmoid, tanh, relu, exp, sqrt, rsqrt) or from x (log, abs, square).
template <typename T>
GATED_HD T slope(UnaryOp op, T saved) {
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

}  // namespace gated
