#include "gemm.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <vector>

#include "gemm_kernels.h"
#include "pool.h"

namespace gated {
namespace {

using gemm_detail::IsaKernels;
using gemm_detail::kernelsFor;
using gemm_detail::kMR;
using gemm_detail::kMaxNR;

// Cache blocks of the packed panels.
constexpr int64_t kKC = 256;
constexpr int64_t kMC = 120;
constexpr int64_t kNC = 2048;
// Auto takes the row path for at most this many rows of C (products with one or a few states).
constexpr int64_t kSmallRows = 4;
// Products of at least this many multiply-adds are split over the compute pool ...
constexpr double kParallelWork = 1 << 16;
// ... the row path into column ranges of this many; a block of op(B) is packed in parts of this many panels.
constexpr int64_t kSplitColumns = 64;
constexpr int64_t kPanelsPerPackPart = 4;

bool cpuHas(GemmIsa isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (isa == GemmIsa::Avx512) return __builtin_cpu_supports("x86-64-v4");
  if (isa == GemmIsa::Avx2) return __builtin_cpu_supports("x86-64-v3");
#endif
  return isa == GemmIsa::Baseline;
}

GemmIsa bestIsa() {
  for (GemmIsa isa : {GemmIsa::Avx512, GemmIsa::Avx2}) {
    if (cpuHas(isa)) return isa;
  }
  return GemmIsa::Baseline;
}

std::atomic<GemmPath> selectedPath{GemmPath::Auto};
std::atomic<GemmIsa> selectedIsa{bestIsa()};

template <typename T>
T elementA(bool transA, const T* A, int64_t lda, int64_t i, int64_t p) {
  return transA ? A[p * lda + i] : A[i * lda + p];
}

template <typename T>
T elementB(bool transB, const T* B, int64_t ldb, int64_t p, int64_t j) {
  return transB ? B[j * ldb + p] : B[p * ldb + j];
}

template <typename T>
void scaleC(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + N, T(0));
    } else {
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
    }
  }
}

template <typename T>
void gemmReference(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                   int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t p = 0; p < K; ++p) sum += elementA(transA, A, lda, i, p) * elementB(transB, B, ldb, p, j);
      C[i * ldc + j] += alpha * sum;
    }
  }
}

// Panels [ceil(cols / Width), depth, Width] of the matrix X (d, c) = X[d * strideD + c * strideC],
// d < depth, c < cols, zero-padded to whole panels. The loops read X along its contiguous axis;
// the width is a constant so that the short copies compile to vector moves, not library calls.
template <int64_t Width, typename T>
void packPanels(const T* X, int64_t strideD, int64_t strideC, int64_t depth, int64_t cols, T* out) {
  for (int64_t c0 = 0; c0 < cols; c0 += Width, out += depth * Width) {
    const int64_t used = std::min(Width, cols - c0);
    if (strideC == 1 && used == Width) {
      for (int64_t d = 0; d < depth; ++d) {
        const T* from = X + d * strideD + c0;
        for (int64_t c = 0; c < Width; ++c) out[d * Width + c] = from[c];
      }
      continue;
    }
    for (int64_t c = 0; c < Width; ++c) {
      const T* from = X + (c0 + c) * strideC;
      for (int64_t d = 0; d < depth; ++d) out[d * Width + c] = c < used ? from[d * strideD] : T(0);
    }
  }
}

// The same for the panel widths of the kernels (kMR, and NR of each instruction set).
template <typename T>
void packPanels(const T* X, int64_t strideD, int64_t strideC, int64_t depth, int64_t cols, int64_t width, T* out) {
  switch (width) {
    case kMR: return packPanels<kMR>(X, strideD, strideC, depth, cols, out);
    case 8: return packPanels<8>(X, strideD, strideC, depth, cols, out);
    case 16: return packPanels<16>(X, strideD, strideC, depth, cols, out);
    case 32: return packPanels<32>(X, strideD, strideC, depth, cols, out);
    default: throw std::logic_error("gemm: no packing for this panel width");
  }
}

// packedA: [ceil(mc / MR), kc, MR] of op(A)'s rows [i0, i0 + mc) and columns [p0, p0 + kc).
template <typename T>
void packA(bool transA, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T* packedA) {
  if (transA) packPanels<kMR>(A + p0 * lda + i0, lda, 1, kc, mc, packedA);
  else packPanels<kMR>(A + i0 * lda + p0, 1, lda, kc, mc, packedA);
}

// packedB: [ceil(nc / nr), kc, nr] of op(B)'s rows [p0, p0 + kc) and columns [j0, j0 + nc).
template <typename T>
void packB(bool transB, const T* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* packedB) {
  if (transB) packPanels(B + j0 * ldb + p0, 1, ldb, kc, nc, nr, packedB);
  else packPanels(B + p0 * ldb + j0, ldb, 1, kc, nc, nr, packedB);
}

int64_t roundUp(int64_t value, int64_t step) { return (value + step - 1) / step * step; }

// How a product treats C's old values: adds to them, or overwrites them (with the product alone, or
// plus a bias [N] in every row) without reading them.
template <typename T>
struct Start {
  bool fresh = false;
  const T* bias = nullptr;  // with fresh: added to every row
};

// Blocks of op(B) are packed once and shared: with `parallel`, the compute pool packs each block's
// panels, then splits the block's product by rows of C (each part packing its own rows of A). The
// first block of K starts each tile of C as `start` says; the later ones add to it.
template <typename T>
void gemmPacked(const IsaKernels<T>& kernels, bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
                const T* A, int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc, bool parallel, Start<T> start) {
  const int64_t nr = kernels.nr;
  thread_local std::vector<T> packedB;  // the caller's; the parts read it
  packedB.resize(static_cast<size_t>(roundUp(kNC, kMaxNR<T>) * kKC));
  T* panels = packedB.data();
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    const int64_t panelCount = (nc + nr - 1) / nr;
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      parallelRun(parallel ? static_cast<int>(panelCount / kPanelsPerPackPart) : 1, [&](int part, int parts) {
        int64_t q0, q1;
        partRange(panelCount, part, parts, 1, &q0, &q1);
        if (q0 < q1) packB(transB, B, ldb, pc, kc, jc + q0 * nr, std::min(nc, q1 * nr) - q0 * nr, nr, panels + q0 * nr * kc);
      });
      parallelRun(parallel ? static_cast<int>(M / (2 * kMR)) : 1, [&](int part, int parts) {
        thread_local std::vector<T> packedA;
        packedA.resize(static_cast<size_t>(roundUp(kMC, kMR) * kKC));
        int64_t m0, m1;
        partRange(M, part, parts, kMR, &m0, &m1);
        for (int64_t ic = m0; ic < m1; ic += kMC) {
          const int64_t mc = std::min(kMC, m1 - ic);
          packA(transA, A, lda, ic, mc, pc, kc, packedA.data());
          for (int64_t jr = 0; jr < nc; jr += nr) {
            for (int64_t ir = 0; ir < mc; ir += kMR) {
              T* tile = C + (ic + ir) * ldc + jc + jr;
              const bool fresh = start.fresh && pc == 0;
              const T* from = !fresh ? tile : start.bias ? start.bias + jc + jr : nullptr;
              kernels.micro(kc, packedA.data() + ir * kc, panels + jr * kc, alpha, tile, ldc, std::min(kMR, mc - ir),
                            std::min(nr, nc - jr), from, fresh ? 0 : ldc);
            }
          }
        }
      });
    }
  }
}

// Each row of C streams op(B) once, unpacked (A not transposed).
template <typename T>
void gemmRows(const IsaKernels<T>& kernels, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) kernels.rowTimesMatrix(transB, N, K, alpha, A + i * lda, B, ldb, C + i * ldc);
}

}  // namespace

void setGemmPath(GemmPath path) { selectedPath.store(path); }
GemmPath gemmPath() { return selectedPath.load(); }

bool setGemmIsa(GemmIsa isa) {
  if (!cpuHas(isa)) return false;
  selectedIsa.store(isa);
  return true;
}
GemmIsa gemmIsa() { return selectedIsa.load(); }

std::vector<GemmIsa> supportedGemmIsas() {
  std::vector<GemmIsa> out;
  for (GemmIsa isa : {GemmIsa::Baseline, GemmIsa::Avx2, GemmIsa::Avx512}) {
    if (cpuHas(isa)) out.push_back(isa);
  }
  return out;
}

enum class Algorithm { Reference, Rows, Packed };

Algorithm algorithmFor(bool transA, int64_t M) {
  const GemmPath path = gemmPath();
  if (path == GemmPath::Reference) return Algorithm::Reference;
  const bool rows = !transA && (path == GemmPath::Rows || (path == GemmPath::Auto && M <= kSmallRows));
  return rows ? Algorithm::Rows : Algorithm::Packed;
}

// C = alpha * op(A) op(B) + C by the chosen algorithm (the packed path: + start, see Start).
// Large products are split over the compute pool: the packed path by rows of C (every part reads
// the same packed op(B)), the row path by columns of C.
template <typename T>
void accumulateProduct(const IsaKernels<T>& kernels, Algorithm algorithm, bool transA, bool transB, int64_t M, int64_t N,
                       int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc,
                       Start<T> start) {
  const bool large = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K) >= kParallelWork;
  switch (algorithm) {
    case Algorithm::Reference:
      return gemmReference(transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc);
    case Algorithm::Rows: {
      const int maxParts = large ? static_cast<int>(N / kSplitColumns) : 1;
      return parallelRun(maxParts, [&](int part, int parts) {
        int64_t n0, n1;
        partRange(N, part, parts, kSplitColumns, &n0, &n1);
        gemmRows(kernels, transB, M, n1 - n0, K, alpha, A, lda, transB ? B + n0 * ldb : B + n0, ldb, C + n0, ldc);
      });
    }
    case Algorithm::Packed:
      return gemmPacked(kernels, transA, transB, M, N, K, alpha, A, lda, B, ldb, C, ldc, large, start);
  }
}

// C = alpha * op(A) op(B) + (start.fresh ? each row start.bias, or zero : beta * C). Only the packed
// path starts C itself; the others have it filled or scaled first.
template <typename T>
void product(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
             int64_t ldb, T beta, Start<T> start, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  const Algorithm algorithm = algorithmFor(transA, M);
  const bool computes = K > 0 && alpha != T(0);
  if (!computes || algorithm != Algorithm::Packed || !start.fresh) {
    if (!start.fresh) scaleC(M, N, beta, C, ldc);
    else if (start.bias) for (int64_t i = 0; i < M; ++i) std::copy_n(start.bias, N, C + i * ldc);
    else scaleC(M, N, T(0), C, ldc);
    start = Start<T>{};
  }
  if (!computes) return;
  accumulateProduct(kernelsFor<T>(static_cast<int>(gemmIsa())), algorithm, transA, transB, M, N, K, alpha, A, lda, B,
                    ldb, C, ldc, start);
}

template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  product(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, Start<T>{beta == T(0), nullptr}, C, ldc);
}

template <typename T>
void gemmBias(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
              int64_t ldb, const T* bias, T* C, int64_t ldc) {
  product(transA, transB, M, N, K, alpha, A, lda, B, ldb, T(0), Start<T>{true, bias}, C, ldc);
}

template <typename T>
int64_t PanelMatrix<T>::storageSize(int64_t K, int64_t N) {
  return K > 0 && N > 0 ? roundUp(N, kMaxNR<T>) * K : 0;
}

template <typename T>
PanelMatrix<T>::PanelMatrix(bool transB, int64_t K, int64_t N, const T* B, int64_t ldb, T* storage, bool packed)
    : transB_(transB), K_(K), N_(N), B_(B), ldb_(ldb), isa_(static_cast<int>(gemmIsa())) {
  if (K <= 0 || N <= 0 || gemmPath() == GemmPath::Reference) return;
  if (!packed) packB(transB, B, ldb, 0, K, 0, N, kernelsFor<T>(isa_).nr, storage);
  panels_ = storage;
}

template <typename T>
void PanelMatrix<T>::multiply(int64_t M, const T* A, int64_t lda, T* C, int64_t ldc, bool accumulate) const {
  if (M <= 0 || N_ <= 0) return;
  if (!panels_) {
    scaleC(M, N_, accumulate ? T(1) : T(0), C, ldc);
    if (K_ > 0) gemmReference(false, transB_, M, N_, K_, T(1), A, lda, B_, ldb_, C, ldc);
    return;
  }
  kernelsFor<T>(isa_).panelProduct(M, N_, K_, A, lda, panels_, C, ldc, accumulate);
}

template class PanelMatrix<float>;
template class PanelMatrix<double>;

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
template void gemmBias<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                              const float*, float*, int64_t);
template void gemmBias<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                               int64_t, const double*, double*, int64_t);

}  // namespace gated
