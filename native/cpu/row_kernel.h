// Element-wise loops over a row of hidden units, compiled for AVX-512, AVX2 and the baseline, with
// the best this CPU has chosen when the addon loads (GCC / Clang on x86-64 ELF; elsewhere the
// baseline only). Their pointer arguments are __restrict, so the loops vectorise.
#pragma once

#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define GATED_ROW_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GATED_ROW_KERNEL
#endif
