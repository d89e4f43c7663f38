#include "linalg.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <climits>
#include <limits>
#include <string>

#include "errors.hpp"
#include "lapack_errors.hpp"
#include "parallel.hpp"

namespace nnsim {

// BLAS/LAPACK take 32-bit ints (Debian's OpenBLAS is LP64). Refuse sizes that would overflow them.
int blasInt(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    throw Error(ErrorCode::Shape, std::string(what) + " is too large for BLAS (more than 2^31-1)");
  }
  return static_cast<int>(n);
}

void checkLapack(lapack_int info, const char* routine) {
  if (info >= 0) throwIfLapackReported(routine, false);
  takeLapackReport();
  if (info < 0) {
    throw Error(ErrorCode::Internal, std::string(routine) + ": argument " + std::to_string(-info) + " was invalid");
  }
  if (info > 0) {
    throw Error(ErrorCode::Numerical, std::string(routine) + " did not converge (info " + std::to_string(info) + ")");
  }
}

namespace {

void mirrorUpperToLower(Matrix& c) {
  const std::size_t n = c.rows();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) c(i, j) = c(j, i);
  }
}

}  // namespace

void gemm(Trans transA, Trans transB, double alpha, MatrixView a, MatrixView b, double beta, Matrix& c) {
  const bool ta = transA == Trans::Yes;
  const bool tb = transB == Trans::Yes;
  const std::size_t m = ta ? a.cols : a.rows;
  const std::size_t k = ta ? a.rows : a.cols;
  const std::size_t kb = tb ? b.cols : b.rows;
  const std::size_t n = tb ? b.rows : b.cols;
  if (k != kb || c.rows() != m || c.cols() != n) {
    throw Error(ErrorCode::Internal, "gemm: inner or output dimensions do not match");
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (std::size_t i = 0; i < c.size(); ++i) c.data()[i] *= beta;
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, blasInt(m, "rows"),
              blasInt(n, "columns"), blasInt(k, "inner dimension"), alpha, a.data, blasInt(std::max<std::size_t>(a.cols, 1), "lda"),
              b.data, blasInt(std::max<std::size_t>(b.cols, 1), "ldb"), beta, c.data(), blasInt(std::max<std::size_t>(n, 1), "ldc"));
}

Matrix multiply(MatrixView a, Trans transA, MatrixView b, Trans transB) {
  const std::size_t m = transA == Trans::Yes ? a.cols : a.rows;
  const std::size_t n = transB == Trans::Yes ? b.rows : b.cols;
  // beta = 0: dgemm sets C to zero before accumulating (BLAS: "C need not be set on input"), so the
  // output needs no zero-fill, except when the inner dimension is 0 and gemm() only scales C.
  const std::size_t k = transA == Trans::Yes ? a.rows : a.cols;
  Matrix c = k == 0 ? Matrix(m, n) : Matrix::uninitialized(m, n);
  gemm(transA, transB, 1.0, a, b, 0.0, c);
  return c;
}

Matrix gramOfColumns(MatrixView a) {
  // Zero-filled: dsyrk applies beta to C through a scaling routine, and 0·NaN would keep garbage NaN.
  Matrix c(a.cols, a.cols);
  if (a.cols == 0 || a.rows == 0) return c;
  // Row-major C (D x D) = Aᵀ A: dsyrk with Trans, k = rows.
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasInt(a.cols, "columns"), blasInt(a.rows, "rows"), 1.0, a.data,
              blasInt(a.cols, "lda"), 0.0, c.data(), blasInt(a.cols, "ldc"));
  mirrorUpperToLower(c);
  return c;
}

Matrix gramOfRows(MatrixView a) {
  Matrix c(a.rows, a.rows);
  if (a.cols == 0 || a.rows == 0) return c;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, blasInt(a.rows, "rows"), blasInt(a.cols, "columns"), 1.0, a.data,
              blasInt(a.cols, "lda"), 0.0, c.data(), blasInt(a.rows, "ldc"));
  mirrorUpperToLower(c);
  return c;
}

Matrix centeredCrossProduct(MatrixView x, const std::vector<double>& meanX, const MatrixView* y,
                            const std::vector<double>& meanY) {
  const bool symmetric = y == nullptr;
  const std::size_t n = x.rows;
  const std::size_t dx = x.cols;
  const std::size_t dy = symmetric ? dx : y->cols;
  if (!symmetric && y->rows != n) throw Error(ErrorCode::Internal, "centeredCrossProduct: row counts differ");
  const bool centerX = !meanX.empty();
  const bool centerY = !symmetric && !meanY.empty();
  if (!centerX && !centerY) return symmetric ? gramOfColumns(x) : multiply(x, Trans::Yes, *y, Trans::No);
  Matrix out(dx, dy);  // accumulated with beta = 1
  if (n == 0 || dx == 0 || dy == 0) return out;
  // ~4 MB per block buffer: large enough for full-speed BLAS, small enough to stay in cache.
  const std::size_t block = std::clamp<std::size_t>((std::size_t{1} << 19) / std::max(dx, dy), 64, 4096);
  Matrix bx = Matrix::uninitialized(std::min(block, n), dx);
  Matrix by = symmetric || !centerY ? Matrix() : Matrix::uninitialized(std::min(block, n), dy);
  auto centerRows = [](MatrixView src, const std::vector<double>& mean, std::size_t begin, std::size_t rows, Matrix& dst) {
    parallelFor(rows, std::max<std::size_t>(1, (std::size_t{1} << 20) / src.cols), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) {
        const double* s = src.row(begin + i);
        double* d = dst.row(i);
        for (std::size_t j = 0; j < src.cols; ++j) d[j] = s[j] - mean[j];
      }
    });
    return MatrixView(dst.data(), rows, src.cols);
  };
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t rows = std::min(block, n - begin);
    const MatrixView xb = centerX ? centerRows(x, meanX, begin, rows, bx) : MatrixView(x.row(begin), rows, dx);
    if (symmetric) {
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasInt(dx, "columns"), blasInt(rows, "rows"), 1.0, xb.data,
                  blasInt(dx, "lda"), 1.0, out.data(), blasInt(dx, "ldc"));
    } else {
      const MatrixView yb = centerY ? centerRows(*y, meanY, begin, rows, by) : MatrixView(y->row(begin), rows, dy);
      gemm(Trans::Yes, Trans::No, 1.0, xb, yb, 1.0, out);
    }
  }
  if (symmetric) mirrorUpperToLower(out);
  return out;
}

std::vector<double> singularValues(MatrixView a) {
  const std::size_t k = std::min(a.rows, a.cols);
  std::vector<double> s(k);
  if (k == 0) return s;
  // The row-major buffer is Aᵀ in column-major order; Aᵀ has the same singular values.
  const int m = blasInt(a.cols, "columns");
  const int n = blasInt(a.rows, "rows");
  std::vector<double> work(a.data, a.data + a.size());
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', m, n, work.data(), m, s.data(), nullptr, 1, nullptr, 1);
  if (info > 0) {
    // dgesdd's divide and conquer occasionally fails where the QR iteration of dgesvd succeeds.
    work.assign(a.data, a.data + a.size());
    std::vector<double> superb(k);
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', m, n, work.data(), m, s.data(), nullptr, 1, nullptr, 1, superb.data());
  }
  checkLapack(info, "dgesdd/dgesvd");
  return s;
}

Svd thinSvd(MatrixView a) {
  const std::size_t k = std::min(a.rows, a.cols);
  Svd out;
  out.s.assign(k, 0.0);
  if (k == 0) {
    out.u = Matrix(a.rows, 0);
    out.vt = Matrix(0, a.cols);
    return out;
  }
  // Column-major view: B = Aᵀ (cols x rows). B = U' S VT' with U' (cols x k, ld cols) and VT' (k x rows, ld k).
  // Then A = VT'ᵀ S U'ᵀ: the column-major buffer of VT' read row-major is U_A (rows x k), and the buffer
  // of U' read row-major is Vt_A (k x cols). No transposes are needed.
  const int m = blasInt(a.cols, "columns");
  const int n = blasInt(a.rows, "rows");
  const int kk = static_cast<int>(k);
  std::vector<double> work(a.data, a.data + a.size());
  out.u = Matrix::uninitialized(a.rows, k);   // receives VT' (k x rows, column-major)
  out.vt = Matrix::uninitialized(k, a.cols);  // receives U' (cols x k, column-major)
  lapack_int info =
      LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', m, n, work.data(), m, out.s.data(), out.vt.data(), m, out.u.data(), kk);
  if (info > 0) {
    work.assign(a.data, a.data + a.size());
    std::vector<double> superb(k);
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', m, n, work.data(), m, out.s.data(), out.vt.data(), m,
                          out.u.data(), kk, superb.data());
  }
  checkLapack(info, "dgesdd/dgesvd");
  return out;
}

SymmetricEigen symmetricEigen(MatrixView a, bool wantVectors) {
  if (a.rows != a.cols) throw Error(ErrorCode::Internal, "symmetricEigen: matrix is not square");
  const std::size_t n = a.rows;
  SymmetricEigen out;
  out.values.assign(n, 0.0);
  if (n == 0) return out;
  const int nn = blasInt(n, "order");
  // Symmetric: the row-major buffer is the same matrix in column-major order.
  std::vector<double> work(a.data, a.data + a.size());
  std::vector<double> z(wantVectors ? n * n : 1);
  std::vector<lapack_int> support(2 * n);
  lapack_int found = 0;
  lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, wantVectors ? 'V' : 'N', 'A', 'U', nn, work.data(), nn, 0.0, 0.0, 0,
                                   0, 0.0, &found, out.values.data(), z.data(), wantVectors ? nn : 1, support.data());
  checkLapack(info, "dsyevr");
  if (wantVectors) {
    // z is column-major: eigenvector j is z[j*n .. j*n+n). Store it as column j of a row-major matrix.
    out.vectors = Matrix(n, n);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < n; ++i) out.vectors(i, j) = z[j * n + i];
    }
  }
  return out;
}

Matrix symmetricFunction(MatrixView a, double (*f)(double, void*), void* context) {
  const SymmetricEigen eig = symmetricEigen(a, true);
  const std::size_t n = a.rows;
  // V diag(f(λ)) Vᵀ = (V diag(f(λ))) Vᵀ: scale the columns of V, then one dgemm.
  Matrix scaled = Matrix::copyOf(eig.vectors);
  for (std::size_t j = 0; j < n; ++j) {
    const double fj = f(eig.values[j], context);
    for (std::size_t i = 0; i < n; ++i) scaled(i, j) *= fj;
  }
  return multiply(scaled, Trans::No, eig.vectors, Trans::Yes);
}

std::size_t numericalRank(const std::vector<double>& s, std::size_t rows, std::size_t cols, double relativeTolerance) {
  if (s.empty()) return 0;
  const double tolerance = s.front() * (relativeTolerance < 0.0
                                            ? static_cast<double>(std::max(rows, cols)) * std::numeric_limits<double>::epsilon()
                                            : relativeTolerance);
  std::size_t rank = 0;
  while (rank < s.size() && s[rank] > tolerance) ++rank;
  return rank;
}

Qr thinQr(MatrixView a) {
  if (a.rows < a.cols) throw Error(ErrorCode::Internal, "thinQr: needs rows >= columns");
  const std::size_t m = a.rows;
  const std::size_t n = a.cols;
  Qr out;
  out.r = Matrix(n, n);
  if (n == 0) {
    out.q = Matrix(m, 0);
    return out;
  }
  out.q = Matrix::copyOf(a);
  std::vector<double> tau(n);
  const int mm = blasInt(m, "rows");
  const int nn = blasInt(n, "columns");
  checkLapack(LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, mm, nn, out.q.data(), nn, tau.data()), "dgeqrf");
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i; j < n; ++j) out.r(i, j) = out.q(i, j);
  }
  checkLapack(LAPACKE_dorgqr(LAPACK_ROW_MAJOR, mm, nn, nn, out.q.data(), nn, tau.data()), "dorgqr");
  return out;
}

Matrix rFactorOfTranspose(MatrixView a) {
  if (a.cols < a.rows) throw Error(ErrorCode::Internal, "rFactorOfTranspose: needs columns >= rows");
  const std::size_t m = a.rows;  // R is m x m
  Matrix r(m, m);
  if (m == 0) return r;
  // The row-major buffer of A (m x n) is Aᵀ (n x m) in column-major order: factor it in place.
  std::vector<double> work(a.data, a.data + a.size());
  std::vector<double> tau(m);
  const int rowsT = blasInt(a.cols, "columns");
  const int colsT = blasInt(m, "rows");
  checkLapack(LAPACKE_dgeqrf(LAPACK_COL_MAJOR, rowsT, colsT, work.data(), rowsT, tau.data()), "dgeqrf");
  // R(i, j) for i <= j sits at column j, row i of the column-major factor.
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t i = 0; i <= j; ++i) r(i, j) = work[j * a.cols + i];
  }
  return r;
}

double frobeniusNormSquared(MatrixView a) {
  const std::size_t n = a.size();
  if (n == 0) return 0.0;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += a.data[i] * a.data[i];
    return total;
  }
  const double norm = cblas_dnrm2(static_cast<int>(n), a.data, 1);  // scaled: no overflow/underflow
  return norm * norm;
}

double dot(const double* x, const double* y, std::size_t n) {
  if (n == 0) return 0.0;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += x[i] * y[i];
    return total;
  }
  return cblas_ddot(static_cast<int>(n), x, 1, y, 1);
}

}  // namespace nnsim
