// BLAS/LAPACK argument errors (xerbla): nothing is printed, and the report becomes a typed Error.
#include <cblas.h>
#include <lapacke.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>

#include "check.hpp"
#include "lapack_errors.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

// Runs body with file descriptors 1 and 2 redirected to a temporary file; returns what was written.
std::string capturedOutput(const std::function<void()>& body) {
  std::fflush(stdout);
  std::fflush(stderr);
  std::FILE* sink = std::tmpfile();
  const int savedOut = dup(1), savedErr = dup(2);
  dup2(fileno(sink), 1);
  dup2(fileno(sink), 2);
  body();
  std::fflush(stdout);
  std::fflush(stderr);
  dup2(savedOut, 1);
  dup2(savedErr, 2);
  close(savedOut);
  close(savedErr);
  std::string text;
  std::rewind(sink);
  for (int c; (c = std::fgetc(sink)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(sink);
  return text;
}

NNSIM_TEST(testLapackArgumentErrorsAreRecordedNotPrinted) {
  double a[4] = {1, 2, 3, 4}, tau[2];
  lapack_int info = 0;
  // A negative row count reaches the Fortran routine, which calls xerbla_.
  std::string out = capturedOutput([&] { info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, -1, 2, a, 1, tau); });
  check(out.empty(), "xerbla_ prints nothing (got: " + out + ")");
  check(info < 0, "dgeqrf reports the illegal argument in info");
  LapackReport report = takeLapackReport();
  check(report.routine == "DGEQRF" && report.argument == 1, "the report names DGEQRF, argument 1 (got " + report.routine + " " + std::to_string(report.argument) + ")");
  check(!takeLapackReport(), "taking the report clears it");

  // An illegal layout is caught by LAPACKE itself (LAPACKE_xerbla; nnsim's LAPACKE adapter over Fortran
  // LAPACK returns −1 without a report).
  double s[2];
  out = capturedOutput([&] { info = LAPACKE_dgesdd(12345, 'N', 2, 2, a, 2, s, nullptr, 1, nullptr, 1); });
  check(out.empty(), "LAPACKE_xerbla prints nothing (got: " + out + ")");
  check(info == -1, "an illegal layout is argument 1");
  report = takeLapackReport();
  if (report) check(report.routine == "LAPACKE_dgesdd" && report.argument == 1, "the report names LAPACKE_dgesdd, argument 1 (got " + report.routine + ")");

  // A BLAS call with a leading dimension too small (CBLAS → xerbla_).
  double c[4] = {0, 0, 0, 0};
  out = capturedOutput([&] { cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1.0, a, 1, a, 2, 0.0, c, 2); });
  check(out.empty(), "BLAS argument errors print nothing (got: " + out + ")");
  expectError(ErrorCode::Internal, [] { throwIfLapackReported("gemm", true); }, "a pending BLAS report is an internal error");
  check(!takeLapackReport(), "throwIfLapackReported clears the report");
  expectError(ErrorCode::Internal, [&] { checkLapack(-1, "dgeqrf"); }, "info < 0 stays an internal error");
}

NNSIM_TEST(testLapackReportInsideADriverIsANumericalError) {
  // Infinite entries pass LAPACKE's NaN check; inside dgesdd the scaling routine DLASCL then refuses its
  // non-finite factors (reference LAPACK and OpenBLAS print "On entry to DLASCL parameter number 4") while
  // dgesdd itself returns info = 0 with NaN singular values. (The cross product of two 8 × 3 inputs of
  // magnitude 1e154 overflows to this.)
  const double inf = std::numeric_limits<double>::infinity();
  const double entries[9] = {inf, -inf, inf, inf, -inf, inf, inf, -inf, 9.7e307};
  // Called directly, LAPACK reports to nnsim's xerbla: nothing is printed and the report names DLASCL.
  double direct[9], s[3];
  for (std::size_t i = 0; i < 9; ++i) direct[i] = entries[i];
  const std::string printed = capturedOutput([&] { LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', 3, 3, direct, 3, s, nullptr, 1, nullptr, 1); });
  check(printed.empty(), "nothing is printed by dgesdd on an overflowed matrix (got: " + printed + ")");
  const LapackReport report = takeLapackReport();
  check(report && report.routine.find("DLASCL") != std::string::npos, "the report names the routine that refused (" + report.routine + ")");
  // Through the core's wrappers the non-finite matrix is refused before LAPACK sees it.
  Matrix m(3, 3);
  for (std::size_t i = 0; i < 9; ++i) m.data()[i] = entries[i];
  for (const bool vectors : {false, true}) {
    bool numerical = false;
    std::string message;
    const std::string out = capturedOutput([&] {
      try {
        if (vectors) thinSvd(m);
        else singularValues(m);
      } catch (const Error& e) {
        numerical = e.code() == ErrorCode::Numerical;
        message = e.what();
      }
    });
    const std::string what = vectors ? "thin SVD" : "singular values";
    check(out.empty(), "nothing is printed during the failing " + what + " (got: " + out + ")");
    check(numerical, "the " + what + " of an overflowed matrix fails with E_NUMERICAL (" + message + ")");
    check(message.find("non-finite") != std::string::npos, "the message says the matrix is not finite (" + message + ")");
    check(!takeLapackReport(), "no LAPACK report is left behind");
  }
}

}  // namespace
