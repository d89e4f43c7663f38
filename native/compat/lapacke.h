// LAPACKE over the Fortran LAPACK interface, for BLAS/LAPACK libraries without LAPACKE (Apple's
// Accelerate). Only the routines nnsim calls, in both layouts; LAPACKE's contract otherwise: the
// workspace is queried and allocated here, row-major arguments are transposed into column-major copies
// (as LAPACKE itself does), and the result is LAPACK's `info` (-1 for an unknown layout).
// Built instead of the system <lapacke.h> when NNSIM_LAPACK_FORTRAN is defined (CMake option
// NNSIM_LAPACK_FORTRAN, on by itself with Accelerate); the core tests run against it on Linux too.
#pragma once

typedef int lapack_int;

#define LAPACK_ROW_MAJOR 101
#define LAPACK_COL_MAJOR 102

lapack_int LAPACKE_dgesdd(int layout, char jobz, lapack_int m, lapack_int n, double* a, lapack_int lda, double* s,
                          double* u, lapack_int ldu, double* vt, lapack_int ldvt);
lapack_int LAPACKE_dgesvd(int layout, char jobu, char jobvt, lapack_int m, lapack_int n, double* a, lapack_int lda,
                          double* s, double* u, lapack_int ldu, double* vt, lapack_int ldvt, double* superb);
lapack_int LAPACKE_dsyevr(int layout, char jobz, char range, char uplo, lapack_int n, double* a, lapack_int lda,
                          double vl, double vu, lapack_int il, lapack_int iu, double abstol, lapack_int* m, double* w,
                          double* z, lapack_int ldz, lapack_int* isuppz);
lapack_int LAPACKE_dstevr(int layout, char jobz, char range, lapack_int n, double* d, double* e, double vl, double vu,
                          lapack_int il, lapack_int iu, double abstol, lapack_int* m, double* w, double* z,
                          lapack_int ldz, lapack_int* isuppz);
lapack_int LAPACKE_dgeqrf(int layout, lapack_int m, lapack_int n, double* a, lapack_int lda, double* tau);
lapack_int LAPACKE_dorgqr(int layout, lapack_int m, lapack_int n, lapack_int k, double* a, lapack_int lda,
                          const double* tau);
lapack_int LAPACKE_dormqr(int layout, char side, char trans, lapack_int m, lapack_int n, lapack_int k, const double* a,
                          lapack_int lda, const double* tau, double* c, lapack_int ldc);
double LAPACKE_dlansy(int layout, char norm, char uplo, lapack_int n, const double* a, lapack_int lda);
lapack_int LAPACKE_dpotrf(int layout, char uplo, lapack_int n, double* a, lapack_int lda);
lapack_int LAPACKE_dpocon(int layout, char uplo, lapack_int n, const double* a, lapack_int lda, double anorm,
                          double* rcond);
