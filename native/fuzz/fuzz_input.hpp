// Shared decoding of fuzz input for the libFuzzer harnesses (native/fuzz/*_fuzzer.cpp): matrices of
// fuzzed shape and values, including the patterns that reach special code paths (exact ties, duplicate
// rows, constant columns, near-copies of the other input, non-finite entries), and measure options.
//
// Magnitudes are bounded by kMaxExponent: at the extremes of the double range LAPACK's SVD can loop for
// ever on input that passes validation; until the core rescales or refuses such input, a wider range
// would only re-find that one fault. Counts of work (repetitions, iterations …) are bounded by kMaxWork
// so that one input runs in milliseconds.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "options.hpp"

namespace nnsim::fuzz {

inline constexpr int kMaxExponent = 12;
inline constexpr std::size_t kMaxRows = 24;
inline constexpr std::size_t kMaxCols = 8;
inline constexpr int kMaxWork = 8;

// One value: a fuzzed fraction times 10^e, a small integer (ties), or zero.
inline double fuzzValue(FuzzedDataProvider& in, int exponent) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return 0.0;
    case 1:
    case 2: return static_cast<double>(in.ConsumeIntegralInRange<int>(-3, 3));
    default: return in.ConsumeFloatingPointInRange<double>(-1.0, 1.0) * std::pow(10.0, exponent);
  }
}

// A rows × cols matrix; `other` (same rows, may be null) lets it be a near-copy of another input.
inline Matrix fuzzMatrix(FuzzedDataProvider& in, std::size_t rows, std::size_t cols, const Matrix* other = nullptr) {
  Matrix m(rows, cols);
  const int exponent = in.ConsumeIntegralInRange<int>(-kMaxExponent, kMaxExponent);
  const int pattern = in.ConsumeIntegralInRange<int>(0, 6);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = fuzzValue(in, exponent);
  switch (pattern) {
    case 1:  // duplicate rows: every row a copy of one of the first two
      for (std::size_t i = 2; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) m(i, j) = m(i % 2, j);
      break;
    case 2:  // a constant column
      for (std::size_t i = 0; i < rows; ++i) m(i, cols - 1) = m(0, cols - 1);
      break;
    case 3:  // all rows equal
      for (std::size_t i = 1; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) m(i, j) = m(0, j);
      break;
    case 4:  // the other input, scaled, shifted and slightly perturbed (distances near 0)
      if (other != nullptr) {
        const double scale = in.ConsumeFloatingPointInRange<double>(-3.0, 3.0);
        const double shift = in.ConsumeFloatingPointInRange<double>(-3.0, 3.0);
        const double noise = std::pow(10.0, -in.ConsumeIntegralInRange<int>(0, 15));
        for (std::size_t i = 0; i < rows; ++i)
          for (std::size_t j = 0; j < cols; ++j)
            m(i, j) = scale * (*other)(i, j % other->cols()) + shift + noise * m(i, j);
      }
      break;
    case 5: {  // one non-finite entry (must be refused as E_NONFINITE)
      const double bad[3] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity()};
      m.data()[in.ConsumeIntegralInRange<std::size_t>(0, m.size() - 1)] = bad[in.ConsumeIntegralInRange<int>(0, 2)];
      break;
    }
    default: break;
  }
  return m;
}

// Every option key the core's measures read, and every value an enum option takes.
inline const std::vector<std::string>& optionKeys() {
  static const std::vector<std::string> keys = {
      "alpha",     "batch",      "center",  "components", "directions", "distance",     "epsilon",        "estimator",
      "gamma",     "iMax",       "inner",   "iterations", "k",          "kernel",       "lambda",         "lanczosSteps",
      "landmarks", "metric",     "mode",    "norm",       "normalize",  "outer",        "regularization", "repetitions",
      "rsm",       "seed",       "sigma",   "t",          "trials",     "varianceKept", "vectors",        "kernal"};
  return keys;
}

inline const std::vector<std::string>& enumValues() {
  static const std::vector<std::string> values = {
      "angular",  "euclidean", "canonical", "svcca-code", "hard",     "soft",     "cosine",  "similarities",
      "distances", "linear",   "rbf",       "biased",     "unbiased", "spectral", "frobenius", "correlation",
      "spearman", "pearson",   "kendall",   "twonn",      "mle",      "",         "nonsense"};
  return values;
}

inline bool isWorkCount(const std::string& key) {
  return key == "batch" || key == "iMax" || key == "iterations" || key == "lanczosSteps" || key == "landmarks" ||
         key == "repetitions" || key == "trials";
}

// A number option value: special values, integers around the bounds, or a fuzzed double.
inline double fuzzNumber(FuzzedDataProvider& in, const std::string& key) {
  static const double specials[] = {0.0, -1.0, 1.0, 0.5, 2.0, 1e-300, -1e-300, 1e300,
                                     std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity(), 4294967296.0, -2147483649.0};
  double value;
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: value = specials[in.ConsumeIntegralInRange<std::size_t>(0, std::size(specials) - 1)]; break;
    case 1: value = static_cast<double>(in.ConsumeIntegralInRange<int>(-3, 40)); break;
    default: value = in.ConsumeFloatingPointInRange<double>(-100.0, 100.0); break;
  }
  if (isWorkCount(key) && value > kMaxWork) value = kMaxWork;
  return value;
}

// Fuzzed options; `described` (when given) receives them as JSON-like text for reproducers.
inline Options fuzzOptions(FuzzedDataProvider& in, std::string* described = nullptr) {
  Options options;
  const int count = in.ConsumeIntegralInRange<int>(0, 4);
  for (int k = 0; k < count; ++k) {
    const std::string& key = optionKeys()[in.ConsumeIntegralInRange<std::size_t>(0, optionKeys().size() - 1)];
    std::string text;
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: {
        const double v = fuzzNumber(in, key);
        options.set(key, v);
        text = std::to_string(v);
        break;
      }
      case 1: {
        const bool v = in.ConsumeBool();
        options.set(key, v);
        text = v ? "true" : "false";
        break;
      }
      default: {
        const std::string& v = enumValues()[in.ConsumeIntegralInRange<std::size_t>(0, enumValues().size() - 1)];
        options.set(key, v);
        text = "'" + v + "'";
        break;
      }
    }
    if (described != nullptr) *described += (described->empty() ? "" : ", ") + key + ": " + text;
  }
  return options;
}

// The rows of a matrix as text, full precision, for reproducers.
inline std::string describeMatrix(const Matrix& m) {
  std::string out = "[";
  char buffer[32];
  for (std::size_t i = 0; i < m.rows(); ++i) {
    out += i == 0 ? "[" : ", [";
    for (std::size_t j = 0; j < m.cols(); ++j) {
      std::snprintf(buffer, sizeof buffer, "%.17g", m(i, j));
      out += (j == 0 ? "" : ", ") + std::string(buffer);
    }
    out += "]";
  }
  return out + "]";
}

}  // namespace nnsim::fuzz
