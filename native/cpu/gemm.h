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

// A right-hand operand op(B) [K, N] used in many products, such as a recurrent weight matrix that
// multiplies every step's state: packed once into the micro-kernel's panels when the products
// will take the packed path. B must outlive this object and stay unchanged.
template <typename T>
class PreparedRhs {
 public:
  // B is [K, ldb] when !transB, [N, ldb] when transB; `rows` is the M of the products to come.
  PreparedRhs(bool transB, int64_t K, int64_t N, const T* B, int64_t ldb, int64_t rows);
  // C [M, N] (ldc) = alpha * A [M, K] (lda) * op(B) + beta * C.
  void multiply(int64_t M, T alpha, const T* A, int64_t lda, T beta, T* C, int64_t ldc) const;

 private:
  bool transB_;
  int64_t K_, N_;
  const T* B_;
  int64_t ldb_;
  int isa_;                // the instruction set whose panel width packed_ uses
  std::vector<T> packed_;  // [ceil(N / NC)] blocks of [ceil(K / KC)] panels, see gemm.cc
};

}  // namespace gated
