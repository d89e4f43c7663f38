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
// so its error is at most ~(D + 2)·eps times the sum of their magnitudes.
struct Residual {
  double value = 0.0;
  double roundoff = 0.0;
};

Residual residual(const Matrix& a, const Matrix& b, const Matrix& w, const std::vector<double>& bias) {
  Residual out;
  const double eps = 1e-15 * static_cast<double>(a.cols() + 2);
  for (std::size_t i = 0; i < a.rows(); ++i) {
    for (std::size_t j = 0; j < b.cols(); ++j) {
      double v = bias[j];
      double magnitude = std::fabs(bias[j]) + std::fabs(b(i, j));
      for (std::size_t p = 0; p < a.cols(); ++p) {
        v += a(i, p) * w(p, j);
        magnitude += std::fabs(a(i, p) * w(p, j));
      }
      const double r = v - b(i, j);
      const double error = eps * magnitude;
      out.value += r * r;
      out.roundoff += 2.0 * std::fabs(r) * error + error * error;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::size_t rows = in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxRows);
  const Matrix a = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols));
  const Matrix b = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols), &a);
  Options given;
  std::string described;
  fuzz::addFuzzedOptions(in, affineMapOptionSpecs(), given, &described);
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
    const double slack = 1e3 * (constant.roundoff + fitted.roundoff) + 1e-9 * constant.value;
    if (ridge == 0.0 && std::isfinite(fitted.value) && fitted.value > constant.value + slack) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
