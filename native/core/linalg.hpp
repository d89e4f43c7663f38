// Thin wrappers over CBLAS and LAPACKE for row-major matrices. They own their workspaces (RAII via
// std::vector), check dimensions, and turn LAPACK failures into nnsim::Error(Numerical).
//
// Two guards keep every run stoppable: LAPACK is never given a non-finite matrix (it can iterate for
// ever on infinities; Error(Numerical) instead), and products above ~2·10^8 flops run in row blocks
// with a cancellation point (run_control.hpp) between blocks.
//
// A row-major m x n buffer is the column-major n x m buffer of the transpose. Where a routine only
// needs A or its transpose (singular values, the SVD, QR of a transpose) the wrappers call LAPACK in
// column-major mode on that reinterpretation instead of letting LAPACKE transpose a copy.
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

#include "matrix.hpp"

namespace nnsim {

enum class Trans { No, Yes };

// C = alpha * op(A) * op(B) + beta * C. C must already have the result's shape.
void gemm(Trans transA, Trans transB, double alpha, MatrixView a, MatrixView b, double beta, Matrix& c);

// op(A) * op(B) in a new matrix.
Matrix multiply(MatrixView a, Trans transA, MatrixView b, Trans transB);

// AᵀA (cols x cols) by dsyrk, both triangles filled.
Matrix gramOfColumns(MatrixView a);

// AAᵀ (rows x rows) by dsyrk, both triangles filled.
Matrix gramOfRows(MatrixView a);

// (X − 1μxᵀ)ᵀ (Y − 1μyᵀ) for row-aligned X (N × Dx), Y (N × Dy), accumulated over blocks of rows that
// are centred into a small buffer: the centred matrices are never materialised, which saves a write
// pass over N·D memory (and the page faults of a fresh buffer) per input. When `y` is null the result
// is the symmetric (X − 1μxᵀ)ᵀ (X − 1μxᵀ) by dsyrk. Empty means mean "no centring".
Matrix centeredCrossProduct(MatrixView x, const std::vector<double>& meanX, const MatrixView* y,
                            const std::vector<double>& meanY);

// Singular values of A, descending (dgesdd, falling back to dgesvd if it does not converge).
std::vector<double> singularValues(MatrixView a);

// Thin SVD A = U diag(s) Vt with k = min(m, n): U is m x k, Vt is k x n.
struct Svd {
  Matrix u;
  std::vector<double> s;
  Matrix vt;
};
Svd thinSvd(MatrixView a);

// Eigen-decomposition of a symmetric matrix by dsyevr. Eigenvalues ascending; column j of `vectors`
// is the unit eigenvector of values[j] (empty when vectors were not requested).
struct SymmetricEigen {
  std::vector<double> values;
  Matrix vectors;
};
SymmetricEigen symmetricEigen(MatrixView a, bool wantVectors);

// f(A) = V diag(f(λ)) Vᵀ for a symmetric A = V diag(λ) Vᵀ (matrix square root, inverse square root,
// logarithm …). f receives each eigenvalue; clamp tiny or negative ones inside f as the caller needs.
Matrix symmetricFunction(MatrixView a, double (*f)(double, void*), void* context = nullptr);
template <class F>
Matrix symmetricFunction(MatrixView a, F&& f) {
  // F may be deduced as a (const) lvalue reference: strip it so the context pointer has the object's type.
  using Callable = std::remove_reference_t<F>;
  return symmetricFunction(
      a, [](double v, void* ctx) { return (*static_cast<Callable*>(ctx))(v); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

// Numerical rank as numpy.linalg.matrix_rank decides it: singular values above
// max(σ) · max(rows, cols) · eps (relativeTolerance < 0), or above max(σ) · relativeTolerance.
std::size_t numericalRank(const std::vector<double>& singularValuesDescending, std::size_t rows, std::size_t cols,
                          double relativeTolerance = -1.0);

// Thin QR of A (m x n, m >= n): A = Q R, Q is m x n with orthonormal columns, R is n x n upper
// triangular (dgeqrf + dorgqr).
struct Qr {
  Matrix q;
  Matrix r;
};
Qr thinQr(MatrixView a);

// R factor only of the thin QR of Aᵀ, where A is m x n with n >= m (so Aᵀ is n x m, tall):
// Aᵀ = Q R with R m x m upper triangular, hence A Aᵀ = Rᵀ R. No transposed copy is made.
Matrix rFactorOfTranspose(MatrixView a);

// For kernels that call LAPACK routines without a wrapper here: the size as BLAS's 32-bit int (Shape
// error when it would overflow), and LAPACK's info turned into Internal / Numerical errors.
int blasInt(std::size_t n, const char* what);
void checkLapack(int info, const char* routine);
// Error(Numerical) naming `routine` unless every entry of the m × n buffer is finite: call before
// handing a computed matrix to LAPACK.
void requireFiniteForLapack(const double* data, std::size_t count, const char* routine);

// Small dense helpers.
// Copies the upper triangle of a square matrix to the lower one.
void mirrorUpper(Matrix& m);

double frobeniusNormSquared(MatrixView a);
double dot(const double* x, const double* y, std::size_t n);

}  // namespace nnsim
