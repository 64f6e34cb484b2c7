// The explicit instantiations of cuda_api.h's templates, shared by rnn_cuda.cu and cuda_stub.cc
// so the two provide the same set. Include inside namespace gated::cuda, after the definitions.
template void rnnForwardCuda<float>(const RnnForwardArgs<float>&, bool);
template void rnnForwardCuda<double>(const RnnForwardArgs<double>&, bool);
template void rnnBackwardCuda<float>(const RnnBackwardArgs<float>&);
template void rnnBackwardCuda<double>(const RnnBackwardArgs<double>&);
template void applyDropoutMask<float>(const DropoutSpec&, uint32_t, float*, int64_t);
template void applyDropoutMask<double>(const DropoutSpec&, uint32_t, double*, int64_t);
template void addArrays<float>(const float*, const float*, float*, int64_t);
template void addArrays<double>(const double*, const double*, double*, int64_t);
