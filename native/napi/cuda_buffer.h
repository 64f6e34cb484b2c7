// CUDA buffers as JavaScript sees them: an external value, tagged so that no other object passes
// for one, that owns a block of device memory. The TS layer frees it at once (cudaFree) when its
// last tensor goes; the garbage collector's finalizer frees what was never freed, and V8 is told
// the device bytes held, so that memory pressure on the GPU also prompts a collection.
#pragma once
#include <napi.h>

#include <new>
#include <string>

#include "../cuda/cuda_api.h"
#include "args.h"

namespace gated::napi {

struct DeviceBuffer {
  void* data = nullptr;  // null once freed
  int64_t length = 0;    // elements
  napi_typedarray_type type = napi_float32_array;
  int64_t bytes = 0;     // as reported to V8

  void free(Napi::Env env) {
    if (!data) return;
    cuda::release(data);
    data = nullptr;
    Napi::MemoryManagement::AdjustExternalMemory(env, -bytes);
  }
};

inline const napi_type_tag kDeviceBufferTag = {0x6761746564637564ULL, 0x6162756666657231ULL};

// A new buffer of `length` elements (uninitialised device memory) owned by the returned value.
inline Napi::Value newDeviceBuffer(Napi::Env env, napi_typedarray_type type, int64_t length) {
  auto* buffer = new DeviceBuffer();
  buffer->type = type;
  buffer->length = length;
  buffer->bytes = static_cast<int64_t>(elementBytes(type)) * (length > 0 ? length : 1);
  try {
    buffer->data = cuda::allocate(static_cast<size_t>(buffer->bytes));
  } catch (...) {
    delete buffer;
    throw;
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, buffer->bytes);
  auto external = Napi::External<DeviceBuffer>::New(env, buffer, [](Napi::Env finalizing, DeviceBuffer* b) {
    b->free(finalizing);
    delete b;
  });
  napi_type_tag_object(env, external, &kDeviceBufferTag);
  return external;
}

// The buffer behind `value`, or a TypeError naming `name`.
inline DeviceBuffer* deviceBuffer(const Napi::Value& value, const std::string& name) {
  Napi::Env env = value.Env();
  bool tagged = false;
  if (value.IsExternal()) napi_check_object_type_tag(env, value, &kDeviceBufferTag, &tagged);
  if (!tagged) throwTypeError(env, "expected " + name + " to be a CUDA buffer");
  auto* buffer = value.As<Napi::External<DeviceBuffer>>().Data();
  if (!buffer->data) throwTypeError(env, name + " is a CUDA buffer that was already freed");
  return buffer;
}

template <typename T> constexpr napi_typedarray_type kTypeOf = TypedArrayKind<T>::type;

// Buffers of RnnForwardArgs on the device (see rnn_args.h).
struct DeviceMemory {
  template <typename T>
  static T* data(const Napi::Value& value, const std::string& name, int64_t length) {
    DeviceBuffer* buffer = deviceBuffer(value, name);
    if (buffer->type != kTypeOf<T>) {
      throwTypeError(value.Env(), "expected " + name + " to be a CUDA buffer of " + typeName(kTypeOf<T>) + " but it holds " +
                                      typeName(buffer->type));
    }
    if (buffer->length != length) {
      throwRangeError(value.Env(), "expected " + name + " to hold " + std::to_string(length) + " elements but it holds " +
                                       std::to_string(buffer->length));
    }
    return static_cast<T*>(buffer->data);
  }
  template <typename T>
  static T* optionalData(const Napi::Value& value, const std::string& name, int64_t length) {
    if (value.IsNull() || value.IsUndefined()) return nullptr;
    return data<T>(value, name, length);
  }
  // A forward pass's reserve: a CUDA buffer like the others.
  template <typename T>
  static T* reserve(const Napi::Value& value, const std::string& name, int64_t length) {
    return data<T>(value, name, length);
  }
};

using Binding = Napi::Value (*)(const Napi::CallbackInfo&);

// Fn, with a CUDA failure turned into a JavaScript Error (code ERR_GATED_CUDA_OUT_OF_MEMORY when
// device memory ran out), and so is host memory running out (code ERR_GATED_OUT_OF_MEMORY): a call
// too large for the machine throws instead of ending the process. Any other C++ exception (an
// internal check that failed) becomes an Error too, rather than ending the process.
template <Binding Fn>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return Fn(info);
  } catch (const cuda::CudaError& error) {
    Napi::Error jsError = Napi::Error::New(info.Env(), error.what());
    if (error.outOfMemory()) jsError.Set("code", Napi::String::New(info.Env(), "ERR_GATED_CUDA_OUT_OF_MEMORY"));
    throw jsError;
  } catch (const std::bad_alloc&) {
    Napi::Error jsError = Napi::Error::New(info.Env(), "gated: out of host memory: the call needs more working memory than the machine can give");
    jsError.Set("code", Napi::String::New(info.Env(), "ERR_GATED_OUT_OF_MEMORY"));
    throw jsError;
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Napi::Error::New(info.Env(), std::string("gated: internal error: ") + error.what());
  }
}

}  // namespace gated::napi
