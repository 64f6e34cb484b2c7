#include "cublas_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace gated::cuda {
namespace {

constexpr const char* kLibrary = "libcublas.so.13";
constexpr const char* kLtLibrary = "libcublasLt.so.13";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The lib folder of Python's nvidia-cublas wheel, or "" when python3 or the wheel is missing.
std::string pythonWheelFolder() {
  FILE* pipe = popen("python3 -c \"import nvidia, os; print(*[p for p in nvidia.__path__ "
                     "if os.path.isdir(os.path.join(p, 'cu13', 'lib'))][:1])\" 2>/dev/null",
                     "r");
  if (!pipe) return "";
  char line[4096] = {0};
  const bool read = fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  const std::string folder = read ? trimmed(line) : "";
  return folder.empty() ? "" : folder + "/cu13/lib";
}

bool isFolder(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

// Opens `library` (a path or a bare name for the system search); in a folder, cuBLASLt first.
void* openCublas(const std::string& where, std::string* tried) {
  std::string library = where;
  if (isFolder(where)) {
    const std::string folder = where.back() == '/' ? where : where + "/";
    dlopen((folder + kLtLibrary).c_str(), RTLD_NOW | RTLD_GLOBAL);
    library = folder + kLibrary;
  }
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* error = dlerror();
    *tried += "\n  " + library + ": " + (error ? error : "not found");
  }
  return handle;
}

template <typename Fn>
bool bind(void* library, const char* name, Fn* slot, std::string* missing) {
  *slot = reinterpret_cast<Fn>(dlsym(library, name));
  if (!*slot) *missing += std::string(missing->empty() ? "" : ", ") + name;
  return *slot != nullptr;
}

struct Loaded {
  CublasApi api;
  bool ok = false;
  std::string reason;
};

Loaded load() {
  Loaded out;
  std::string tried;
  std::vector<std::string> places;
  if (const char* env = std::getenv("GATED_CUBLAS_PATH"); env && *env) places.push_back(env);
  places.push_back(kLibrary);
  void* library = nullptr;
  for (const std::string& place : places) {
    if ((library = openCublas(place, &tried))) {
      out.api.path = place;
      break;
    }
  }
  if (!library) {
    const std::string wheel = pythonWheelFolder();
    if (wheel.empty()) tried += "\n  python3's nvidia-cublas wheel: not installed";
    else if ((library = openCublas(wheel, &tried))) out.api.path = wheel + "/" + kLibrary;
  }
  if (!library) {
    out.reason = "cuBLAS (" + std::string(kLibrary) + ") could not be loaded; set GATED_CUBLAS_PATH to it or its folder. Tried:" + tried;
    return out;
  }
  std::string missing;
  bind(library, "cublasCreate_v2", &out.api.create, &missing);
  bind(library, "cublasDestroy_v2", &out.api.destroy, &missing);
  bind(library, "cublasSetStream_v2", &out.api.setStream, &missing);
  bind(library, "cublasSetMathMode", &out.api.setMathMode, &missing);
  bind(library, "cublasSetWorkspace_v2", &out.api.setWorkspace, &missing);
  bind(library, "cublasSgemm_v2", &out.api.sgemm, &missing);
  bind(library, "cublasDgemm_v2", &out.api.dgemm, &missing);
  bind(library, "cublasGemmEx", &out.api.gemmEx, &missing);
  bind(library, "cublasGetStatusString", &out.api.statusString, &missing);
  if (!missing.empty()) {
    out.reason = out.api.path + " lacks " + missing;
    return out;
  }
  out.ok = true;
  return out;
}

}  // namespace

const CublasApi* loadCublas(std::string* reason) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.ok) {
    *reason = loaded.reason;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace gated::cuda
