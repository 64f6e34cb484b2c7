// Unaligned loads and stores of GCC vector types. A packed, may_alias wrapper makes the compiler
// emit one vector move (or fold the load into an FMA); std::memcpy of a vector does not always: for
// generic tuning GCC copies 32 bytes as two 16-byte halves through the stack.
#pragma once
// Always inlined into per-ISA functions, so no vector crosses an ABI boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace gated::simd {

template <typename V>
struct __attribute__((packed, may_alias)) Unaligned {
  V value;
};

// The vector of type V at `from` (any alignment of its elements).
template <typename V, typename T>
inline __attribute__((always_inline)) V loadVector(const T* from) {
  return reinterpret_cast<const Unaligned<V>*>(from)->value;
}

template <typename V, typename T>
inline __attribute__((always_inline)) void storeVector(T* to, V value) {
  reinterpret_cast<Unaligned<V>*>(to)->value = value;
}

}  // namespace gated::simd
