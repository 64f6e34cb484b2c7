// Reduced-precision matrix operands: bfloat16 and float16 as 16-bit words, rounded from float32 to
// nearest, ties to even (as PyTorch's and CUDA's conversions round). A call in reduced precision
// rounds both operands of every matrix product to 16 bits and accumulates in float32; biases, gate
// arithmetic, states and outputs stay float32. The CPU path and the CUDA conversion kernels round
// through these functions, so both devices multiply the same 16-bit values.
#pragma once
#include <cstdint>
#include <cstring>

#include "hd.h"

namespace gated {

enum class OperandPrecision : int32_t { Float32 = 0, BFloat16 = 1, Float16 = 2 };

// The bits of a float and back (std::memcpy, which device code has too).
GATED_HD uint32_t floatBits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

GATED_HD float floatFromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// bfloat16 keeps float32's sign and exponent and the top 7 mantissa bits; NaN stays a quiet NaN.
GATED_HD uint16_t bfloat16Bits(float x) {
  const uint32_t u = floatBits(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

GATED_HD float bfloat16Value(uint16_t bits) { return floatFromBits(static_cast<uint32_t>(bits) << 16); }

// float16: 5 exponent bits (normal from 2^-14, largest finite 65504; 65520 and above round to
// infinity), 10 mantissa bits, subnormals in steps of 2^-24. Every case is computed and one is
// selected, so that a loop of conversions vectorises.
GATED_HD uint16_t float16Bits(float x) {
  const uint32_t u = floatBits(x);
  const uint32_t sign = (u >> 16) & 0x8000u, magnitude = u & 0x7fffffffu;
  // Normal: round at mantissa bit 13, then rebias the exponent (float 127 -> half 15); a carry
  // moves into the exponent as it should.
  const uint32_t normal = (magnitude + 0xfffu + ((magnitude >> 13) & 1u) - 0x38000000u) >> 13;
  // Below 2^-14: adding 0.5 leaves a float whose last mantissa bit is worth 2^-24, the subnormal
  // step, so the addition itself rounds to the nearest step, ties to even.
  const uint32_t subnormal = floatBits(floatFromBits(magnitude) + 0.5f) - 0x3f000000u;
  uint32_t bits = magnitude >= 0x38800000u ? normal : subnormal;
  bits = magnitude >= 0x477ff000u ? 0x7c00u : bits;
  bits = magnitude > 0x7f800000u ? 0x7e00u : bits;
  return static_cast<uint16_t>(sign | bits);
}

GATED_HD float float16Value(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu;
  const float subnormal = static_cast<float>(mantissa) * 5.9604644775390625e-8f;  // mantissa * 2^-24
  const uint32_t other = exponent == 31 ? 0x7f800000u | (mantissa << 13) : ((exponent + 112u) << 23) | (mantissa << 13);
  return floatFromBits(sign | (exponent == 0 ? floatBits(subnormal) : other));
}

// x rounded to float16 and back, straight from float to float (the same value as
// float16Value(float16Bits(x))): selects and no branches, so that a loop of them vectorises.
GATED_HD float float16Rounded(float x) {
  const uint32_t u = floatBits(x);
  const uint32_t sign = u & 0x80000000u, magnitude = u & 0x7fffffffu;
  // Normal: round the float's mantissa at bit 13, in place; a carry moves into the exponent.
  const uint32_t normal = (magnitude + 0xfffu + ((magnitude >> 13) & 1u)) & ~0x1fffu;
  // Below 2^-14: the 0.5 trick of float16Bits rounds to a multiple of 2^-24; subtracting 0.5 is exact.
  const uint32_t subnormal = floatBits((floatFromBits(magnitude) + 0.5f) - 0.5f);
  uint32_t bits = magnitude >= 0x38800000u ? normal : subnormal;
  bits = magnitude >= 0x477ff000u ? 0x7f800000u : bits;
  bits = magnitude > 0x7f800000u ? 0x7fc00000u : bits;
  return floatFromBits(sign | bits);
}

// The 16-bit word of x in `precision` (BFloat16 or Float16).
GATED_HD uint16_t reducedBits(OperandPrecision precision, float x) {
  return precision == OperandPrecision::Float16 ? float16Bits(x) : bfloat16Bits(x);
}

// The float value of a 16-bit word of `precision` (BFloat16 or Float16).
GATED_HD float reducedValue(OperandPrecision precision, uint16_t word) {
  return precision == OperandPrecision::Float16 ? float16Value(word) : bfloat16Value(word);
}

// x rounded to `precision` and back: the value a reduced-precision product multiplies.
GATED_HD float roundOperand(OperandPrecision precision, float x) {
  switch (precision) {
    case OperandPrecision::BFloat16: return bfloat16Value(bfloat16Bits(x));
    case OperandPrecision::Float16: return float16Rounded(x);
    default: return x;
  }
}

}  // namespace gated
