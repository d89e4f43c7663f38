// Shared helpers of the C++ core tests (native/test/*.cpp). Each test file registers its tests with
// NNSIM_TEST(name) { ... }; core_test.cpp's main runs them all. Built with -DNNSIM_CORE_TESTS=ON.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "distances.hpp"
#include "linalg.hpp"
#include "random.hpp"
#include "measure.hpp"
#include "representation.hpp"

namespace nnsim::test {

inline int failures = 0;
inline int checks = 0;

struct TestCase {
  const char* name;
  void (*body)();
};

inline std::vector<TestCase>& registeredTests() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, void (*body)()) { registeredTests().push_back({name, body}); }
};

#define NNSIM_TEST(name)                                              \
  static void name();                                                 \
  static const ::nnsim::test::Registrar name##_registrar(#name, name); \
  static void name()

inline void check(bool ok, const std::string& what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL: %s\n", what.c_str());
  }
}

inline void near(double got, double want, double tol, const std::string& what) {
  const bool ok = std::fabs(got - want) <= tol * std::max(1.0, std::fabs(want));
  if (!ok) std::printf("  got %.17g want %.17g\n", got, want);
  check(ok, what);
}

inline void expectError(ErrorCode code, const std::function<void()>& body, const std::string& what) {
  try {
    body();
    check(false, what + " (no error thrown)");
  } catch (const Error& e) {
    if (e.code() != code) std::printf("  got code %s: %s\n", errorCodeName(e.code()), e.what());
    check(e.code() == code, what);
  }
}

inline Matrix randomMatrix(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
  return m;
}

inline Matrix naiveProduct(MatrixView a, bool ta, MatrixView b, bool tb) {
  const std::size_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, n = tb ? b.rows : b.cols;
  Matrix c(m, n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t p = 0; p < k; ++p) s += (ta ? a(p, i) : a(i, p)) * (tb ? b(j, p) : b(p, j));
      c(i, j) = s;
    }
  return c;
}

inline double maxAbsDiff(MatrixView a, MatrixView b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a.data[i] - b.data[i]));
  return m;
}

// The option settings registry-driven tests run each measure with: the defaults, every enum value, each
// boolean flipped, and every optional option without a default set (to a value its spec accepts).
struct OptionVariant {
  std::string what;
  Options options;
};
inline std::vector<OptionVariant> optionVariants(const MeasureDef& def) {
  const auto someValue = [](const OptionSpec& spec) -> OptionValue {
    if (spec.type == OptionType::Boolean) return true;
    if (spec.type == OptionType::Enum) return spec.values.front();
    for (const double v : {1.0, 0.5, 0.0, 2.0, spec.min, spec.max}) {
      if (spec.accepts(v)) return v;
    }
    return 1.0;
  };
  const std::string id = def.id;
  std::vector<OptionVariant> out{{id + " with default options", Options()}};
  Options everyOptional;
  for (const OptionSpec& spec : def.options) {
    if (!spec.defaultValue) everyOptional.set(spec.name, someValue(spec));
    if (spec.type == OptionType::Enum) {
      for (const std::string& value : spec.values) {
        Options o;
        o.set(spec.name, value);
        out.push_back({id + " with " + spec.name + " = " + value, o});
      }
    }
    if (spec.type == OptionType::Boolean) {
      Options o;
      o.set(spec.name, !std::get<bool>(*spec.defaultValue));
      out.push_back({id + " with " + spec.name + " flipped", o});
    }
  }
  out.push_back({id + " with its optional options set", everyOptional});
  return out;
}

// A random orthogonal matrix from the Q factor of a Gaussian matrix.
inline Matrix randomOrthogonal(std::size_t n, unsigned seed) { return thinQr(randomMatrix(n, n, seed)).q; }

inline double run(const std::string& id, const Representation& a, const Representation& b, const Options& options = {}) {
  RepresentationPair pair(a, b);
  RunControl control;
  const MeasureContext ctx{pair, options, LabelsView{}, control};
  return runMeasure(id, ctx);
}

}  // namespace nnsim::test
