// The explicit instantiations of ops_api.h, shared by ops_cuda.cu and ops_stub.cc so the two
// provide exactly the same set. Include inside namespace gated::cuda, after the definitions.
#define GATED_ALL_TYPES(T)                                                                                          \
  template void binaryOp<T>(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*,      \
                            const StridedOperand&, T*);                                                            \
  template void compareOp<T>(BinaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, const T*,     \
                             const StridedOperand&, uint8_t*);                                                     \
  template void unaryOp<T>(UnaryOp, const std::vector<int64_t>&, const T*, const StridedOperand&, T*);             \
  template void maskedFill<T>(const std::vector<int64_t>&, const T*, const StridedOperand&, const uint8_t*,        \
                              const StridedOperand&, T, T*);                                                      \
  template void copyInto<T>(const std::vector<int64_t>&, const T*, const StridedOperand&, T*, const StridedOperand&); \
  template void cast<T, float>(const T*, int64_t, float*);                                                         \
  template void cast<T, double>(const T*, int64_t, double*);                                                       \
  template void cast<T, int32_t>(const T*, int64_t, int32_t*);                                                     \
  template void cast<T, int64_t>(const T*, int64_t, int64_t*);                                                     \
  template void cast<T, uint8_t>(const T*, int64_t, uint8_t*);
GATED_ALL_TYPES(float)
GATED_ALL_TYPES(double)
GATED_ALL_TYPES(int32_t)
GATED_ALL_TYPES(int64_t)
GATED_ALL_TYPES(uint8_t)
#undef GATED_ALL_TYPES

#define GATED_NUMERIC_TYPES(T)                                                                                \
  template void sumTo<T>(const std::vector<int64_t>&, const T*, const std::vector<int64_t>&, T*);            \
  template void maxAlong<T>(int64_t, int64_t, int64_t, const T*, T*, int64_t*);                             \
  template void scatterAlong<T>(int64_t, int64_t, int64_t, const int64_t*, const T*, T*);
GATED_NUMERIC_TYPES(float)
GATED_NUMERIC_TYPES(double)
GATED_NUMERIC_TYPES(int32_t)
GATED_NUMERIC_TYPES(int64_t)
#undef GATED_NUMERIC_TYPES

#define GATED_FLOAT_TYPES(T)                                                                                        \
  template void unaryGrad<T>(UnaryOp, int64_t, const T*, const T*, T*);                                            \
  template void softmaxAlong<T>(bool, int64_t, int64_t, int64_t, const T*, T*);                                    \
  template void softmaxBackward<T>(bool, int64_t, int64_t, int64_t, const T*, const T*, T*);                       \
  template void optimizerStep<T>(const OptimizerStep&, int64_t, T*, const T*, T*, T*, T*);                         \
  template void matmul<T>(int64_t, int64_t, int64_t, int64_t, bool, bool, const T*, int64_t, const T*, int64_t, T, T*); \
  template void embeddingForward<T, int32_t>(const T*, int64_t, int64_t, const int32_t*, int64_t, T*);             \
  template void embeddingForward<T, int64_t>(const T*, int64_t, int64_t, const int64_t*, int64_t, T*);
GATED_FLOAT_TYPES(float)
GATED_FLOAT_TYPES(double)
#undef GATED_FLOAT_TYPES
template int64_t firstIndexOutside<int32_t>(const int32_t*, int64_t, int64_t);
template int64_t firstIndexOutside<int64_t>(const int64_t*, int64_t, int64_t);
