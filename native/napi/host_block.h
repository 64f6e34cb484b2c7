// A forward pass's reserve on the host as JavaScript holds it: a number naming a block in the
// addon's table, memory that only the addon reads (the backward pass, and rnnGates, which copies
// out). The TS layer frees it when the autograd tape lets go of it (hostBlockFree), and a
// FinalizationRegistry frees a forgotten one. A name is never reused (each carries its slot's
// generation), so a stale or made-up number is refused, never read. Freed memory waits in a small
// cache for the next block of the same size, so a training loop neither zeroes nor faults in a
// fresh reserve (megabytes) every step, and leaves V8 no garbage to collect for it.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "args.h"

namespace gated::napi {

struct HostBlock {
  void* data = nullptr;
  int64_t length = 0;  // elements
  napi_typedarray_type type = napi_float32_array;
};

// A new block of `length` elements of `type`, its contents undefined (the caller writes every
// element it later reads); returns its name, and *data points at its elements.
Napi::Value newHostBlock(Napi::Env env, napi_typedarray_type type, int64_t length, void** data);

// The live block `value` names, or a TypeError naming `name`.
HostBlock hostBlock(const Napi::Value& value, const std::string& name);

// The elements of the live block `value` names, which must hold exactly `length` of type T; a
// TypeError or RangeError naming `name` otherwise.
template <typename T>
T* hostBlockData(const Napi::Value& value, const std::string& name, int64_t length) {
  const HostBlock block = hostBlock(value, name);
  if (block.type != TypedArrayKind<T>::type) {
    throwTypeError(value.Env(), "expected " + name + " to hold " + typeName(TypedArrayKind<T>::type) + " but it holds " + typeName(block.type));
  }
  if (block.length != length) {
    throwRangeError(value.Env(), "expected " + name + " to hold " + std::to_string(length) + " elements but it holds " +
                                     std::to_string(block.length));
  }
  return static_cast<T*>(block.data);
}

}  // namespace gated::napi
