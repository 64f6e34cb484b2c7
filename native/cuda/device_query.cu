#include <cuda_runtime.h>

#include <string>

#include "device_query.h"

namespace gated {
namespace {

std::string describe(const char* call, cudaError_t error) {
  return std::string(call) + " failed: " + cudaGetErrorName(error) + " (" + std::to_string(static_cast<int>(error)) +
         "): " + cudaGetErrorString(error);
}

}  // namespace

CudaStatus queryCuda() {
  CudaStatus status;
  status.compiled = true;
  cudaRuntimeGetVersion(&status.runtimeVersion);
  cudaError_t error = cudaDriverGetVersion(&status.driverVersion);
  if (error != cudaSuccess) {
    status.reason = describe("cudaDriverGetVersion", error);
    return status;
  }
  int count = 0;
  error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    status.reason = describe("cudaGetDeviceCount", error);
    if (status.driverVersion == 0) status.reason = "no NVIDIA driver is installed on this machine (" + status.reason + ")";
    cudaGetLastError();  // clear the sticky error so later queries start clean
    return status;
  }
  if (count == 0) {
    status.reason = "the CUDA driver reports no devices";
    return status;
  }
  for (int index = 0; index < count; ++index) {
    cudaDeviceProp props{};
    error = cudaGetDeviceProperties(&props, index);
    if (error != cudaSuccess) {
      status.reason = describe("cudaGetDeviceProperties", error);
      return status;
    }
    CudaDevice device;
    device.index = index;
    device.name = props.name;
    device.computeMajor = props.major;
    device.computeMinor = props.minor;
    device.multiprocessors = props.multiProcessorCount;
    device.totalMemoryBytes = props.totalGlobalMem;
    size_t freeBytes = 0, totalBytes = 0;
    if (cudaSetDevice(index) == cudaSuccess && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
      device.freeMemoryBytes = freeBytes;
    }
    status.devices.push_back(device);
  }
  status.usable = true;
  return status;
}

}  // namespace gated
