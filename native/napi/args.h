// Argument checks at the N-API boundary. The TypeScript layer validates first and gives the friendly
// messages; these checks make sure no call, however wrong, reads or writes out of bounds.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

namespace gated::napi {

template <typename T> struct TypedArrayKind;
template <> struct TypedArrayKind<float> { static constexpr napi_typedarray_type type = napi_float32_array; static constexpr const char* name = "Float32Array"; };
template <> struct TypedArrayKind<double> { static constexpr napi_typedarray_type type = napi_float64_array; static constexpr const char* name = "Float64Array"; };
template <> struct TypedArrayKind<int32_t> { static constexpr napi_typedarray_type type = napi_int32_array; static constexpr const char* name = "Int32Array"; };

// Bytes per element and the dtype name of a typed array type.
inline size_t elementBytes(napi_typedarray_type type) {
  switch (type) {
    case napi_float64_array:
    case napi_bigint64_array: return 8;
    case napi_uint8_array: return 1;
    default: return 4;
  }
}

inline const char* typeName(napi_typedarray_type type) {
  switch (type) {
    case napi_float32_array: return "float32";
    case napi_float64_array: return "float64";
    case napi_int32_array: return "int32";
    case napi_bigint64_array: return "int64";
    case napi_uint8_array: return "bool";
    default: return "unsupported";
  }
}

[[noreturn]] inline void throwTypeError(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, "gated: " + message);
}
[[noreturn]] inline void throwRangeError(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, "gated: " + message);
}

// The data of a typed array of element type T holding exactly `length` elements.
template <typename T>
T* typedArrayData(const Napi::Value& value, const std::string& name, int64_t length) {
  Napi::Env env = value.Env();
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != TypedArrayKind<T>::type) {
    throwTypeError(env, "expected " + name + " to be a " + TypedArrayKind<T>::name);
  }
  Napi::TypedArray array = value.As<Napi::TypedArray>();
  if (static_cast<int64_t>(array.ElementLength()) != length) {
    throwRangeError(env, "expected " + name + " to hold " + std::to_string(length) + " elements but it holds " +
                             std::to_string(array.ElementLength()));
  }
  return reinterpret_cast<T*>(static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset());
}

// Like typedArrayData, but null or undefined gives nullptr.
template <typename T>
T* optionalTypedArrayData(const Napi::Value& value, const std::string& name, int64_t length) {
  if (value.IsNull() || value.IsUndefined()) return nullptr;
  return typedArrayData<T>(value, name, length);
}

inline int64_t integerField(const Napi::Object& object, const char* key, int64_t min, int64_t max) {
  Napi::Value value = object.Get(key);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.5;
  if (!value.IsNumber() || number != static_cast<double>(static_cast<int64_t>(number)) || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    throwRangeError(object.Env(), std::string("expected ") + key + " to be an integer in [" + std::to_string(min) + ", " +
                                      std::to_string(max) + "]");
  }
  return static_cast<int64_t>(number);
}

inline bool booleanField(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsBoolean()) throwTypeError(object.Env(), std::string("expected ") + key + " to be a boolean");
  return value.As<Napi::Boolean>().Value();
}

inline double numberField(const Napi::Object& object, const char* key, double min, double max) {
  Napi::Value value = object.Get(key);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : min - 1;
  if (!(number >= min && number <= max)) {
    throwRangeError(object.Env(), std::string("expected ") + key + " to be a number in [" + std::to_string(min) + ", " +
                                      std::to_string(max) + "]");
  }
  return number;
}

inline uint64_t bigintArgument(const Napi::Value& value, const char* name) {
  if (!value.IsBigInt()) throwTypeError(value.Env(), std::string("expected ") + name + " to be a bigint");
  bool lossless = false;
  const uint64_t result = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throwRangeError(value.Env(), std::string("expected ") + name + " to fit in 64 unsigned bits");
  return result;
}

inline Napi::Object objectArgument(const Napi::Value& value, const char* name) {
  if (!value.IsObject()) throwTypeError(value.Env(), std::string("expected ") + name + " to be an object");
  return value.As<Napi::Object>();
}

}  // namespace gated::napi
