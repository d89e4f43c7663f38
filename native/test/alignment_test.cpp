// Core tests of the alignment measures shape-metric, linear-regression and aligned-cosine
// (native/core/alignment.cpp). Reference values against NumPy/SciPy are in test/72.alignment.test.ts.
#include "check.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

NNSIM_TEST(testShapeRegressionCosine) {
  const Matrix x = randomMatrix(45, 5, 41);
  Matrix y = randomMatrix(45, 7, 42);
  for (std::size_t i = 0; i < 45; ++i) y(i, 1) += x(i, 0) + 0.5 * x(i, 4);
  Representation rx(x), ry(y);

  near(run("shape-metric", rx, ry), run("angular-shape", rx, ry), 1e-12, "shape metric with alpha = 1 is angular-shape");
  Options whitened;
  whitened.set("alpha", 0.0);
  // Full whitening: cos θ = Σρ_i / sqrt(r_x r_y) over the canonical correlations.
  const double meanRho = run("cca-mean", rx, ry);
  near(std::cos(run("shape-metric", rx, ry, whitened)), meanRho * 5.0 / std::sqrt(35.0), 1e-12,
       "shape metric with alpha = 0 is the normalised sum of canonical correlations");
  Matrix mapped = multiply(x, Trans::No, randomMatrix(5, 5, 43), Trans::No);
  Representation rm(mapped);
  check(run("shape-metric", rx, rm, whitened) < 1e-12, "alpha = 0: an invertible linear map is distance 0");
  Options alpha;
  alpha.set("alpha", 2.0);
  expectError(ErrorCode::Option, [&] { run("shape-metric", rx, ry, alpha); }, "alpha outside [0, 1]");

  const double r2 = run("linear-regression", rx, ry);
  check(r2 > 0 && r2 < 1, "R² in (0, 1)");
  near(run("linear-regression", rx, rm), 1.0, 1e-12, "an invertible linear image predicts perfectly");
  std::vector<double> equalRows(45 * 3, 0.5);
  Representation constant(MatrixView(equalRows.data(), 45, 3));
  near(run("linear-regression", rx, constant), 0.0, 0.0, "a constant predictor explains nothing");
  expectError(ErrorCode::Degenerate, [&] { run("linear-regression", constant, rx); }, "constant target");

  near(run("aligned-cosine", rx, rx), 1.0, 1e-12, "aligned cosine of a copy");
  near(run("aligned-cosine", rx, ry), run("aligned-cosine", ry, rx), 1e-12, "aligned cosine is symmetric");
  std::vector<double> zeros(45 * 2, 0.0);
  Representation zero(MatrixView(zeros.data(), 45, 2));
  expectError(ErrorCode::Degenerate, [&] { run("aligned-cosine", rx, zero); }, "aligned cosine of all zeros");
}

}  // namespace
