// cudaStatus() -> { compiled, usable, reason, driverVersion, runtimeVersion, devices: [...] }
#include <napi.h>

#include "../cuda/device_query.h"
#include "bindings.h"

namespace gated::napi {
namespace {

Napi::Value cudaStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const CudaStatus status = queryCuda();
  Napi::Object result = Napi::Object::New(env);
  result.Set("compiled", status.compiled);
  result.Set("usable", status.usable);
  result.Set("reason", status.reason);
  result.Set("driverVersion", status.driverVersion);
  result.Set("runtimeVersion", status.runtimeVersion);
  Napi::Array devices = Napi::Array::New(env, status.devices.size());
  for (size_t i = 0; i < status.devices.size(); ++i) {
    const CudaDevice& d = status.devices[i];
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", d.index);
    device.Set("name", d.name);
    device.Set("computeCapability", std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor));
    device.Set("multiprocessors", d.multiprocessors);
    device.Set("totalMemoryBytes", static_cast<double>(d.totalMemoryBytes));
    device.Set("freeMemoryBytes", static_cast<double>(d.freeMemoryBytes));
    devices.Set(static_cast<uint32_t>(i), device);
  }
  result.Set("devices", devices);
  return result;
}

}  // namespace

void registerDevice(Napi::Env env, Napi::Object exports) {
  exports.Set("cudaStatus", Napi::Function::New(env, cudaStatus, "cudaStatus"));
}

}  // namespace gated::napi
