// LAPACKE over the Fortran LAPACK interface (see lapacke.h): the layouts nnsim calls each routine with.
#include "lapacke.h"

#include <algorithm>
#include <cstddef>
#include <vector>

// gfortran-compiled LAPACK (OpenBLAS on Linux) takes the length of each CHARACTER argument as a hidden
// trailing size_t argument; f2c-style LAPACK (Accelerate's classic interface) has none.
#ifdef NNSIM_ACCELERATE
#define NNSIM_CHARLEN(...)
#else
#define NNSIM_CHARLEN(...) , __VA_ARGS__
#endif

extern "C" {
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork,
             int* info NNSIM_CHARLEN(std::size_t));
void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* info NNSIM_CHARLEN(std::size_t, std::size_t));
void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a, const int* lda,
             const double* vl, const double* vu, const int* il, const int* iu, const double* abstol, int* m, double* w,
             double* z, const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork, const int* liwork,
             int* info NNSIM_CHARLEN(std::size_t, std::size_t, std::size_t));
void dstevr_(const char* jobz, const char* range, const int* n, double* d, double* e, const double* vl,
             const double* vu, const int* il, const int* iu, const double* abstol, int* m, double* w, double* z,
             const int* ldz, int* isuppz, double* work, const int* lwork, int* iwork, const int* liwork,
             int* info NNSIM_CHARLEN(std::size_t, std::size_t));
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau, double* work,
             const int* lwork, int* info);
void dormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, const double* a,
             const int* lda, const double* tau, double* c, const int* ldc, double* work, const int* lwork,
             int* info NNSIM_CHARLEN(std::size_t, std::size_t));
double dlansy_(const char* norm, const char* uplo, const int* n, const double* a, const int* lda,
               double* work NNSIM_CHARLEN(std::size_t, std::size_t));
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info NNSIM_CHARLEN(std::size_t));
void dpocon_(const char* uplo, const int* n, const double* a, const int* lda, const double* anorm, double* rcond,
             double* work, int* iwork, int* info NNSIM_CHARLEN(std::size_t));
}

namespace {

constexpr lapack_int kBadLayout = -1;

/** A rows × cols row-major matrix (leading dimension lda) as a column-major copy (leading dimension rows). */
std::vector<double> columnMajor(const double* a, lapack_int rows, lapack_int cols, lapack_int lda) {
  std::vector<double> t(std::max<std::size_t>(1, static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols)));
  for (lapack_int i = 0; i < rows; ++i)
    for (lapack_int j = 0; j < cols; ++j) t[static_cast<std::size_t>(j) * rows + i] = a[static_cast<std::size_t>(i) * lda + j];
  return t;
}

/** The column-major copy back into the row-major matrix. */
void rowMajor(const std::vector<double>& t, lapack_int rows, lapack_int cols, double* a, lapack_int lda) {
  for (lapack_int i = 0; i < rows; ++i)
    for (lapack_int j = 0; j < cols; ++j) a[static_cast<std::size_t>(i) * lda + j] = t[static_cast<std::size_t>(j) * rows + i];
}

/**
 * Runs a LAPACK routine twice, as LAPACKE does: a workspace query (lwork = liwork = -1: the routine
 * stores the sizes it wants in work[0] and iwork[0]), then the computation with those workspaces.
 * `call(work, lwork, iwork, liwork, info)`; routines without an integer workspace ignore iwork.
 */
template <typename Call>
lapack_int withWorkspace(Call call) {
  int info = 0;
  int lwork = -1;
  int liwork = -1;
  double query = 0.0;
  int iquery = 0;
  call(&query, &lwork, &iquery, &liwork, &info);
  if (info != 0) return info;
  lwork = std::max(1, static_cast<int>(query));
  liwork = std::max(1, iquery);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  call(work.data(), &lwork, iwork.data(), &liwork, &info);
  return info;
}

lapack_int geqrfColumnMajor(lapack_int m, lapack_int n, double* a, lapack_int lda, double* tau) {
  return withWorkspace([&](double* work, int* lwork, int*, int*, int* info) { dgeqrf_(&m, &n, a, &lda, tau, work, lwork, info); });
}

lapack_int orgqrColumnMajor(lapack_int m, lapack_int n, lapack_int k, double* a, lapack_int lda, const double* tau) {
  return withWorkspace([&](double* work, int* lwork, int*, int*, int* info) { dorgqr_(&m, &n, &k, a, &lda, tau, work, lwork, info); });
}

lapack_int ormqrColumnMajor(char side, char trans, lapack_int m, lapack_int n, lapack_int k, const double* a,
                            lapack_int lda, const double* tau, double* c, lapack_int ldc) {
  return withWorkspace([&](double* work, int* lwork, int*, int*, int* info) {
    dormqr_(&side, &trans, &m, &n, &k, a, &lda, tau, c, &ldc, work, lwork, info NNSIM_CHARLEN(1, 1));
  });
}

}  // namespace

lapack_int LAPACKE_dgesdd(int layout, char jobz, lapack_int m, lapack_int n, double* a, lapack_int lda, double* s,
                          double* u, lapack_int ldu, double* vt, lapack_int ldvt) {
  if (layout != LAPACK_COL_MAJOR) return kBadLayout;
  // dgesdd takes a fixed integer workspace of 8·min(m, n), not a queried one.
  std::vector<int> iwork(std::max<std::size_t>(1, 8 * static_cast<std::size_t>(std::min(m, n))));
  return withWorkspace([&](double* work, int* lwork, int*, int*, int* info) {
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, lwork, iwork.data(), info NNSIM_CHARLEN(1));
  });
}

lapack_int LAPACKE_dgesvd(int layout, char jobu, char jobvt, lapack_int m, lapack_int n, double* a, lapack_int lda,
                          double* s, double* u, lapack_int ldu, double* vt, lapack_int ldvt, double* superb) {
  if (layout != LAPACK_COL_MAJOR) return kBadLayout;
  return withWorkspace([&](double* work, int* lwork, int*, int*, int* info) {
    dgesvd_(&jobu, &jobvt, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, lwork, info NNSIM_CHARLEN(1, 1));
    // As LAPACKE: the superdiagonal of the bidiagonal form that did not converge, from work(2:min(m, n)).
    if (*lwork > 0) std::copy(work + 1, work + std::max(1, std::min(m, n)), superb);
  });
}

lapack_int LAPACKE_dsyevr(int layout, char jobz, char range, char uplo, lapack_int n, double* a, lapack_int lda,
                          double vl, double vu, lapack_int il, lapack_int iu, double abstol, lapack_int* m, double* w,
                          double* z, lapack_int ldz, lapack_int* isuppz) {
  if (layout != LAPACK_COL_MAJOR) return kBadLayout;
  return withWorkspace([&](double* work, int* lwork, int* iwork, int* liwork, int* info) {
    dsyevr_(&jobz, &range, &uplo, &n, a, &lda, &vl, &vu, &il, &iu, &abstol, m, w, z, &ldz, isuppz, work, lwork, iwork,
            liwork, info NNSIM_CHARLEN(1, 1, 1));
  });
}

lapack_int LAPACKE_dstevr(int layout, char jobz, char range, lapack_int n, double* d, double* e, double vl, double vu,
                          lapack_int il, lapack_int iu, double abstol, lapack_int* m, double* w, double* z,
                          lapack_int ldz, lapack_int* isuppz) {
  if (layout != LAPACK_COL_MAJOR) return kBadLayout;
  return withWorkspace([&](double* work, int* lwork, int* iwork, int* liwork, int* info) {
    dstevr_(&jobz, &range, &n, d, e, &vl, &vu, &il, &iu, &abstol, m, w, z, &ldz, isuppz, work, lwork, iwork, liwork,
            info NNSIM_CHARLEN(1, 1));
  });
}

lapack_int LAPACKE_dgeqrf(int layout, lapack_int m, lapack_int n, double* a, lapack_int lda, double* tau) {
  if (layout == LAPACK_COL_MAJOR) return geqrfColumnMajor(m, n, a, lda, tau);
  if (layout != LAPACK_ROW_MAJOR) return kBadLayout;
  std::vector<double> t = columnMajor(a, m, n, lda);
  const lapack_int info = geqrfColumnMajor(m, n, t.data(), std::max(1, m), tau);
  rowMajor(t, m, n, a, lda);
  return info;
}

lapack_int LAPACKE_dorgqr(int layout, lapack_int m, lapack_int n, lapack_int k, double* a, lapack_int lda,
                          const double* tau) {
  if (layout == LAPACK_COL_MAJOR) return orgqrColumnMajor(m, n, k, a, lda, tau);
  if (layout != LAPACK_ROW_MAJOR) return kBadLayout;
  std::vector<double> t = columnMajor(a, m, n, lda);
  const lapack_int info = orgqrColumnMajor(m, n, k, t.data(), std::max(1, m), tau);
  rowMajor(t, m, n, a, lda);
  return info;
}

lapack_int LAPACKE_dormqr(int layout, char side, char trans, lapack_int m, lapack_int n, lapack_int k, const double* a,
                          lapack_int lda, const double* tau, double* c, lapack_int ldc) {
  if (layout == LAPACK_COL_MAJOR) return ormqrColumnMajor(side, trans, m, n, k, a, lda, tau, c, ldc);
  if (layout != LAPACK_ROW_MAJOR) return kBadLayout;
  // A holds the k reflectors as columns: (m × k) when Q is applied from the left, (n × k) from the right.
  const lapack_int r = (side == 'L' || side == 'l') ? m : n;
  const std::vector<double> at = columnMajor(a, r, k, lda);
  std::vector<double> ct = columnMajor(c, m, n, ldc);
  const lapack_int info = ormqrColumnMajor(side, trans, m, n, k, at.data(), std::max(1, r), tau, ct.data(), std::max(1, m));
  rowMajor(ct, m, n, c, ldc);
  return info;
}

double LAPACKE_dlansy(int layout, char norm, char uplo, lapack_int n, const double* a, lapack_int lda) {
  std::vector<double> work(static_cast<std::size_t>(std::max(1, n)));
  if (layout == LAPACK_COL_MAJOR) return dlansy_(&norm, &uplo, &n, a, &lda, work.data() NNSIM_CHARLEN(1, 1));
  if (layout != LAPACK_ROW_MAJOR) return -1.0;
  const std::vector<double> t = columnMajor(a, n, n, lda);
  const lapack_int ld = std::max(1, n);
  return dlansy_(&norm, &uplo, &n, t.data(), &ld, work.data() NNSIM_CHARLEN(1, 1));
}

lapack_int LAPACKE_dpotrf(int layout, char uplo, lapack_int n, double* a, lapack_int lda) {
  int info = 0;
  if (layout == LAPACK_COL_MAJOR) {
    dpotrf_(&uplo, &n, a, &lda, &info NNSIM_CHARLEN(1));
    return info;
  }
  if (layout != LAPACK_ROW_MAJOR) return kBadLayout;
  std::vector<double> t = columnMajor(a, n, n, lda);
  const lapack_int ld = std::max(1, n);
  dpotrf_(&uplo, &n, t.data(), &ld, &info NNSIM_CHARLEN(1));
  rowMajor(t, n, n, a, lda);
  return info;
}

lapack_int LAPACKE_dpocon(int layout, char uplo, lapack_int n, const double* a, lapack_int lda, double anorm,
                          double* rcond) {
  std::vector<double> work(static_cast<std::size_t>(std::max(1, 3 * n)));
  std::vector<int> iwork(static_cast<std::size_t>(std::max(1, n)));
  int info = 0;
  if (layout == LAPACK_COL_MAJOR) {
    dpocon_(&uplo, &n, a, &lda, &anorm, rcond, work.data(), iwork.data(), &info NNSIM_CHARLEN(1));
    return info;
  }
  if (layout != LAPACK_ROW_MAJOR) return kBadLayout;
  const std::vector<double> t = columnMajor(a, n, n, lda);
  const lapack_int ld = std::max(1, n);
  dpocon_(&uplo, &n, t.data(), &ld, &anorm, rcond, work.data(), iwork.data(), &info NNSIM_CHARLEN(1));
  return info;
}
