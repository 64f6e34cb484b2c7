// Used when the addon is built without CUDA (GATED_CPU_ONLY=1, node-gyp, or no nvcc at build time).
#include "device_query.h"

namespace gated {

CudaStatus queryCuda() {
  CudaStatus status;
  status.reason = "this build of gated has no CUDA support (built CPU-only: GATED_CPU_ONLY=1, node-gyp, or nvcc was "
                  "not found at build time)";
  return status;
}

}  // namespace gated
