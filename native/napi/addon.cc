// The gated addon: context-aware (NAPI_MODULE_INIT), so it loads in worker_threads too.
#include <napi.h>

#include "bindings.h"

namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
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
