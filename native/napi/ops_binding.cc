// Tensor ops for the autograd layer. Every buffer is checked against the shape and strides that
// address it, so no call reads or writes outside its arrays. Buffers are typed arrays (the CPU
// kernels run) or CUDA buffers (the CUDA kernels run); one call never mixes the two.
//   binary(op, shape, a, aStrides, aOffset, b, bStrides, bOffset, out)
//   unary(op, shape, a, aStrides, aOffset, out)            unaryGrad(op, grad, saved, out)
//   copyInto(shape, src, srcStrides, srcOffset, dst, dstStrides, dstOffset)   cast(input, out) (CUDA only)
//   maskedFill(shape, a, aStrides, aOffset, mask, maskStrides, maskOffset, value, out)
//   scatterAlong(outer, n, inner, indices, values, out, checked?)
//   sumTo(inShape, input, outShape, out)                   maxAlong(outer, n, inner, input, values, indices)
//   softmax(log, outer, n, inner, input, out)              softmaxBackward(log, outer, n, inner, y, grad, out)
//   matmul(batch, M, N, K, transA, transB, a, aBatchStride, b, bBatchStride, out, accumulate?)
//   optimizerStep(step, param, grad, a, b, c)            one SGD / Adam / RMSprop step in place
//   embedding(table, rows, width, indices, out, checked?) -> the position of the first index outside [0, rows), or -1
//   embeddingBackward(grad, indices, width, rows, paddingIndex, out, checked?)
// checked: the caller knows the CUDA indices are in range (it made them, or knows their bounds), so
// the call does not wait for the device to check them. The CUDA kernels still never address
// outside their arrays (out-of-range indices read the nearest row or write nothing).
#include <napi.h>

#include <string>
#include <vector>

#include "../cpu/gemm.h"
#include "../cuda/ops_api.h"
#include "../cpu/ops/elementwise.h"
#include "../cpu/ops/embedding.h"
#include "../cpu/ops/optimizer.h"
#include "../cpu/ops/reduce.h"
#include "args.h"
#include "bindings.h"
#include "cuda_buffer.h"

namespace gated::napi {
namespace {

struct AnyArray {
  napi_typedarray_type type = napi_float32_array;
  void* data = nullptr;
  int64_t length = 0;
  bool onDevice = false;
};

AnyArray anyArray(const Napi::Value& value, const std::string& name) {
  if (value.IsExternal()) {
    const DeviceBuffer* buffer = deviceBuffer(value, name);
    return AnyArray{buffer->type, buffer->data, buffer->length, true};
  }
  if (!value.IsTypedArray()) throwTypeError(value.Env(), "expected " + name + " to be a typed array or a CUDA buffer");
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  AnyArray out;
  out.type = array.TypedArrayType();
  out.data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  out.length = static_cast<int64_t>(array.ElementLength());
  return out;
}

// The position of the first index outside [0, rows), or -1 (host indices).
template <typename I>
int64_t firstOutside(const I* indices, int64_t count, int64_t rows) {
  for (int64_t i = 0; i < count; ++i) {
    if (indices[i] < 0 || static_cast<int64_t>(indices[i]) >= rows) return i;
  }
  return -1;
}

// Whether the buffers are CUDA buffers; a TypeError when some are and some are not.
bool onDevice(Napi::Env env, std::initializer_list<const AnyArray*> arrays) {
  const bool first = (*arrays.begin())->onDevice;
  for (const AnyArray* array : arrays) {
    if (array->onDevice != first) throwTypeError(env, "expected every buffer of one op on one device (all CPU or all CUDA)");
  }
  return first;
}

void expectType(Napi::Env env, const AnyArray& array, napi_typedarray_type type, const std::string& name) {
  if (array.type != type) throwTypeError(env, "expected " + name + " to have the element type of the other operands");
}

void expectLength(Napi::Env env, const AnyArray& array, int64_t length, const std::string& name) {
  if (array.length != length) {
    throwRangeError(env, "expected " + name + " to hold " + std::to_string(length) + " elements but it holds " +
                             std::to_string(array.length));
  }
}

int64_t integer(const Napi::Value& value, const std::string& name, int64_t min = 0) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1e300;
  if (number != static_cast<double>(static_cast<int64_t>(number)) || number < static_cast<double>(min) || number > 9.0e15) {
    throwRangeError(value.Env(), "expected " + name + " to be an integer >= " + std::to_string(min));
  }
  return static_cast<int64_t>(number);
}

std::vector<int64_t> integers(const Napi::Value& value, const std::string& name, int64_t min) {
  if (!value.IsArray()) throwTypeError(value.Env(), "expected " + name + " to be an array of integers");
  const Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(integer(array.Get(i), name + "[" + std::to_string(i) + "]", min));
  return out;
}

int64_t countOf(Napi::Env env, const std::vector<int64_t>& shape) {
  double count = 1;
  for (int64_t d : shape) count *= static_cast<double>(d);
  if (count > 9.0e15) throwRangeError(env, "the shape has too many elements");
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// An operand addressed by (strides, offset) over `shape`; every reachable position must lie in the array.
StridedOperand operand(Napi::Env env, const std::vector<int64_t>& shape, const Napi::Value& strides,
                       const Napi::Value& offset, const AnyArray& array, const std::string& name) {
  StridedOperand out;
  out.strides = integers(strides, name + " strides", -(int64_t(1) << 52));
  out.offset = integer(offset, name + " offset");
  if (out.strides.size() != shape.size()) throwRangeError(env, "expected " + name + " strides to match the shape's rank");
  if (countOf(env, shape) == 0) return out;
  // In double: a reach too large for int64 must not wrap around into range.
  double low = static_cast<double>(out.offset), high = low;
  for (size_t d = 0; d < shape.size(); ++d) {
    const double reach = static_cast<double>(shape[d] - 1) * static_cast<double>(out.strides[d]);
    (reach < 0 ? low : high) += reach;
  }
  if (low < 0 || high >= static_cast<double>(array.length)) {
    throwRangeError(env, "the strides and offset of " + name + " reach outside its " + std::to_string(array.length) + " elements");
  }
  return out;
}

// Calls fn(T{}) with T the C++ type of a float / int typed array; others are rejected.
template <typename Fn>
void byType(Napi::Env env, napi_typedarray_type type, bool floatsOnly, const std::string& name, Fn fn) {
  switch (type) {
    case napi_float32_array: return fn(float{});
    case napi_float64_array: return fn(double{});
    case napi_int32_array: if (!floatsOnly) return fn(int32_t{}); break;
    case napi_bigint64_array: if (!floatsOnly) return fn(int64_t{}); break;
    case napi_uint8_array: if (!floatsOnly) return fn(uint8_t{}); break;
    default: break;
  }
  throwTypeError(env, "expected " + name + (floatsOnly ? " to be float32 or float64" : " to have a supported element type"));
}

Napi::Value binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<BinaryOp>(integer(info[0], "op"));
  if (op > BinaryOp::Le) throwRangeError(env, "unknown binary op");
  const std::vector<int64_t> shape = integers(info[1], "shape", 0);
  const AnyArray a = anyArray(info[2], "a"), b = anyArray(info[5], "b"), out = anyArray(info[8], "out");
  expectType(env, b, a.type, "b");
  expectType(env, out, isComparison(op) ? napi_uint8_array : a.type, "out");
  expectLength(env, out, countOf(env, shape), "out");
  const StridedOperand sa = operand(env, shape, info[3], info[4], a, "a");
  const StridedOperand sb = operand(env, shape, info[6], info[7], b, "b");
  const bool device = onDevice(env, {&a, &b, &out});
  if (op == BinaryOp::Div && a.type != napi_float32_array && a.type != napi_float64_array) {
    throwTypeError(env, "expected float operands for div (integer division by 0 would trap)");
  }
  byType(env, a.type, false, "a", [&](auto zero) {
    using T = decltype(zero);
    const T* x = static_cast<T*>(a.data);
    const T* y = static_cast<T*>(b.data);
    if (isComparison(op)) {
      auto* result = static_cast<uint8_t*>(out.data);
      device ? cuda::compareOp(op, shape, x, sa, y, sb, result) : compareOp(op, shape, x, sa, y, sb, result);
    } else {
      auto* result = static_cast<T*>(out.data);
      device ? cuda::binaryOp(op, shape, x, sa, y, sb, result) : binaryOp(op, shape, x, sa, y, sb, result);
    }
  });
  return env.Undefined();
}

Napi::Value unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<UnaryOp>(integer(info[0], "op"));
  if (op > UnaryOp::Square) throwRangeError(env, "unknown unary op");
  const std::vector<int64_t> shape = integers(info[1], "shape", 0);
  const AnyArray a = anyArray(info[2], "a"), out = anyArray(info[5], "out");
  expectType(env, out, a.type, "out");
  expectLength(env, out, countOf(env, shape), "out");
  const StridedOperand sa = operand(env, shape, info[3], info[4], a, "a");
  const bool exact = op == UnaryOp::Copy || op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Relu || op == UnaryOp::Square;
  const bool device = onDevice(env, {&a, &out});
  byType(env, a.type, !exact, "a", [&](auto zero) {
    using T = decltype(zero);
    const T* x = static_cast<T*>(a.data);
    T* result = static_cast<T*>(out.data);
    device ? cuda::unaryOp(op, shape, x, sa, result) : unaryOp(op, shape, x, sa, result);
  });
  return env.Undefined();
}

Napi::Value copyIntoBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> shape = integers(info[0], "shape", 0);
  const AnyArray src = anyArray(info[1], "src"), dst = anyArray(info[4], "dst");
  expectType(env, dst, src.type, "dst");
  const StridedOperand ss = operand(env, shape, info[2], info[3], src, "src");
  const StridedOperand sd = operand(env, shape, info[5], info[6], dst, "dst");
  const bool device = onDevice(env, {&src, &dst});
  byType(env, src.type, false, "src", [&](auto zero) {
    using T = decltype(zero);
    const T* from = static_cast<T*>(src.data);
    T* to = static_cast<T*>(dst.data);
    device ? cuda::copyInto(shape, from, ss, to, sd) : copyInto(shape, from, ss, to, sd);
  });
  return env.Undefined();
}

// cast(input, out): CUDA buffers only (the CPU casts in JavaScript).
Napi::Value castBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AnyArray input = anyArray(info[0], "input"), out = anyArray(info[1], "out");
  expectLength(env, out, input.length, "out");
  if (!onDevice(env, {&input, &out})) throwTypeError(env, "expected CUDA buffers");
  byType(env, input.type, false, "input", [&](auto from) {
    byType(env, out.type, false, "out", [&](auto to) {
      cuda::cast(static_cast<const decltype(from)*>(input.data), input.length, static_cast<decltype(to)*>(out.data));
    });
  });
  return env.Undefined();
}

Napi::Value unaryGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto op = static_cast<UnaryOp>(integer(info[0], "op"));
  if (op > UnaryOp::Square) throwRangeError(env, "unknown unary op");
  const AnyArray grad = anyArray(info[1], "grad"), saved = anyArray(info[2], "saved"), out = anyArray(info[3], "out");
  expectType(env, saved, grad.type, "saved");
  expectType(env, out, grad.type, "out");
  expectLength(env, saved, grad.length, "saved");
  expectLength(env, out, grad.length, "out");
  const bool device = onDevice(env, {&grad, &saved, &out});
  byType(env, grad.type, true, "grad", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T* g = static_cast<T*>(grad.data);
      const T* y = static_cast<T*>(saved.data);
      T* result = static_cast<T*>(out.data);
      device ? cuda::unaryGrad(op, grad.length, g, y, result) : unaryGrad(op, grad.length, g, y, result);
    }
  });
  return env.Undefined();
}

Napi::Value maskedFillBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> shape = integers(info[0], "shape", 0);
  const AnyArray a = anyArray(info[1], "a"), mask = anyArray(info[4], "mask"), out = anyArray(info[8], "out");
  expectType(env, mask, napi_uint8_array, "mask");
  expectType(env, out, a.type, "out");
  expectLength(env, out, countOf(env, shape), "out");
  const StridedOperand sa = operand(env, shape, info[2], info[3], a, "a");
  const StridedOperand sm = operand(env, shape, info[5], info[6], mask, "mask");
  if (!info[7].IsNumber()) throwTypeError(env, "expected value to be a number");
  const double value = info[7].As<Napi::Number>().DoubleValue();
  const bool device = onDevice(env, {&a, &mask, &out});
  byType(env, a.type, false, "a", [&](auto zero) {
    using T = decltype(zero);
    const T* x = static_cast<T*>(a.data);
    const auto* m = static_cast<uint8_t*>(mask.data);
    T* result = static_cast<T*>(out.data);
    device ? cuda::maskedFill(shape, x, sa, m, sm, static_cast<T>(value), result)
           : maskedFill(shape, x, sa, m, sm, static_cast<T>(value), result);
  });
  return env.Undefined();
}

Napi::Value sumToBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int64_t> inShape = integers(info[0], "inShape", 0), outShape = integers(info[2], "outShape", 0);
  const AnyArray input = anyArray(info[1], "input"), out = anyArray(info[3], "out");
  if (inShape.size() != outShape.size()) throwRangeError(env, "expected inShape and outShape of the same rank");
  for (size_t d = 0; d < inShape.size(); ++d) {
    if (outShape[d] != 1 && outShape[d] != inShape[d]) throwRangeError(env, "expected outShape to broadcast to inShape");
  }
  expectType(env, out, input.type, "out");
  expectLength(env, input, countOf(env, inShape), "input");
  expectLength(env, out, countOf(env, outShape), "out");
  const bool device = onDevice(env, {&input, &out});
  byType(env, input.type, false, "input", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, uint8_t>) {
      const T* x = static_cast<T*>(input.data);
      T* result = static_cast<T*>(out.data);
      device ? cuda::sumTo(inShape, x, outShape, result) : sumTo(inShape, x, outShape, result);
    } else {
      throwTypeError(env, "expected input of a numeric dtype");
    }
  });
  return env.Undefined();
}

Napi::Value maxAlongBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t outer = integer(info[0], "outer"), n = integer(info[1], "n", 1), inner = integer(info[2], "inner");
  const AnyArray input = anyArray(info[3], "input"), values = anyArray(info[4], "values"), indices = anyArray(info[5], "indices");
  expectLength(env, input, countOf(env, {outer, n, inner}), "input");
  expectType(env, values, input.type, "values");
  expectLength(env, values, countOf(env, {outer, inner}), "values");
  expectType(env, indices, napi_bigint64_array, "indices");
  expectLength(env, indices, countOf(env, {outer, inner}), "indices");
  const bool device = onDevice(env, {&input, &values, &indices});
  byType(env, input.type, false, "input", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, uint8_t>) {
      const T* x = static_cast<T*>(input.data);
      T* v = static_cast<T*>(values.data);
      auto* i = static_cast<int64_t*>(indices.data);
      device ? cuda::maxAlong(outer, n, inner, x, v, i) : maxAlong(outer, n, inner, x, v, i);
    } else {
      throwTypeError(env, "expected input of a numeric dtype");
    }
  });
  return env.Undefined();
}

// The optional `checked` argument: true when the caller vouches for the CUDA indices' range.
bool checkedFlag(const Napi::Value& value) {
  if (value.IsUndefined()) return false;
  if (!value.IsBoolean()) throwTypeError(value.Env(), "expected checked to be a boolean");
  return value.As<Napi::Boolean>().Value();
}

Napi::Value scatterAlongBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t outer = integer(info[0], "outer"), n = integer(info[1], "n", 1), inner = integer(info[2], "inner");
  const AnyArray indices = anyArray(info[3], "indices"), values = anyArray(info[4], "values"), out = anyArray(info[5], "out");
  expectType(env, indices, napi_bigint64_array, "indices");
  expectLength(env, indices, countOf(env, {outer, inner}), "indices");
  expectLength(env, values, countOf(env, {outer, inner}), "values");
  expectType(env, out, values.type, "out");
  expectLength(env, out, countOf(env, {outer, n, inner}), "out");
  const bool device = onDevice(env, {&indices, &values, &out});
  const bool checked = device && checkedFlag(info[6]);
  const auto* picked = static_cast<const int64_t*>(indices.data);
  if (!checked && (device ? cuda::firstIndexOutside(picked, indices.length, n) >= 0 : firstOutside(picked, indices.length, n) >= 0)) {
    throwRangeError(env, "expected indices in [0, n)");
  }
  byType(env, values.type, false, "values", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, uint8_t>) {
      const auto* idx = static_cast<const int64_t*>(indices.data);
      const T* v = static_cast<T*>(values.data);
      T* result = static_cast<T*>(out.data);
      device ? cuda::scatterAlong(outer, n, inner, idx, v, result) : scatterAlong(outer, n, inner, idx, v, result);
    } else {
      throwTypeError(env, "expected values of a numeric dtype");
    }
  });
  return env.Undefined();
}

Napi::Value softmaxBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool logarithm = info[0].ToBoolean().Value();
  const int64_t outer = integer(info[1], "outer"), n = integer(info[2], "n", 1), inner = integer(info[3], "inner");
  const bool backward = info.Length() > 6;
  const AnyArray input = anyArray(info[4], backward ? "y" : "input");
  const AnyArray grad = backward ? anyArray(info[5], "grad") : input;
  const AnyArray out = anyArray(info[backward ? 6 : 5], "out");
  for (const auto* array : {&input, &grad, &out}) {
    expectType(env, *array, input.type, "every buffer");
    expectLength(env, *array, countOf(env, {outer, n, inner}), "every buffer");
  }
  const bool device = onDevice(env, {&input, &grad, &out});
  byType(env, input.type, true, "input", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T* x = static_cast<T*>(input.data);
      const T* g = static_cast<T*>(grad.data);
      T* result = static_cast<T*>(out.data);
      if (backward) {
        device ? cuda::softmaxBackward(logarithm, outer, n, inner, x, g, result) : softmaxBackward(logarithm, outer, n, inner, x, g, result);
      } else {
        device ? cuda::softmaxAlong(logarithm, outer, n, inner, x, result) : softmaxAlong(logarithm, outer, n, inner, x, result);
      }
    }
  });
  return env.Undefined();
}

Napi::Value matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t batch = integer(info[0], "batch"), M = integer(info[1], "M"), N = integer(info[2], "N"), K = integer(info[3], "K");
  const bool transA = info[4].ToBoolean().Value(), transB = info[5].ToBoolean().Value();
  const AnyArray a = anyArray(info[6], "a"), b = anyArray(info[8], "b"), out = anyArray(info[10], "out");
  const int64_t aStride = integer(info[7], "aBatchStride"), bStride = integer(info[9], "bBatchStride");
  const bool accumulate = info.Length() > 11 && info[11].ToBoolean().Value();  // out += instead of out =
  if (aStride != 0 && aStride != countOf(env, {M, K})) throwRangeError(env, "expected aBatchStride to be 0 or M*K");
  if (bStride != 0 && bStride != countOf(env, {K, N})) throwRangeError(env, "expected bBatchStride to be 0 or K*N");
  expectLength(env, a, countOf(env, {aStride == 0 ? 1 : batch, M, K}), "a");
  expectLength(env, b, countOf(env, {bStride == 0 ? 1 : batch, K, N}), "b");
  expectType(env, b, a.type, "b");
  expectType(env, out, a.type, "out");
  expectLength(env, out, countOf(env, {batch, M, N}), "out");
  const bool device = onDevice(env, {&a, &b, &out});
  byType(env, a.type, true, "a", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T* A = static_cast<T*>(a.data);
      const T* B = static_cast<T*>(b.data);
      T* C = static_cast<T*>(out.data);
      const T beta = accumulate ? T(1) : T(0);
      if (device) return cuda::matmul(batch, M, N, K, transA, transB, A, aStride, B, bStride, beta, C);
      for (int64_t i = 0; i < batch; ++i) {
        gemm<T>(transA, transB, M, N, K, T(1), A + i * aStride, transA ? M : K, B + i * bStride, transB ? K : N, beta,
                C + i * M * N, N);
      }
    }
  });
  return env.Undefined();
}

// optimizerStep(step, param, grad, a, b, c): step = { kind, lr, weightDecay, maximize, momentum,
// dampening, nesterov, firstMomentum, beta1, beta2, eps, stepSize, correction2Sqrt, amsgrad,
// decoupled, alpha, centered }; a, b, c the kind's state buffers (or null), like param.
Napi::Value optimizerStepBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object config = objectArgument(info[0], "step");
  OptimizerStep step;
  step.kind = static_cast<OptimizerKind>(integerField(config, "kind", 0, 2));
  const auto number = [&](const char* key) { return numberField(config, key, -1e308, 1e308); };
  step.lr = number("lr");
  step.weightDecay = number("weightDecay");
  step.maximize = booleanField(config, "maximize");
  step.momentum = number("momentum");
  step.dampening = number("dampening");
  step.nesterov = booleanField(config, "nesterov");
  step.firstMomentum = booleanField(config, "firstMomentum");
  step.beta1 = number("beta1");
  step.beta2 = number("beta2");
  step.eps = number("eps");
  step.stepSize = number("stepSize");
  step.correction2Sqrt = number("correction2Sqrt");
  step.amsgrad = booleanField(config, "amsgrad");
  step.decoupled = booleanField(config, "decoupled");
  step.alpha = number("alpha");
  step.centered = booleanField(config, "centered");
  const AnyArray param = anyArray(info[1], "param"), grad = anyArray(info[2], "grad");
  std::vector<AnyArray> states;
  const char* names[3] = {"a", "b", "c"};
  for (int k = 0; k < 3; ++k) {
    const Napi::Value value = info[3 + k];
    states.push_back(value.IsNull() || value.IsUndefined() ? AnyArray{param.type, nullptr, param.length, param.onDevice}
                                                           : anyArray(value, names[k]));
  }
  const bool needs[3][3] = {{false, false, false}, {true, true, false}, {true, false, false}};
  for (int k = 0; k < 3; ++k) {
    if (needs[static_cast<int>(step.kind)][k] && !states[k].data) throwTypeError(env, std::string("expected state buffer ") + names[k]);
    expectType(env, states[k], param.type, names[k]);
    expectLength(env, states[k], param.length, names[k]);
  }
  expectType(env, grad, param.type, "grad");
  expectLength(env, grad, param.length, "grad");
  const bool device = onDevice(env, {&param, &grad, &states[0], &states[1], &states[2]});
  byType(env, param.type, true, "param", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      T* p = static_cast<T*>(param.data);
      const T* g = static_cast<T*>(grad.data);
      T* a = static_cast<T*>(states[0].data);
      T* b = static_cast<T*>(states[1].data);
      T* c = static_cast<T*>(states[2].data);
      device ? cuda::optimizerStep(step, param.length, p, g, a, b, c) : optimizerStep(step, param.length, p, g, a, b, c);
    }
  });
  return env.Undefined();
}

template <typename Fn>
void byIndexType(Napi::Env env, const AnyArray& indices, Fn fn) {
  if (indices.type == napi_int32_array) return fn(int32_t{});
  if (indices.type == napi_bigint64_array) return fn(int64_t{});
  throwTypeError(env, "expected indices of dtype int32 or int64");
}

Napi::Value embedding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AnyArray table = anyArray(info[0], "table"), indices = anyArray(info[3], "indices"), out = anyArray(info[4], "out");
  const int64_t rows = integer(info[1], "rows"), width = integer(info[2], "width");
  expectLength(env, table, countOf(env, {rows, width}), "table");
  expectType(env, out, table.type, "out");
  expectLength(env, out, countOf(env, {indices.length, width}), "out");
  int64_t bad = -1;
  const bool device = onDevice(env, {&table, &indices, &out});
  const bool checked = device && checkedFlag(info[5]);
  byType(env, table.type, true, "table", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      byIndexType(env, indices, [&](auto index) {
        using I = decltype(index);
        const T* rowsOf = static_cast<T*>(table.data);
        const I* idx = static_cast<I*>(indices.data);
        T* result = static_cast<T*>(out.data);
        if (!device) {
          bad = embeddingForward(rowsOf, rows, width, idx, indices.length, result);
        } else if (checked || (bad = cuda::firstIndexOutside(idx, indices.length, rows)) < 0) {
          cuda::embeddingForward(rowsOf, rows, width, idx, indices.length, result);
        }
      });
    }
  });
  return Napi::Number::New(env, static_cast<double>(bad));
}

Napi::Value embeddingBackwardBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AnyArray grad = anyArray(info[0], "grad"), indices = anyArray(info[1], "indices"), out = anyArray(info[5], "out");
  const int64_t width = integer(info[2], "width"), rows = integer(info[3], "rows");
  const int64_t paddingIndex = integer(info[4], "paddingIndex", -1);
  expectLength(env, grad, countOf(env, {indices.length, width}), "grad");
  expectType(env, out, grad.type, "out");
  expectLength(env, out, countOf(env, {rows, width}), "out");
  const bool device = onDevice(env, {&grad, &indices, &out});
  const bool checked = device && checkedFlag(info[6]);
  byType(env, grad.type, true, "grad", [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      byIndexType(env, indices, [&](auto index) {
        using I = decltype(index);
        const I* idx = static_cast<I*>(indices.data);
        const T* g = static_cast<T*>(grad.data);
        T* result = static_cast<T*>(out.data);
        if (device) {
          if (!checked && cuda::firstIndexOutside(idx, indices.length, rows) >= 0) throwRangeError(env, "expected indices in [0, rows)");
          return cuda::embeddingBackward(g, idx, indices.length, width, rows, paddingIndex, result);
        }
        if (firstOutside(idx, indices.length, rows) >= 0) throwRangeError(env, "expected indices in [0, rows)");
        embeddingBackward(g, idx, indices.length, width, rows, paddingIndex, result);
      });
    }
  });
  return env.Undefined();
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, guarded<binary>, "binary"));
  exports.Set("unary", Napi::Function::New(env, guarded<unary>, "unary"));
  exports.Set("optimizerStep", Napi::Function::New(env, guarded<optimizerStepBinding>, "optimizerStep"));
  exports.Set("copyInto", Napi::Function::New(env, guarded<copyIntoBinding>, "copyInto"));
  exports.Set("cast", Napi::Function::New(env, guarded<castBinding>, "cast"));
  exports.Set("scatterAlong", Napi::Function::New(env, guarded<scatterAlongBinding>, "scatterAlong"));
  exports.Set("unaryGrad", Napi::Function::New(env, guarded<unaryGradient>, "unaryGrad"));
  exports.Set("maskedFill", Napi::Function::New(env, guarded<maskedFillBinding>, "maskedFill"));
  exports.Set("sumTo", Napi::Function::New(env, guarded<sumToBinding>, "sumTo"));
  exports.Set("maxAlong", Napi::Function::New(env, guarded<maxAlongBinding>, "maxAlong"));
  exports.Set("softmax", Napi::Function::New(env, guarded<softmaxBinding>, "softmax"));
  exports.Set("matmul", Napi::Function::New(env, guarded<matmul>, "matmul"));
  exports.Set("embedding", Napi::Function::New(env, guarded<embedding>, "embedding"));
  exports.Set("embeddingBackward", Napi::Function::New(env, guarded<embeddingBackwardBinding>, "embeddingBackward"));
}

}  // namespace gated::napi
