#include "linalg.hpp"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <string>

#include "errors.hpp"
#include "lapack_errors.hpp"
#include "detachable.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

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

void requireFiniteForLapack(const double* data, std::size_t count, const char* routine) {
  constexpr std::size_t piece = std::size_t{1} << 18;
  bool finite = true;
  for (std::size_t begin = 0; begin < count; begin += piece) {
    if (begin > 0) checkpoint();
    const std::size_t end = std::min(count, begin + piece);
    for (std::size_t k = begin; k < end; ++k) finite &= std::fabs(data[k]) <= std::numeric_limits<double>::max();
  }
  if (!finite) {
    throw Error(ErrorCode::Numerical, std::string(routine) +
                                          ": the matrix has a non-finite entry (an intermediate result overflowed)");
  }
}

namespace {

// The LAPACK routine's own copy of its input (it overwrites it), made in pieces with cancellation points.
std::vector<double> workCopy(MatrixView a) {
  std::vector<double> work;
  work.reserve(a.size());
  constexpr std::size_t piece = std::size_t{1} << 18;
  for (std::size_t begin = 0; begin < a.size(); begin += piece) {
    if (begin > 0) checkpoint();
    work.insert(work.end(), a.data + begin, a.data + std::min(a.size(), begin + piece));
  }
  return work;
}

}  // namespace

namespace {

// Work of one BLAS call between two cancellation points: a few milliseconds on one core.
constexpr double kFlopsPerBlock = 2e8;

// Rows per block of a product whose rows cost `flopsPerRow` each (all rows in one block when cheap).
std::size_t rowsPerBlock(std::size_t rows, double flopsPerRow) {
  if (flopsPerRow * static_cast<double>(rows) <= 2.0 * kFlopsPerBlock) return std::max<std::size_t>(rows, 1);
  return std::max<std::size_t>(64, static_cast<std::size_t>(kFlopsPerBlock / std::max(flopsPerRow, 1.0)));
}

}  // namespace

void mirrorUpper(Matrix& m) {
  // Tiles of 64 × 64: the transposed reads stay in cache (a row-by-row copy reads a column per row and
  // missed the cache on every element of a 1536-wide product). Tile row t holds t + 1 tiles, so the
  // threads take tile rows in the order 0, T−1, 1, T−2, …: contiguous chunks of that order carry equal work.
  constexpr std::size_t kTile = 64;
  const std::size_t n = m.rows();
  const std::size_t tiles = (n + kTile - 1) / kTile;
  parallelFor(tiles, std::max<std::size_t>(1, (std::size_t{1} << 20) / std::max<std::size_t>(1, n * kTile)), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k < hi; ++k) {
      checkpoint();
      const std::size_t t = k % 2 == 0 ? k / 2 : tiles - 1 - k / 2;
      const std::size_t i0 = t * kTile, i1 = std::min(n, i0 + kTile);
      for (std::size_t j0 = 0; j0 <= i0; j0 += kTile) {
        const std::size_t j1 = std::min(n, j0 + kTile);
        for (std::size_t i = i0; i < i1; ++i) {
          double* row = m.row(i);
          for (std::size_t j = j0; j < std::min(j1, i); ++j) row[j] = m(j, i);
        }
      }
    }
  });
}

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
  const int lda = blasInt(std::max<std::size_t>(a.cols, 1), "lda");
  const int ldb = blasInt(std::max<std::size_t>(b.cols, 1), "ldb");
  const int ldc = blasInt(std::max<std::size_t>(n, 1), "ldc");
  const int nn = blasInt(n, "columns");
  blasInt(k, "inner dimension");
  blasInt(m, "rows");
  const CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
  // Tiles of C rows × inner dimension of ~kFlopsPerBlock each, with a cancellation point between them:
  // a small C (e.g. XᵀY over many inputs) is accumulated over blocks of the inner dimension,
  // C = α op(A)[:, p..q) op(B)[p..q, :] + (β for the first block, else 1) C; a large one goes by rows.
  const double dm = static_cast<double>(m), dn = static_cast<double>(n), dk = static_cast<double>(k);
  std::size_t rowBlock = m, innerBlock = k;
  if (2.0 * dm * dn * dk > 2.0 * kFlopsPerBlock) {
    if (dm * dn <= 4e6) {
      innerBlock = std::max<std::size_t>(64, static_cast<std::size_t>(kFlopsPerBlock / (2.0 * dm * dn)));
    } else {
      rowBlock = std::max<std::size_t>(64, static_cast<std::size_t>(kFlopsPerBlock / (2.0 * dn * dk)));
      const double rows = static_cast<double>(rowBlock);
      if (2.0 * dn * dk * rows > 4.0 * kFlopsPerBlock) {
        innerBlock = std::max<std::size_t>(64, static_cast<std::size_t>(kFlopsPerBlock / (2.0 * dn * rows)));
      }
    }
  }
  bool first = true;
  for (std::size_t i = 0; i < m; i += rowBlock) {
    const std::size_t rows = std::min(rowBlock, m - i);
    for (std::size_t p = 0; p < k; p += innerBlock) {
      if (!first) checkpoint();
      first = false;
      const std::size_t width = std::min(innerBlock, k - p);
      // op(A)[i.., p..]: rows i.. and columns p.. of A, or the transposed offsets; op(B)[p.., :] alike.
      const double* ap = ta ? a.data + p * a.cols + i : a.data + i * a.cols + p;
      const double* bp = tb ? b.data + p : b.data + p * b.cols;
      cblas_dgemm(CblasRowMajor, opA, opB, static_cast<int>(rows), nn, static_cast<int>(width), alpha, ap, lda, bp,
                  ldb, p == 0 ? beta : 1.0, c.data() + i * n, ldc);
    }
  }
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
  // Row-major C (D x D) = Aᵀ A: dsyrk with Trans, k = rows, accumulated over blocks of rows.
  const int d = blasInt(a.cols, "columns");
  blasInt(a.rows, "rows");
  const std::size_t block = rowsPerBlock(a.rows, static_cast<double>(a.cols) * static_cast<double>(a.cols));
  for (std::size_t i = 0; i < a.rows; i += block) {
    if (i > 0) checkpoint();
    const std::size_t rows = std::min(block, a.rows - i);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, static_cast<int>(rows), 1.0, a.row(i), d, i == 0 ? 0.0 : 1.0,
                c.data(), d);
  }
  mirrorUpper(c);
  return c;
}

Matrix gramOfRows(MatrixView a) {
  Matrix c(a.rows, a.rows);
  if (a.cols == 0 || a.rows == 0) return c;
  const int n = blasInt(a.rows, "rows");
  const int d = blasInt(a.cols, "columns");
  // Upper triangle by panels of rows: the diagonal block by dsyrk, the rest of the panel by dgemm.
  const std::size_t block = rowsPerBlock(a.rows, static_cast<double>(a.rows) * static_cast<double>(a.cols));
  for (std::size_t i = 0; i < a.rows; i += block) {
    if (i > 0) checkpoint();
    const std::size_t rows = std::min(block, a.rows - i);
    const int r = static_cast<int>(rows);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, r, d, 1.0, a.row(i), d, 0.0, c.data() + i * a.rows + i, n);
    const std::size_t rest = a.rows - i - rows;
    if (rest > 0) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, static_cast<int>(rest), d, 1.0, a.row(i), d,
                  a.row(i + rows), d, 0.0, c.data() + i * a.rows + i + rows, n);
    }
  }
  mirrorUpper(c);
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
  // ~4 MB per block buffer: large enough for full-speed BLAS, small enough to stay in cache; and at most
  // ~kFlopsPerBlock per block (a cancellation point follows each).
  const std::size_t byFlops = static_cast<std::size_t>(kFlopsPerBlock / (2.0 * static_cast<double>(dx) * static_cast<double>(dy)));
  const std::size_t block = std::clamp<std::size_t>(std::min((std::size_t{1} << 19) / std::max(dx, dy), byFlops), 64, 4096);
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
    if (begin > 0) checkpoint();
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
  if (symmetric) mirrorUpper(out);
  return out;
}

namespace {

// Rough flop counts, to decide which LAPACK calls are worth running detachably.
double svdFlops(std::size_t rows, std::size_t cols, bool vectors) {
  const double big = static_cast<double>(std::max(rows, cols)), small = static_cast<double>(std::min(rows, cols));
  return (vectors ? 8.0 : 4.0) * big * small * small + (vectors ? 12.0 : 4.0) * small * small * small;
}

struct SvdAttempt {
  lapack_int info = 0;
  Svd svd;
};

}  // namespace

std::vector<double> singularValues(MatrixView a) {
  const std::size_t k = std::min(a.rows, a.cols);
  if (k == 0) return {};
  requireFiniteForLapack(a.data, a.size(), "singular values (dgesdd)");
  // The row-major buffer is Aᵀ in column-major order; Aᵀ has the same singular values.
  const int m = blasInt(a.cols, "columns");
  const int n = blasInt(a.rows, "rows");
  SvdAttempt attempt = detachable(svdFlops(a.rows, a.cols, false), [m, n, k, work = workCopy(a)]() mutable {
    SvdAttempt out;
    out.svd.s.assign(k, 0.0);
    out.info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', m, n, work.data(), m, out.svd.s.data(), nullptr, 1, nullptr, 1);
    return out;
  });
  if (attempt.info > 0) {
    // dgesdd's divide and conquer occasionally fails where the QR iteration of dgesvd succeeds (rare: in place).
    std::vector<double> work(a.data, a.data + a.size());
    std::vector<double> superb(k);
    attempt.info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', m, n, work.data(), m, attempt.svd.s.data(), nullptr, 1,
                                  nullptr, 1, superb.data());
  }
  checkLapack(attempt.info, "dgesdd/dgesvd");
  return std::move(attempt.svd.s);
}

Svd thinSvd(MatrixView a) {
  const std::size_t k = std::min(a.rows, a.cols);
  if (k == 0) {
    Svd out;
    out.u = Matrix(a.rows, 0);
    out.vt = Matrix(0, a.cols);
    return out;
  }
  // Column-major view: B = Aᵀ (cols x rows). B = U' S VT' with U' (cols x k, ld cols) and VT' (k x rows, ld k).
  // Then A = VT'ᵀ S U'ᵀ: the column-major buffer of VT' read row-major is U_A (rows x k), and the buffer
  // of U' read row-major is Vt_A (k x cols). No transposes are needed.
  requireFiniteForLapack(a.data, a.size(), "SVD (dgesdd)");
  const int m = blasInt(a.cols, "columns");
  const int n = blasInt(a.rows, "rows");
  const int kk = static_cast<int>(k);
  const std::size_t rows = a.rows, cols = a.cols;
  SvdAttempt attempt = detachable(svdFlops(rows, cols, true), [=, work = workCopy(a)]() mutable {
    SvdAttempt out;
    out.svd.s.assign(k, 0.0);
    out.svd.u = Matrix::uninitialized(rows, k);   // receives VT' (k x rows, column-major)
    out.svd.vt = Matrix::uninitialized(k, cols);  // receives U' (cols x k, column-major)
    out.info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', m, n, work.data(), m, out.svd.s.data(), out.svd.vt.data(), m,
                              out.svd.u.data(), kk);
    return out;
  });
  Svd& out = attempt.svd;
  if (attempt.info > 0) {
    std::vector<double> work(a.data, a.data + a.size());
    std::vector<double> superb(k);
    attempt.info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', m, n, work.data(), m, out.s.data(), out.vt.data(), m,
                                  out.u.data(), kk, superb.data());
  }
  checkLapack(attempt.info, "dgesdd/dgesvd");
  return std::move(out);
}

SymmetricEigen symmetricEigen(MatrixView a, bool wantVectors) {
  if (a.rows != a.cols) throw Error(ErrorCode::Internal, "symmetricEigen: matrix is not square");
  const std::size_t n = a.rows;
  if (n == 0) return SymmetricEigen{};
  requireFiniteForLapack(a.data, a.size(), "symmetric eigendecomposition (dsyevr)");
  const int nn = blasInt(n, "order");
  const double cube = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  // Symmetric: the row-major buffer is the same matrix in column-major order.
  auto [info, out] = detachable(wantVectors ? 9.0 * cube : 1.5 * cube, [=, work = workCopy(a)]() mutable {
    SymmetricEigen eig;
    eig.values.assign(n, 0.0);
    std::vector<double> z(wantVectors ? n * n : 1);
    std::vector<lapack_int> support(2 * n);
    lapack_int found = 0;
    const lapack_int status = LAPACKE_dsyevr(LAPACK_COL_MAJOR, wantVectors ? 'V' : 'N', 'A', 'U', nn, work.data(), nn,
                                             0.0, 0.0, 0, 0, 0.0, &found, eig.values.data(), z.data(),
                                             wantVectors ? nn : 1, support.data());
    if (status == 0 && wantVectors) {
      // z is column-major: eigenvector j is z[j*n .. j*n+n). Store it as column j of a row-major matrix.
      eig.vectors = Matrix::uninitialized(n, n);
      for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t i = 0; i < n; ++i) eig.vectors(i, j) = z[j * n + i];
      }
    }
    return std::make_pair(status, std::move(eig));
  });
  checkLapack(info, "dsyevr");
  return std::move(out);
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
  if (n == 0) return Qr{Matrix(m, 0), Matrix(0, 0)};
  requireFiniteForLapack(a.data, a.size(), "QR (dgeqrf)");
  const int mm = blasInt(m, "rows");
  const int nn = blasInt(n, "columns");
  const double flops = 4.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(n);
  auto [info, out] = detachable(flops, [=, q = Matrix::copyOf(a)]() mutable {
    Qr qr{std::move(q), Matrix(n, n)};
    std::vector<double> tau(n);
    lapack_int status = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, mm, nn, qr.q.data(), nn, tau.data());
    if (status != 0) return std::make_pair(status, std::move(qr));
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i; j < n; ++j) qr.r(i, j) = qr.q(i, j);
    }
    status = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, mm, nn, nn, qr.q.data(), nn, tau.data());
    return std::make_pair(status, std::move(qr));
  });
  checkLapack(info, "dgeqrf/dorgqr");
  return std::move(out);
}

Matrix rFactorOfTranspose(MatrixView a) {
  if (a.cols < a.rows) throw Error(ErrorCode::Internal, "rFactorOfTranspose: needs columns >= rows");
  const std::size_t m = a.rows;  // R is m x m
  if (m == 0) return Matrix(0, 0);
  requireFiniteForLapack(a.data, a.size(), "QR (dgeqrf)");
  // The row-major buffer of A (m x n) is Aᵀ (n x m) in column-major order: factor it in place.
  const int rowsT = blasInt(a.cols, "columns");
  const int colsT = blasInt(m, "rows");
  const std::size_t cols = a.cols;
  const double flops = 2.0 * static_cast<double>(cols) * static_cast<double>(m) * static_cast<double>(m);
  auto [info, r] = detachable(flops, [=, work = workCopy(a)]() mutable {
    Matrix factor(m, m);
    std::vector<double> tau(m);
    const lapack_int status = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, rowsT, colsT, work.data(), rowsT, tau.data());
    // R(i, j) for i <= j sits at column j, row i of the column-major factor.
    for (std::size_t j = 0; status == 0 && j < m; ++j) {
      for (std::size_t i = 0; i <= j; ++i) factor(i, j) = work[j * cols + i];
    }
    return std::make_pair(status, std::move(factor));
  });
  checkLapack(info, "dgeqrf");
  return std::move(r);
}

double frobeniusNormSquared(MatrixView a) {
  const std::size_t n = a.size();
  if (n == 0) return 0.0;
  if (n > static_cast<std::size_t>(INT_MAX)) {
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) total += a.data[i] * a.data[i];
    return total;
  }
  // dnrm2 is scaled: no overflow/underflow. Large matrices go in pieces (a cancellation point between
  // them); their squared norms are summed, safe for data within the magnitude rule's range.
  constexpr std::size_t piece = std::size_t{1} << 20;
  if (n <= piece) {
    const double norm = cblas_dnrm2(static_cast<int>(n), a.data, 1);
    return norm * norm;
  }
  double total = 0.0;
  for (std::size_t begin = 0; begin < n; begin += piece) {
    if (begin > 0) checkpoint();
    const double norm = cblas_dnrm2(static_cast<int>(std::min(piece, n - begin)), a.data + begin, 1);
    total += norm * norm;
  }
  return total;
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
