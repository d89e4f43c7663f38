// Shared decoding of fuzz input for the libFuzzer harnesses (native/fuzz/*_fuzzer.cpp): matrices of
// fuzzed shape and values, including the patterns that reach special code paths (exact ties, duplicate
// rows, constant columns, near-copies of the other input, non-finite entries), and option values drawn
// from an entry point's declared option specs.
//
// Entries are fractions times 10^e with |e| ≤ kMaxExponent; then each input matrix is multiplied by a
// factor of up to 10^±kWideExponent (widenMagnitudes), decoded after everything else, so that the whole
// double range reaches the core (it rescales inputs outside [2^-200, 2^200) by powers of two, and refuses
// what cannot be rescaled) while a committed input that ends before those bytes decodes as it did when
// entries stayed within 10^±12. Counts of work (repetitions, iterations …) are bounded by kMaxWork so
// that one input runs in milliseconds.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <variant>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "options.hpp"

namespace nnsim::fuzz {

inline constexpr int kMaxExponent = 12;
inline constexpr int kWideExponent = 290;  // 10^12 · 10^290 stays finite
inline constexpr std::size_t kMaxRows = 24;
inline constexpr std::size_t kMaxCols = 8;
inline constexpr int kMaxWork = 8;

// One value: a fuzzed fraction times 10^e, a small integer (ties), or zero.
inline double fuzzEntry(FuzzedDataProvider& in, int exponent) {
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
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = fuzzEntry(in, exponent);
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

inline bool isWorkCount(const std::string& key) {
  return key == "batch" || key == "iMax" || key == "iterations" || key == "lanczosSteps" || key == "landmarks" ||
         key == "repetitions" || key == "trials";
}

// A value for `spec`: mostly acceptable (a bound, the default, a value inside the bounds, each enum
// value), sometimes just outside the bounds, non-finite, non-integral or of the wrong type.
inline OptionValue fuzzValue(FuzzedDataProvider& in, const OptionSpec& spec) {
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: return std::string(in.ConsumeBool() ? "nonsense" : "");
      case 1: return in.ConsumeBool();
      default: return std::numeric_limits<double>::quiet_NaN();
    }
  }
  switch (spec.type) {
    case OptionType::Boolean: return in.ConsumeBool();
    case OptionType::Enum:
      if (spec.values.empty() || in.ConsumeIntegralInRange<int>(0, 9) == 0) return std::string("nonsense");
      return spec.values[in.ConsumeIntegralInRange<std::size_t>(0, spec.values.size() - 1)];
    case OptionType::Number:
    case OptionType::Integer: {
      const double low = std::isfinite(spec.min) ? spec.min : -100.0;
      const double high = std::isfinite(spec.max) ? spec.max : 100.0;
      double value;
      switch (in.ConsumeIntegralInRange<int>(0, 7)) {
        case 0: value = low; break;
        case 1: value = high; break;
        case 2: value = std::nextafter(low, -std::numeric_limits<double>::infinity()); break;
        case 3: value = std::nextafter(high, std::numeric_limits<double>::infinity()); break;
        case 4: value = in.ConsumeBool() ? std::numeric_limits<double>::infinity() : 1e300; break;
        case 5: value = static_cast<double>(in.ConsumeIntegralInRange<int>(-2, 40)); break;
        default: value = low + (std::min(high, low + 1000.0) - low) * in.ConsumeProbability<double>(); break;
      }
      if (spec.type == OptionType::Integer && in.ConsumeIntegralInRange<int>(0, 7) != 0) value = std::round(value);
      if (isWorkCount(spec.name) && value > kMaxWork) value = kMaxWork;
      return value;
    }
  }
  return 0.0;
}

inline std::string describeValue(const OptionValue& value) {
  if (const double* d = std::get_if<double>(&value)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", *d);
    return buffer;
  }
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return "'" + std::get<std::string>(value) + "'";
}

// Adds to `options` a few of the declared options of an entry point with the given specs, now and then
// an undeclared key (which must be refused). `described` (when given) receives them as text.
inline void addFuzzedOptions(FuzzedDataProvider& in, const OptionSpecs& specs, Options& options, std::string* described = nullptr) {
  const int count = in.ConsumeIntegralInRange<int>(0, 4);
  for (int k = 0; k < count; ++k) {
    const bool unknown = specs.empty() || in.ConsumeIntegralInRange<int>(0, 19) == 0;
    const OptionSpec& spec = unknown ? OptionSpec{} : specs[in.ConsumeIntegralInRange<std::size_t>(0, specs.size() - 1)];
    const std::string key = unknown ? "kernal" : spec.name;
    const OptionValue value = unknown ? OptionValue(1.0) : fuzzValue(in, spec);
    options.set(key, value);
    if (described != nullptr) *described += (described->empty() ? "" : ", ") + key + ": " + describeValue(value);
  }
}

// Multiplies each matrix by 10^e, e in [−kWideExponent, kWideExponent] (0: unchanged), drawn from the
// input's remaining bytes; call it last, after everything else is decoded (see above).
inline void widenMagnitudes(FuzzedDataProvider& in, std::initializer_list<Matrix*> matrices) {
  for (Matrix* m : matrices) {
    if (in.remaining_bytes() == 0) return;
    const int exponent = in.ConsumeIntegralInRange<int>(-kWideExponent, kWideExponent);
    if (exponent == 0) continue;
    const double factor = std::pow(10.0, exponent);
    for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] *= factor;
  }
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
