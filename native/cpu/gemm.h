// Dense matrix product on the CPU, row-major: C = alpha * op(A) * op(B) + beta * C.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gated {

// How gemm() computes a product. Auto picks per call; the others force one algorithm (tests run each).
//   Packed:    cache-blocked panels and a register-blocked micro-kernel
//   Rows:      no packing, each row of C streams B once (Auto's choice for a few rows); products
//              with a transposed A still take the packed path
//   Reference: a plain triple loop, the yardstick for the others
enum class GemmPath { Auto = 0, Packed = 1, Rows = 2, Reference = 3 };
// Instruction set of the packed and row kernels: the best this CPU has, or a forced one.
enum class GemmIsa { Baseline = 0, Avx2 = 1, Avx512 = 2 };

void setGemmPath(GemmPath path);
GemmPath gemmPath();
// False (and no change) when this CPU lacks the instruction set.
bool setGemmIsa(GemmIsa isa);
GemmIsa gemmIsa();
std::vector<GemmIsa> supportedGemmIsas();

// op(A): [M, K] (A is [M, lda] when !transA, [K, lda] when transA)
// op(B): [K, N] (B is [K, ldb] when !transB, [N, ldb] when transB)
// C:     [M, ldc]; beta == 0 overwrites C without reading it.
template <typename T>
void gemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
          int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// C [M, N] = alpha * op(A) op(B) + bias [N] in every row (bias null: zero), without reading C.
template <typename T>
void gemmBias(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
              int64_t ldb, const T* bias, T* C, int64_t ldc);

// A right-hand operand op(B) [K, N] that multiplies many small left-hand sides, such as a block of
// a recurrent weight matrix that multiplies every step's state: packed once into column panels
// that then stream from the cache of the core using them. B and the panels' storage must outlive
// this object and stay unchanged. The reference path (GemmPath::Reference) multiplies B itself.
template <typename T>
class PanelMatrix {
 public:
  // Elements of storage the panels of a [K, N] operand take.
  static int64_t storageSize(int64_t K, int64_t N);
  // B is [K, ldb] when !transB, [N, ldb] when transB; storage [storageSize(K, N)], packed here
  // unless `packed` says an earlier PanelMatrix of the same B already packed it (for this ISA).
  PanelMatrix(bool transB, int64_t K, int64_t N, const T* B, int64_t ldb, T* storage, bool packed = false);
  // C [M, N] (ldc) = A [M, K] (lda) op(B), or C += A op(B) when accumulate.
  void multiply(int64_t M, const T* A, int64_t lda, T* C, int64_t ldc, bool accumulate) const;
  int64_t columns() const { return N_; }
  int64_t depth() const { return K_; }

 private:
  bool transB_;
  int64_t K_, N_;
  const T* B_;
  int64_t ldb_;
  int isa_;                    // the instruction set whose panel width the panels use
  const T* panels_ = nullptr;  // [ceil(N / NR), K, NR] (see gemm_kernels.h), or null on the reference path
};

}  // namespace gated
