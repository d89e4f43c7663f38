// Core tests of the CCA family (native/core/cca.cpp). Reference values against NumPy/SciPy are in
// test/71.cca.test.ts; here: the principal-cosine route against the textbook whitening formula, rank
// handling and errors.
#include "check.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Matrix centred(const Matrix& m) {
  Matrix c = Matrix::copyOf(m);
  for (std::size_t j = 0; j < m.cols(); ++j) {
    double mean = 0;
    for (std::size_t i = 0; i < m.rows(); ++i) mean += m(i, j) / static_cast<double>(m.rows());
    for (std::size_t i = 0; i < m.rows(); ++i) c(i, j) -= mean;
  }
  return c;
}

// Canonical correlations by Σxx^{-1/2} Σxy Σyy^{-1/2} (full-rank inputs only).
std::vector<double> whitenedCorrelations(const Matrix& x, const Matrix& y) {
  const Matrix xc = centred(x), yc = centred(y);
  const Matrix kx = symmetricFunction(gramOfColumns(xc), [](double v) { return 1.0 / std::sqrt(v); });
  const Matrix ky = symmetricFunction(gramOfColumns(yc), [](double v) { return 1.0 / std::sqrt(v); });
  const Matrix m = multiply(multiply(kx, Trans::No, multiply(xc, Trans::Yes, yc, Trans::No), Trans::No), Trans::No, ky,
                            Trans::No);
  return singularValues(m);
}

NNSIM_TEST(testCanonicalCorrelations) {
  const Matrix x = randomMatrix(50, 4, 31);
  Matrix y = randomMatrix(50, 6, 32);
  for (std::size_t i = 0; i < 50; ++i) y(i, 0) += 2 * x(i, 1) - x(i, 3);
  const auto rho = whitenedCorrelations(x, y);
  double mean = 0, squares = 0;
  for (double r : rho) mean += r / 4, squares += r * r / 4;
  Representation rx(x), ry(y);
  near(run("cca-mean", rx, ry), mean, 1e-12, "mean CCA equals the whitening formula");
  near(run("cca-r2", rx, ry), squares, 1e-12, "CCA R² equals the whitening formula");
  near(run("cca-mean", ry, rx), mean, 1e-12, "mean CCA is symmetric");

  // An invertible linear map plus a translation leaves every canonical correlation unchanged.
  Matrix z = multiply(x, Trans::No, randomMatrix(4, 4, 33), Trans::No);
  for (std::size_t i = 0; i < z.rows(); ++i) z(i, 2) += 5;
  Representation rz(z);
  near(run("cca-mean", rz, ry), mean, 1e-10, "affine invariance");

  // Rank deficiency: a duplicated and a constant column add no canonical pair.
  Matrix wide(50, 6);
  for (std::size_t i = 0; i < 50; ++i) {
    for (std::size_t j = 0; j < 4; ++j) wide(i, j) = x(i, j);
    wide(i, 4) = x(i, 0);
    wide(i, 5) = -3;
  }
  Representation rw(wide);
  near(run("cca-mean", rw, ry), mean, 1e-10, "collinear and constant columns are ignored");

  Options one;
  one.set("components", 1.0);
  const double first = run("svcca", rx, ry, one);
  check(first >= 0 && first <= 1, "svcca with one component is a correlation magnitude");
  Options all;
  all.set("varianceKept", 1.0);
  near(run("svcca", rx, ry, all), mean, 1e-12, "svcca keeping all variance is CCA");

  // PWCCA: a weighted mean of the canonical correlations; both direction conventions agree on a
  // single-neuron first input (one canonical pair).
  const double pw = run("pwcca", rx, ry);
  check(pw >= rho.back() - 1e-12 && pw <= rho.front() + 1e-12, "PWCCA lies between the extreme correlations");
  Options google;
  google.set("directions", std::string("svcca-code"));
  const double pwGoogle = run("pwcca", rx, ry, google);
  check(pwGoogle >= rho.back() - 1e-12 && pwGoogle <= rho.front() + 1e-12, "svcca-code PWCCA is a weighted mean too");
  Matrix single(50, 1);
  for (std::size_t i = 0; i < 50; ++i) single(i, 0) = x(i, 2);
  Representation rs(single);
  near(run("pwcca", rs, ry), run("pwcca", rs, ry, google), 1e-12, "one canonical pair: both conventions agree");
  expectError(ErrorCode::Degenerate, [&] { run("pwcca", rw, ry, google); }, "svcca-code PWCCA needs full rank");

  Options tooMany;
  tooMany.set("components", 5.0);
  expectError(ErrorCode::Option, [&] { run("svcca", rx, ry, tooMany); }, "more components than columns");
  Options badKept;
  badKept.set("components", 2.0);
  badKept.set("varianceKept", 1.5);
  expectError(ErrorCode::Option, [&] { run("svcca", rx, ry, badKept); }, "varianceKept is validated with components too");
  Options badEpsilon;
  badEpsilon.set("epsilon", 2.0);
  expectError(ErrorCode::Option, [&] { run("cca-mean", rx, ry, badEpsilon); }, "epsilon outside [0, 1)");
  std::vector<double> equalRows(50 * 3, 1.25);
  Representation constant(MatrixView(equalRows.data(), 50, 3));
  expectError(ErrorCode::Degenerate, [&] { run("cca-r2", rx, constant); }, "CCA of a constant representation");
}

}  // namespace
