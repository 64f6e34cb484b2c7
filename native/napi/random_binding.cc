// Counter-based random numbers (Philox-4x32-10), the same on every device:
//   fillUniform(array, seed, stream, offset, low, high)    array[i] = U[low, high) of element offset+i
//   fillNormal(array, seed, stream, offset, mean, std)     Box-Muller on elements 2k, 2k+1
//   applyDropout(array, seed, stream, probability)         the dropout the RNN layers apply between layers
//                                                           (array: a float typed array or CUDA buffer)
#include <napi.h>

#include <cmath>

#include "../core/philox.h"
#include "../cpu/rnn_cpu.h"
#include "args.h"
#include "bindings.h"
#include "cuda_buffer.h"

namespace gated::napi {
namespace {

struct FloatArray {
  float* f32 = nullptr;
  double* f64 = nullptr;
  int64_t length = 0;
  void set(int64_t i, double v) const {
    if (f32) f32[i] = static_cast<float>(v);
    else f64[i] = v;
  }
};

FloatArray floatArrayArgument(const Napi::Value& value) {
  if (!value.IsTypedArray()) throwTypeError(value.Env(), "expected array to be a Float32Array or Float64Array");
  const auto array = value.As<Napi::TypedArray>();
  FloatArray out;
  out.length = static_cast<int64_t>(array.ElementLength());
  if (array.TypedArrayType() == napi_float32_array) out.f32 = typedArrayData<float>(value, "array", out.length);
  else if (array.TypedArrayType() == napi_float64_array) out.f64 = typedArrayData<double>(value, "array", out.length);
  else throwTypeError(value.Env(), "expected array to be a Float32Array or Float64Array");
  return out;
}

double numberArgument(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) throwTypeError(value.Env(), std::string("expected ") + name + " to be a number");
  return value.As<Napi::Number>().DoubleValue();
}

uint32_t streamArgument(const Napi::Value& value) {
  const double stream = numberArgument(value, "stream");
  if (!(stream >= 0 && stream <= 4294967295.0) || stream != std::floor(stream)) {
    throwRangeError(value.Env(), "expected stream to be an integer in [0, 2^32)");
  }
  return static_cast<uint32_t>(stream);
}

Napi::Value fillUniform(const Napi::CallbackInfo& info) {
  const FloatArray out = floatArrayArgument(info[0]);
  const uint64_t seed = bigintArgument(info[1], "seed");
  const uint32_t stream = streamArgument(info[2]);
  const uint64_t offset = bigintArgument(info[3], "offset");
  const double low = numberArgument(info[4], "low"), high = numberArgument(info[5], "high");
  for (int64_t i = 0; i < out.length; ++i) {
    out.set(i, low + (high - low) * philoxUniform(seed, stream, offset + static_cast<uint64_t>(i)));
  }
  return info.Env().Undefined();
}

Napi::Value fillNormal(const Napi::CallbackInfo& info) {
  const FloatArray out = floatArrayArgument(info[0]);
  const uint64_t seed = bigintArgument(info[1], "seed");
  const uint32_t stream = streamArgument(info[2]);
  const uint64_t offset = bigintArgument(info[3], "offset");
  const double mean = numberArgument(info[4], "mean"), std = numberArgument(info[5], "std");
  const double twoPi = 6.283185307179586;
  for (int64_t i = 0; i < out.length; i += 2) {
    const uint64_t pair = offset + static_cast<uint64_t>(i);
    const double u1 = 1.0 - philoxUniform(seed, stream, pair);  // (0, 1]: log stays finite
    const double u2 = philoxUniform(seed, stream, pair + 1);
    const double radius = std::sqrt(-2.0 * std::log(u1));
    out.set(i, mean + std * radius * std::cos(twoPi * u2));
    if (i + 1 < out.length) out.set(i + 1, mean + std * radius * std::sin(twoPi * u2));
  }
  return info.Env().Undefined();
}

Napi::Value applyDropout(const Napi::CallbackInfo& info) {
  DropoutSpec spec;
  spec.seed = bigintArgument(info[1], "seed");
  const uint32_t stream = streamArgument(info[2]);
  spec.probability = numberArgument(info[3], "probability");
  if (!(spec.probability >= 0 && spec.probability <= 1)) throwRangeError(info.Env(), "expected probability in [0, 1]");
  if (info[0].IsExternal()) {
    const DeviceBuffer* buffer = deviceBuffer(info[0], "array");
    if (buffer->type == napi_float32_array) cuda::applyDropoutMask(spec, stream, static_cast<float*>(buffer->data), buffer->length);
    else if (buffer->type == napi_float64_array) cuda::applyDropoutMask(spec, stream, static_cast<double*>(buffer->data), buffer->length);
    else throwTypeError(info.Env(), "expected array to hold float32 or float64");
    return info.Env().Undefined();
  }
  const FloatArray data = floatArrayArgument(info[0]);
  if (data.f32) applyDropoutMask(spec, stream, data.f32, data.length);
  else applyDropoutMask(spec, stream, data.f64, data.length);
  return info.Env().Undefined();
}

Napi::Value philoxBlock(const Napi::CallbackInfo& info) {
  // philoxBlock(counter: Uint32Array(4), key: Uint32Array(2)) -> Uint32Array(4): the raw generator, for tests.
  Napi::Env env = info.Env();
  auto wordsOf = [&](const Napi::Value& v, const char* name, size_t n) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        v.As<Napi::Uint32Array>().ElementLength() != n) {
      throwTypeError(env, std::string("expected ") + name + " to be a Uint32Array of " + std::to_string(n));
    }
    return v.As<Napi::Uint32Array>();
  };
  const Napi::Uint32Array counter = wordsOf(info[0], "counter", 4), key = wordsOf(info[1], "key", 2);
  const Philox4 out = philox4x32_10(Philox4{{counter[0], counter[1], counter[2], counter[3]}}, key[0], key[1]);
  Napi::Uint32Array result = Napi::Uint32Array::New(env, 4);
  for (size_t i = 0; i < 4; ++i) result[i] = out.v[i];
  return result;
}

}  // namespace

void registerRandom(Napi::Env env, Napi::Object exports) {
  exports.Set("fillUniform", Napi::Function::New(env, fillUniform, "fillUniform"));
  exports.Set("fillNormal", Napi::Function::New(env, fillNormal, "fillNormal"));
  exports.Set("applyDropout", Napi::Function::New(env, guarded<applyDropout>, "applyDropout"));
  exports.Set("philoxBlock", Napi::Function::New(env, philoxBlock, "philoxBlock"));
}

}  // namespace gated::napi
