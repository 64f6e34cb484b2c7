// GATED_HD marks functions shared by the CPU path and CUDA kernels, so the CPU tests cover them.
#pragma once
#if defined(__CUDACC__)
#define GATED_HD __host__ __device__ __forceinline__
#else
#define GATED_HD inline
#endif
