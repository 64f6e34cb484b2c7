// Rounding arrays to bfloat16 or float16 and back on the CPU (core/reduced_float.h): the layer
// inputs, weights and states of a reduced-precision call. float32 loops are compiled per instruction
// set (rounding_isa.cc), picked like the GEMM's (gemmIsa()).
#pragma once
#include <cstdint>

#include "../core/reduced_float.h"

namespace gated {

// out [n] = values [n] rounded to `precision` (out may be values); Float32 copies.
void roundOperands(OperandPrecision precision, const float* values, float* out, int64_t n);
// The same through float32 (a reduced-precision call is float32 only; this serves the float64
// instantiations of the engine).
void roundOperands(OperandPrecision precision, const double* values, double* out, int64_t n);

}  // namespace gated
