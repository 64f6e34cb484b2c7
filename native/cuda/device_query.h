// What the CUDA runtime says about this machine. Plain C++: the N-API layer includes it without nvcc.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gated {

struct CudaDevice {
  int index = 0;
  std::string name;
  int computeMajor = 0;
  int computeMinor = 0;
  int multiprocessors = 0;
  uint64_t totalMemoryBytes = 0;
  uint64_t freeMemoryBytes = 0;
};

struct CudaStatus {
  bool compiled = false;  // false when the addon was built without CUDA
  bool usable = false;
  std::string reason;     // why CUDA is not usable; empty when it is
  int driverVersion = 0;  // e.g. 13000 for CUDA 13.0; 0 when unknown
  int runtimeVersion = 0;
  std::vector<CudaDevice> devices;
};

CudaStatus queryCuda();

}  // namespace gated
