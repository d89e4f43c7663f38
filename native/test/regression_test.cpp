// The closed-form affine (stitching) map of native/core/regression.hpp against the normal equations.
#include "check.hpp"
#include "regression.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

// fitAffineMap with the ridge given as a call's option (validated against the fit's option spec).
AffineFit fitWithRidge(const Matrix& a, const Matrix& b, double ridge) {
  Options options;
  options.set("ridge", ridge);
  return fitAffineMap(a, b, options.resolved(affineMapOptionSpecs(), "fitAffineMap"));
}

// W from (A_cᵀA_c + λI) W = A_cᵀB_c by Gaussian elimination: an independent, less accurate route.
Matrix normalEquations(const Matrix& a, const Matrix& b, double ridge) {
  const std::size_t n = a.rows(), d = a.cols(), e = b.cols();
  std::vector<double> ma(d, 0.0), mb(e, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) ma[j] += a(i, j) / static_cast<double>(n);
    for (std::size_t j = 0; j < e; ++j) mb[j] += b(i, j) / static_cast<double>(n);
  }
  Matrix lhs(d, d + e);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t p = 0; p < d; ++p) {
      const double ap = a(i, p) - ma[p];
      for (std::size_t q = 0; q < d; ++q) lhs(p, q) += ap * (a(i, q) - ma[q]);
      for (std::size_t q = 0; q < e; ++q) lhs(p, d + q) += ap * (b(i, q) - mb[q]);
    }
  }
  for (std::size_t p = 0; p < d; ++p) lhs(p, p) += ridge;
  for (std::size_t k = 0; k < d; ++k) {
    for (std::size_t r = k + 1; r < d; ++r) {
      const double f = lhs(r, k) / lhs(k, k);
      for (std::size_t c = k; c < d + e; ++c) lhs(r, c) -= f * lhs(k, c);
    }
  }
  Matrix w(d, e);
  for (std::size_t q = 0; q < e; ++q) {
    for (std::size_t k = d; k-- > 0;) {
      double s = lhs(k, d + q);
      for (std::size_t j = k + 1; j < d; ++j) s -= lhs(k, j) * w(j, q);
      w(k, q) = s / lhs(k, k);
    }
  }
  return w;
}

NNSIM_TEST(testAffineMapAgainstNormalEquations) {
  const Matrix a = randomMatrix(60, 7, 41);
  const Matrix b = randomMatrix(60, 4, 42);
  for (const double ridge : {0.0, 0.5, 30.0}) {
    const AffineFit fit = fitWithRidge(a, b, ridge);
    const Matrix want = normalEquations(a, b, ridge);
    check(maxAbsDiff(fit.weights, want) < 1e-10, "affine map W equals the normal equations, ridge " + std::to_string(ridge));
    // The residual of the fitted map has zero column sums (the bias is the least-squares intercept).
    for (std::size_t q = 0; q < b.cols(); ++q) {
      double sum = 0.0;
      for (std::size_t i = 0; i < a.rows(); ++i) {
        double predicted = fit.bias[q];
        for (std::size_t j = 0; j < a.cols(); ++j) predicted += a(i, j) * fit.weights(j, q);
        sum += b(i, q) - predicted;
      }
      near(sum, 0.0, 1e-10, "residuals sum to zero in column " + std::to_string(q));
    }
  }
  // An exact affine relation is recovered.
  Matrix exact(60, 4);
  for (std::size_t i = 0; i < 60; ++i)
    for (std::size_t q = 0; q < 4; ++q) {
      exact(i, q) = 0.25 * static_cast<double>(q) - 1.0;
      for (std::size_t j = 0; j < 7; ++j) exact(i, q) += a(i, j) * (static_cast<double>(j) - 2.0 * static_cast<double>(q)) / 5.0;
    }
  const AffineFit recovered = fitWithRidge(a, exact, 0.0);
  for (std::size_t j = 0; j < 7; ++j)
    for (std::size_t q = 0; q < 4; ++q)
      near(recovered.weights(j, q), (static_cast<double>(j) - 2.0 * static_cast<double>(q)) / 5.0, 1e-11, "exact W recovered");
  for (std::size_t q = 0; q < 4; ++q) near(recovered.bias[q], 0.25 * static_cast<double>(q) - 1.0, 1e-11, "exact b recovered");
}

NNSIM_TEST(testAffineMapErrors) {
  const Matrix a = randomMatrix(20, 3, 43);
  const Matrix b = randomMatrix(20, 2, 44);
  Matrix collinear = Matrix::copyOf(a);
  for (std::size_t i = 0; i < 20; ++i) collinear(i, 2) = 2.0 * collinear(i, 0) - collinear(i, 1);
  expectError(ErrorCode::Degenerate, [&] { fitWithRidge(collinear, b, 0.0); }, "rank-deficient a without ridge");
  check(fitWithRidge(collinear, b, 0.1).weights.rows() == 3, "a ridge makes the rank-deficient fit unique");
  expectError(ErrorCode::Degenerate, [&] { fitWithRidge(randomMatrix(3, 5, 45), randomMatrix(3, 2, 46), 0.0); }, "D > N");
  expectError(ErrorCode::Shape, [&] { fitWithRidge(a, randomMatrix(19, 2, 47), 0.0); }, "mismatched N");
  expectError(ErrorCode::Option, [&] { fitWithRidge(a, b, -1.0); }, "negative ridge");
  Matrix bad = Matrix::copyOf(a);
  bad(4, 1) = std::nan("");
  expectError(ErrorCode::NonFinite, [&] { fitWithRidge(bad, b, 0.0); }, "NaN in a");
}

NNSIM_TEST(testAffineMapWeightsOutsideTheDoubleRange) {
  // a ~ 1e285 and b ~ 1e-45 (each input alone is valid and is rescaled by the magnitude rule): the weights
  // ~1e-330 fall below double's range. The fit used to return W = 0 with the bias of the true weights, a
  // map worse than the constant one (found by the fuzzer with magnitudes up to 1e300); it is refused now.
  const Matrix a = randomMatrix(12, 2, 48), b = randomMatrix(12, 3, 49);
  Matrix huge = Matrix::copyOf(a), tiny = Matrix::copyOf(b);
  for (std::size_t i = 0; i < huge.size(); ++i) huge.data()[i] *= 1e285;
  for (std::size_t i = 0; i < tiny.size(); ++i) tiny.data()[i] *= 1e-45;
  expectError(ErrorCode::Numerical, [&] { fitWithRidge(huge, tiny, 0.0); }, "weights below the double range are refused");
  expectError(ErrorCode::Numerical, [&] { fitWithRidge(tiny, huge, 0.0); }, "weights above the double range are refused");
  // Inputs that differ by 2^±600 have representable weights: the map is the one of the unscaled fit,
  // scaled (exactly, powers of two), and its bias fits its weights.
  Matrix big = Matrix::copyOf(a), small = Matrix::copyOf(b);
  for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = std::ldexp(big.data()[i], 600);
  for (std::size_t i = 0; i < small.size(); ++i) small.data()[i] = std::ldexp(small.data()[i], -300);
  const AffineFit plain = fitWithRidge(a, b, 0.0), scaled = fitWithRidge(big, small, 0.0);
  double worst = 0.0;
  for (std::size_t i = 0; i < plain.weights.size(); ++i) {
    worst = std::max(worst, std::fabs(std::ldexp(scaled.weights.data()[i], 900) / plain.weights.data()[i] - 1.0));
  }
  for (std::size_t j = 0; j < plain.bias.size(); ++j) {
    worst = std::max(worst, std::fabs(std::ldexp(scaled.bias[j], 300) / plain.bias[j] - 1.0));
  }
  check(worst < 1e-12, "weights 2^-900 and bias 2^-300 of the unscaled fit's");
}

}  // namespace
