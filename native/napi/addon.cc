// The gated addon: context-aware (NAPI_MODULE_INIT), so it loads in worker_threads too.
#include <napi.h>

#include <atomic>
#include <cstdint>

#include "bindings.h"

namespace {

// Numbers each loading of the addon (the main thread, each worker) once in the process, never again:
// with it, names the JavaScript side makes up (such as weight stamps) stay unique across threads.
std::atomic<int64_t> realmsLoaded{0};

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("realm", Napi::Number::New(env, static_cast<double>(realmsLoaded.fetch_add(1) + 1)));
  gated::napi::registerRnn(env, exports);
  gated::napi::registerRandom(env, exports);
  gated::napi::registerKernels(env, exports);
  gated::napi::registerDevice(env, exports);
  gated::napi::registerOps(env, exports);
  gated::napi::registerCuda(env, exports);
  gated::napi::registerHostBlocks(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(gated, init)
