#include "gemm.h"

#include <algorithm>
#include <atomic>
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
// ... the row path into column ranges of this many.
constexpr int64_t kSplitColumns = 64;

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

// packedA: [ceil(mc / MR), kc, MR], zero-padded rows.
template <typename T>
void packA(bool transA, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T* packedA) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int64_t rows = std::min(kMR, mc - ir);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t r = 0; r < kMR; ++r) {
        *packedA++ = r < rows ? elementA(transA, A, lda, i0 + ir + r, p0 + p) : T(0);
      }
    }
  }
}

// packedB: [ceil(nc / nr), kc, nr], zero-padded columns.
template <typename T>
void packB(bool transB, const T* B, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, T* packedB) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int64_t cols = std::min(nr, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t c = 0; c < nr; ++c) {
        *packedB++ = c < cols ? elementB(transB, B, ldb, p0 + p, j0 + jr + c) : T(0);
      }
    }
  }
}

int64_t roundUp(int64_t value, int64_t step) { return (value + step - 1) / step * step; }

// Where block (jc, pc) of a fully packed op(B) starts: every column block before jc holds
// NC (a multiple of nr) columns times all K rows.
int64_t packedBlockOffset(int64_t K, int64_t N, int64_t nr, int64_t jc, int64_t pc) {
  return jc * K + pc * roundUp(std::min(kNC, N - jc), nr);
}

// The whole of op(B) in panels of nr columns, block after block (see packedBlockOffset).
template <typename T>
std::vector<T> packWhole(bool transB, const T* B, int64_t ldb, int64_t K, int64_t N, int64_t nr) {
  std::vector<T> out(static_cast<size_t>(roundUp(N, nr) * K));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    for (int64_t pc = 0; pc < K; pc += kKC) {
      packB(transB, B, ldb, pc, std::min(kKC, K - pc), jc, std::min(kNC, N - jc), nr, out.data() + packedBlockOffset(K, N, nr, jc, pc));
    }
  }
  return out;
}

// Packs op(B) block by block as it goes, or reads the blocks of `prepacked` (from packWhole).
template <typename T>
void gemmPacked(const IsaKernels<T>& kernels, bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
                const T* A, int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc, const T* prepacked = nullptr) {
  const int64_t nr = kernels.nr;
  thread_local std::vector<T> packedA, packedB;
  packedA.resize(static_cast<size_t>(((kMC + kMR - 1) / kMR) * kMR * kKC));
  if (!prepacked) packedB.resize(static_cast<size_t>(roundUp(kNC, kMaxNR<T>) * kKC));
  for (int64_t jc = 0; jc < N; jc += kNC) {
    const int64_t nc = std::min(kNC, N - jc);
    for (int64_t pc = 0; pc < K; pc += kKC) {
      const int64_t kc = std::min(kKC, K - pc);
      const T* panels = prepacked ? prepacked + packedBlockOffset(K, N, nr, jc, pc) : packedB.data();
      if (!prepacked) packB(transB, B, ldb, pc, kc, jc, nc, nr, packedB.data());
      for (int64_t ic = 0; ic < M; ic += kMC) {
        const int64_t mc = std::min(kMC, M - ic);
        packA(transA, A, lda, ic, mc, pc, kc, packedA.data());
        for (int64_t jr = 0; jr < nc; jr += nr) {
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            kernels.micro(kc, packedA.data() + ir * kc, panels + jr * kc, alpha, C + (ic + ir) * ldc + jc + jr, ldc,
                          std::min(kMR, mc - ir), std::min(nr, nc - jr));
          }
        }
      }
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

// C = alpha * op(A) op(B) + C by the chosen algorithm; prepacked is op(B) from packWhole, or null.
// Large products are split over the compute pool: the packed path by rows of C (every part reads
// the same op(B)), the row path by columns of C.
template <typename T>
void accumulateProduct(const IsaKernels<T>& kernels, Algorithm algorithm, bool transA, bool transB, int64_t M, int64_t N,
                       int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T* C, int64_t ldc,
                       const T* prepacked) {
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
    case Algorithm::Packed: {
      const int maxParts = large && !prepacked ? static_cast<int>(M / (2 * kMR)) : large ? static_cast<int>(M / kMR) : 1;
      return parallelRun(maxParts, [&](int part, int parts) {
        int64_t m0, m1;
        partRange(M, part, parts, kMR, &m0, &m1);
        gemmPacked(kernels, transA, transB, m1 - m0, N, K, alpha, transA ? A + m0 : A + m0 * lda, lda, B, ldb,
                   C + m0 * ldc, ldc, prepacked);
      });
    }
  }
}

template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  scaleC(M, N, beta, C, ldc);
  if (K <= 0 || alpha == T(0)) return;
  accumulateProduct(kernelsFor<T>(static_cast<int>(gemmIsa())), algorithmFor(transA, M), transA, transB, M, N, K, alpha, A,
                    lda, B, ldb, C, ldc, static_cast<const T*>(nullptr));
}

template <typename T>
PreparedRhs<T>::PreparedRhs(bool transB, int64_t K, int64_t N, const T* B, int64_t ldb, int64_t rows)
    : transB_(transB), K_(K), N_(N), B_(B), ldb_(ldb), isa_(static_cast<int>(gemmIsa())) {
  if (K > 0 && N > 0 && algorithmFor(false, rows) == Algorithm::Packed) {
    packed_ = packWhole(transB, B, ldb, K, N, kernelsFor<T>(isa_).nr);
  }
}

template <typename T>
void PreparedRhs<T>::multiply(int64_t M, T alpha, const T* A, int64_t lda, T beta, T* C, int64_t ldc) const {
  if (M <= 0 || N_ <= 0) return;
  scaleC(M, N_, beta, C, ldc);
  if (K_ <= 0 || alpha == T(0)) return;
  const Algorithm algorithm = algorithmFor(false, M);
  const T* prepacked = algorithm == Algorithm::Packed && !packed_.empty() ? packed_.data() : nullptr;
  // The panels were laid out for the instruction set in use when they were packed.
  accumulateProduct(kernelsFor<T>(prepacked ? isa_ : static_cast<int>(gemmIsa())), algorithm, false, transB_, M, N_, K_,
                    alpha, A, lda, B_, ldb_, C, ldc, prepacked);
}

template class PreparedRhs<float>;
template class PreparedRhs<double>;

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace gated
