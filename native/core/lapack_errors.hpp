// BLAS and LAPACK report an illegal argument by calling xerbla_ (LAPACKE: LAPACKE_xerbla; CBLAS:
// cblas_xerbla), and the stock versions print a line to stdout or stderr — which corrupts the output of
// a program that prints JSON. The core defines all three instead: the report is recorded for the calling
// thread and nothing is printed; checkLapack and the measure runner turn it into a typed Error.
#pragma once

#include <string>

namespace nnsim {

struct LapackReport {
  std::string routine;  // e.g. "DLASCL", "LAPACKE_dgesdd_work"
  int argument = 0;     // the 1-based position of the illegal argument (0: none recorded)
  explicit operator bool() const { return argument != 0; }
};

// The report recorded on this thread since the last call (and clears it).
LapackReport takeLapackReport();

// Throws Error(code) naming the routine and argument when a report is pending on this thread; `during`
// says what was running. Clears the report.
void throwIfLapackReported(const char* during, bool internal);

}  // namespace nnsim
