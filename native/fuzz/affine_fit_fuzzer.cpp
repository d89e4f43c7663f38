// libFuzzer harness of the stitching fit (least-squares affine map A → B with an optional ridge): fuzzed
// shapes, values and ridge. A returned map must be finite and must not fit worse than the best constant
// map (W = 0, b = the column means of B), which it contains.
#include <cmath>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "errors.hpp"
#include "regression.hpp"

using namespace nnsim;

namespace {

// ‖A W + 1bᵀ − B‖²_F, and a bound on the roundoff of computing it this way: each entry sums D + 1 terms,
// so its error is at most ~(D + 2)·eps times the sum of their magnitudes. In long double (x87 extended
// on x86-64: a 15-bit exponent), so that squares of residuals near the ends of the double range neither
// underflow nor overflow.
struct Residual {
  long double value = 0.0L;
  long double roundoff = 0.0L;
};

Residual residual(const Matrix& a, const Matrix& b, const Matrix& w, const std::vector<double>& bias) {
  Residual out;
  const long double eps = 1e-15L * static_cast<long double>(a.cols() + 2);
  for (std::size_t i = 0; i < a.rows(); ++i) {
    for (std::size_t j = 0; j < b.cols(); ++j) {
      long double v = bias[j];
      long double magnitude = std::fabs(static_cast<long double>(bias[j])) + std::fabs(static_cast<long double>(b(i, j)));
      for (std::size_t p = 0; p < a.cols(); ++p) {
        const long double term = static_cast<long double>(a(i, p)) * static_cast<long double>(w(p, j));
        v += term;
        magnitude += std::fabs(term);
      }
      const long double r = v - static_cast<long double>(b(i, j));
      const long double error = eps * magnitude;
      out.value += r * r;
      out.roundoff += 2.0L * std::fabs(r) * error + error * error;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::size_t rows = in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxRows);
  Matrix a = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols));
  Matrix b = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols), &a);
  Options given;
  std::string described;
  fuzz::addFuzzedOptions(in, affineMapOptionSpecs(), given, &described);
  fuzz::widenMagnitudes(in, {&a, &b});
  try {
    const Options options = given.resolved(affineMapOptionSpecs(), "fitAffineMap");
    const double ridge = options.number("ridge");
    const AffineFit fit = fitAffineMap(a.view(), b.view(), options);
    if (fit.weights.rows() != a.cols() || fit.weights.cols() != b.cols() || fit.bias.size() != b.cols()) std::abort();
    for (std::size_t i = 0; i < fit.weights.size(); ++i)
      if (!std::isfinite(fit.weights.data()[i])) std::abort();
    for (double v : fit.bias)
      if (!std::isfinite(v)) std::abort();
    // Against the constant map, with a relative slack for roundoff (and for the ridge's shrinkage).
    Matrix zero(a.cols(), b.cols());
    std::vector<double> means(b.cols(), 0.0);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < b.cols(); ++j) means[j] += b(i, j) / static_cast<double>(rows);
    const Residual constant = residual(a, b, zero, means);
    const Residual fitted = residual(a, b, fit.weights, fit.bias);
    // The least-squares solve is backward stable: its map is the exact fit of inputs perturbed by about
    // ε(N + D)·‖A‖_F and ε(N + D)·‖B‖_F (normwise, so large rows perturb small ones), which can raise the
    // residual's root by δ = ε(N + D)(2‖A‖_F‖W‖_F + 2‖B‖_F) over the best one (on an ill-conditioned A).
    const auto frobenius = [](const Matrix& m) {
      long double s = 0.0L;
      for (std::size_t i = 0; i < m.size(); ++i) s += static_cast<long double>(m.data()[i]) * m.data()[i];
      return std::sqrt(s);
    };
    const long double delta =
        1e-14L * static_cast<long double>(rows + a.cols()) * (2.0L * frobenius(a) * frobenius(fit.weights) + 2.0L * frobenius(b));
    const long double slack = 1e3L * (constant.roundoff + fitted.roundoff) + 1e-9L * constant.value +
                              2.0L * std::sqrt(constant.value) * delta + delta * delta;
    if (ridge == 0.0 && std::isfinite(fitted.value) && fitted.value > constant.value + slack) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
