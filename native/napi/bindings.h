// Each file in napi/ registers its functions on the addon's exports.
#pragma once
#include <napi.h>

namespace gated::napi {

void registerRnn(Napi::Env env, Napi::Object exports);
void registerRandom(Napi::Env env, Napi::Object exports);
void registerKernels(Napi::Env env, Napi::Object exports);
void registerDevice(Napi::Env env, Napi::Object exports);
void registerOps(Napi::Env env, Napi::Object exports);
void registerCuda(Napi::Env env, Napi::Object exports);
void registerHostBlocks(Napi::Env env, Napi::Object exports);

}  // namespace gated::napi
