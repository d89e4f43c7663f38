#include "lapack_errors.hpp"

#include <cstring>

#include "errors.hpp"

namespace nnsim {
namespace {

thread_local LapackReport pending;

void record(const char* routine, std::size_t length, int argument) {
  // Keep the first report: later ones are usually consequences of it.
  if (pending) return;
  if (routine == nullptr) routine = "?";
  std::size_t n = 0;
  while (n < length && routine[n] != '\0' && routine[n] != ' ') ++n;
  pending.routine.assign(routine, n);
  pending.argument = argument == 0 ? -1 : argument;
}

}  // namespace

LapackReport takeLapackReport() {
  LapackReport report = std::move(pending);
  pending = LapackReport{};
  return report;
}

void throwIfLapackReported(const char* during, bool internal) {
  const LapackReport report = takeLapackReport();
  if (!report) return;
  const std::string what = std::string(during) + ": BLAS/LAPACK routine " + report.routine + " rejected argument " +
                           std::to_string(report.argument);
  if (internal) throw Error(ErrorCode::Internal, what);
  // A routine that LAPACK calls internally (DLASCL, DLASSQ …) refuses a non-finite or zero scale factor:
  // an intermediate value overflowed or underflowed.
  throw Error(ErrorCode::Numerical, what + " (an intermediate value was not finite: the input's magnitude is too large or too small)");
}

}  // namespace nnsim

// The replacements. Visible to the dynamic linker so that a shared OpenBLAS/LAPACKE calls them instead of
// its own (OpenBLAS declares its xerbla_ weak for this purpose); in the static prebuild they are linked
// in place of the library's copies. (Elsewhere — Accelerate's two-level namespace, Windows DLLs — the
// library may keep its own handler; these then only serve callers inside the addon.) The signatures
// are the ABI of OpenBLAS's declarations (blasint = int on LP64 builds); its headers are not included,
// as Accelerate's differ.
#if defined(_WIN32)
#define NNSIM_EXPORTED
#else
#define NNSIM_EXPORTED __attribute__((visibility("default")))
#endif

extern "C" {

// Fortran passes the routine name unterminated, with its length as a hidden trailing argument (size_t for
// gfortran ≥ 8, int for OpenBLAS's C callers): only the low 32 bits are read, which both pass correctly.
NNSIM_EXPORTED int xerbla_(const char* routine, const int* info, int routineLength) {
  const std::size_t length = routineLength > 0 && routineLength < 64 ? static_cast<std::size_t>(routineLength) : 6;
  nnsim::record(routine, length, info ? *info : 0);
  return 0;
}

NNSIM_EXPORTED void LAPACKE_xerbla(const char* name, int info) {
  // LAPACKE reports argument k as info = −k.
  nnsim::record(name, name ? std::strlen(name) : 0, info < 0 ? -info : info);
}

NNSIM_EXPORTED void cblas_xerbla(int p, const char* routine, const char* /*format*/, ...) {
  nnsim::record(routine, routine ? std::strlen(routine) : 0, p);
}

}  // extern "C"
