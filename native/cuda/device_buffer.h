// Scratch device memory for one call, returned to the caching allocator when it goes out of scope.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cuda_api.h"

namespace gated::cuda {

template <typename T>
class DeviceScratch {
 public:
  explicit DeviceScratch(int64_t count) : data_(count > 0 ? static_cast<T*>(allocate(sizeof(T) * count)) : nullptr) {}
  ~DeviceScratch() { release(data_); }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  T* get() const { return data_; }

 private:
  T* data_;
};

}  // namespace gated::cuda
