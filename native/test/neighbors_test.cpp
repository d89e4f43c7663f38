// Core tests of the neighbourhood and statistics kernels: hand-computed values on tiny inputs, option
// validation inside the core (a direct binding call cannot bypass it) and degenerate inputs.
#include "check.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

double runWith(const std::string& id, const Representation& a, const Representation& b, const Options& options,
               const std::vector<std::int32_t>& labels = {}) {
  RepresentationPair pair(a, b);
  RunControl control;
  const LabelsView view{labels.empty() ? nullptr : labels.data(), labels.size()};
  const MeasureContext ctx{pair, options, view, control};
  return runMeasure(id, ctx);
}

Matrix fromRows(std::initializer_list<std::initializer_list<double>> rows) {
  const std::size_t cols = rows.begin()->size();
  Matrix m(rows.size(), cols);
  std::size_t i = 0;
  for (const auto& row : rows) {
    std::size_t j = 0;
    for (double v : row) m(i, j++) = v;
    ++i;
  }
  return m;
}

NNSIM_TEST(testNeighbourhoodHandValues) {
  // Points on a line: X = 0, 1, 3, 7 and Y = 0, 2, 3, 10 (inputs 0..3); euclidean.
  // k = 1: X nearest 0→1, 1→0, 2→1, 3→2; Y nearest 0→1, 1→2, 2→1, 3→2. Three of four agree: 3/4 for both.
  const Matrix x = fromRows({{0}, {1}, {3}, {7}});
  const Matrix y = fromRows({{0}, {2}, {3}, {10}});
  Representation rx(x), ry(y);
  Options o;
  o.set("k", 1.0);
  o.set("metric", std::string("euclidean"));
  near(runWith("knn-jaccard", rx, ry, o), 0.75, 1e-15, "k = 1 Jaccard on a line");
  near(runWith("rank-similarity", rx, ry, o), 0.75, 1e-15, "k = 1 rank similarity on a line");
  // k = 2 (nearest first): X 0:[1,2] 1:[0,2] 2:[1,0] 3:[2,1]; Y 0:[1,2] 1:[2,0] 2:[1,0] 3:[2,1]. Every set
  // agrees (Jaccard 1). Input 1 has its two neighbours in swapped ranks: (2/(2·3) + 2/(2·3)) / H_2 = 4/9;
  // the others have equal ranks: (1 + 1/2) / H_2 = 1.
  o.set("k", 2.0);
  near(runWith("knn-jaccard", rx, ry, o), 1.0, 1e-15, "k = 2 Jaccard on a line");
  near(runWith("rank-similarity", rx, ry, o), (3 + 4.0 / 9) / 4, 1e-15, "k = 2 rank similarity on a line");
  near(runWith("joint-rank-jaccard", rx, ry, o), (3 + 4.0 / 9) / 4, 1e-15, "k = 2 joint rank-Jaccard");
}

NNSIM_TEST(testNeighbourhoodOptionsInCore) {
  const Matrix x = randomMatrix(12, 3, 1), y = randomMatrix(12, 4, 2);
  Representation rx(x), ry(y);
  Options o;
  o.set("k", 0.0);
  expectError(ErrorCode::Option, [&] { runWith("knn-jaccard", rx, ry, o); }, "k = 0 is rejected by the core");
  o.set("k", 12.0);
  expectError(ErrorCode::TooFewRows, [&] { runWith("rank-similarity", rx, ry, o); }, "k = N is too few rows");
  o.set("k", 3.5);
  expectError(ErrorCode::Option, [&] { runWith("rank-similarity", rx, ry, o); }, "fractional k is rejected");
  Options m;
  m.set("metric", std::string("manhattan"));
  expectError(ErrorCode::Option, [&] { runWith("knn-jaccard", rx, ry, m); }, "unknown metric is rejected");
  Options v;
  v.set("vectors", std::string("angles"));
  expectError(ErrorCode::Option, [&] { runWith("second-order-cosine", rx, ry, v); }, "unknown vectors is rejected");
  check(run("knn-jaccard", rx, rx) == 1.0, "self-comparison gives exactly 1");
  near(run("second-order-cosine", rx, rx), 1.0, 1e-15, "second-order cosine of identical inputs is 1");
}

NNSIM_TEST(testStatisticsHandValues) {
  // Mean rows (1, 1) and (0, 3): magnitudes √2 and 3.
  const Matrix x = fromRows({{0, 0}, {2, 2}});
  const Matrix y = fromRows({{0, 1}, {0, 5}});
  Representation rx(x), ry(y);
  near(run("magnitude-difference", rx, ry), 3.0 - std::sqrt(2.0), 1e-15, "magnitude difference");
  // Concentricity: X rows vs mean (1,1): zero row → 0, (2,2) → 1: c = 1/2. Y: both rows parallel to (0,3): c = 1.
  near(run("concentricity-difference", rx, ry), 0.5, 1e-15, "concentricity difference with a zero row");
  // Uniformity, t = 2: X has ‖x₁ − x₂‖² = 8, Y has 16: u = log((2 + 2e^{−16})/4) vs log((2 + 2e^{−32})/4).
  const double ux = std::log((2.0 + 2.0 * std::exp(-16.0)) / 4.0), uy = std::log((2.0 + 2.0 * std::exp(-32.0)) / 4.0);
  near(run("uniformity-difference", rx, ry), std::fabs(ux - uy), 1e-12, "uniformity difference");
  Options t;
  t.set("t", 0.0);
  expectError(ErrorCode::Option, [&] { runWith("uniformity-difference", rx, ry, t); }, "t = 0 is rejected by the core");
}

NNSIM_TEST(testLabelledStatistics) {
  // Tolerance: classes {0, 1} and {2, 3}. X: rows 0,1 orthogonal (cos 0), rows 2,3 parallel (cos 1) → T = 1/2.
  // Y: rows 0,1 opposite (−1), rows 2,3 parallel (1) → T = 0.
  const Matrix x = fromRows({{1, 0}, {0, 1}, {1, 1}, {2, 2}});
  const Matrix y = fromRows({{1, 0}, {-3, 0}, {0, 1}, {0, 4}});
  Representation rx(x), ry(y);
  const std::vector<std::int32_t> labels = {9, 9, 4, 4};
  const Options none;
  near(runWith("tolerance-difference", rx, ry, none, labels), 0.5, 1e-15, "tolerance difference");
  expectError(ErrorCode::Option, [&] { runWith("tolerance-difference", rx, ry, none); }, "labels are required");
  expectError(ErrorCode::Degenerate, [&] { runWith("tolerance-difference", rx, ry, none, {0, 1, 2, 3}); },
              "no same-class pair");

  // k-NN modularity, k = 1, euclidean, points 0, 1, 10, 11 with classes {0,1}, {10,11}: the graph is the
  // two edges 0–1 and 10–11, both within a class: Q = Σ_c [L_c/2m − (D_c/2m)²] = 2·(2/4 − (2/4)²) = 1/2.
  // Swapping the labels of 1 and 10 puts both edges across classes: Q = 2·(0 − 1/4) = −1/2.
  const Matrix line = fromRows({{0}, {1}, {10}, {11}});
  Representation rl(line);
  Options o;
  o.set("k", 1.0);
  o.set("metric", std::string("euclidean"));
  near(runWith("knn-modularity-difference", rl, rl, o, {0, 0, 1, 1}), 0.0, 1e-15, "modularity: identical inputs");
  const Matrix shuffled = fromRows({{0}, {10}, {1}, {11}});
  Representation rs(shuffled);
  near(runWith("knn-modularity-difference", rl, rs, o, {0, 0, 1, 1}), 1.0, 1e-15, "modularity 1/2 vs −1/2");
}

NNSIM_TEST(testIntrinsicDimensionDegenerate) {
  Matrix x = randomMatrix(30, 3, 7);
  for (std::size_t j = 0; j < 3; ++j) x(5, j) = x(6, j);
  Representation rx(x);
  const Matrix y = randomMatrix(30, 3, 8);
  Representation ry(y);
  expectError(ErrorCode::Degenerate, [&] { run("intrinsic-dimension-difference", rx, ry); }, "TwoNN with a duplicate");
  Options mle;
  mle.set("estimator", std::string("mle"));
  expectError(ErrorCode::Degenerate, [&] { runWith("intrinsic-dimension-difference", rx, ry, mle); },
              "MLE with a duplicate");
  check(run("intrinsic-dimension-difference", ry, ry) == 0.0, "ID difference of identical inputs is 0");
}

NNSIM_TEST(testNeuronModularityHandValue) {
  // f = (1, −1, 1, −1) and g = (1, 1, −1, −1) have zero mean and are orthogonal, so units f, 2f, g, 3g + 1
  // form two perfectly correlated pairs with zero correlation across: A has 1 at (1,2) and (3,4) only.
  // Normalised, each ordered edge weighs 1/4 and each unit's strength is 1/4; the spectral split finds the
  // two pairs: Q = 2·(1/2 − (1/2)²) = 1/2. Two correlated units cannot be split profitably: Q = 0.
  const Matrix x = fromRows({{1, 2, 1, 4}, {-1, -2, 1, 4}, {1, 2, -1, -2}, {-1, -2, -1, -2}});
  const Matrix y = fromRows({{1, 2}, {2, 1}, {3, 5}, {4, 3}});
  Representation rx(x), ry(y);
  near(run("neuron-modularity-difference", rx, ry), 0.5, 1e-12, "two planted unit pairs vs one pair");
  const Matrix dead = fromRows({{1, 7}, {2, 7}, {3, 7}});
  Representation rd(dead);
  expectError(ErrorCode::Degenerate, [&] { run("neuron-modularity-difference", rd, rd); }, "only one live unit");
}

// The angle example of test/76: unit vectors at A = 0°, 10°, 30°, 70°, 150° and B = 0°, 40°, 48°, 100°,
// 175°. k = 1 lists A 0→1 1→0 2→1 3→2 4→3, B 0→1 1→2 2→1 3→2 4→3; k = 2 lists differ only in row 1
// ([0,2] vs [2,0]).
Matrix unitAngles(std::initializer_list<double> degrees) {
  Matrix m(degrees.size(), 2);
  std::size_t i = 0;
  for (double d : degrees) {
    m(i, 0) = std::cos(d * M_PI / 180.0);
    m(i, 1) = std::sin(d * M_PI / 180.0);
    ++i;
  }
  return m;
}

NNSIM_TEST(testMutualKnnFamilyHandValues) {
  const Matrix x = unitAngles({0, 10, 30, 70, 150});
  const Matrix y = unitAngles({0, 40, 48, 100, 175});
  Representation rx(x), ry(y);
  Options one;
  one.set("k", 1.0);
  near(runWith("mutual-knn", rx, ry, one), 0.8, 1e-15, "mutual k-NN, k = 1");
  near(runWith("cycle-knn", rx, ry, one), 0.4, 1e-15, "cycle k-NN A→B, k = 1");
  Options two;
  two.set("k", 2.0);
  near(runWith("mutual-knn", rx, ry, two), 1.0, 1e-15, "mutual k-NN, k = 2");
  near(runWith("lcs-knn", rx, ry, two), 0.9, 1e-15, "LCS k-NN, k = 2 (one swapped pair)");
  near(runWith("edit-distance-knn", rx, ry, two), 0.8, 1e-15, "edit-distance k-NN, k = 2 (two substitutions)");
  // Scaling a row changes nothing with normalised rows; raw inner products do change.
  Matrix scaled = Matrix::copyOf(x);
  for (std::size_t j = 0; j < 2; ++j) scaled(3, j) *= 5.0;
  Representation rs(scaled);
  check(runWith("mutual-knn", rs, ry, one) == runWith("mutual-knn", rx, ry, one), "row norms do not matter when normalised");
  Options raw = one;
  raw.set("normalize", false);
  check(runWith("mutual-knn", rs, ry, raw) != runWith("mutual-knn", rx, ry, raw), "row norms matter for raw inner products");
}

// The authors' cknna written out densely (N × N masks and kernels, their hsic_unbiased term by term),
// against the core's O(N·k) evaluation.
double denseCknnaHsic(const Matrix& k, const Matrix& l, const std::vector<std::vector<bool>>& mask) {
  const std::size_t n = k.rows();
  Matrix a(n, n), b(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      a(i, j) = mask[i][j] ? k(i, j) : 0.0;
      b(i, j) = mask[i][j] ? l(i, j) : 0.0;
    }
  }
  double t1 = 0.0, sa = 0.0, sb = 0.0, t3 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      t1 += a(i, j) * b(j, i);
      sa += a(i, j);
      sb += b(i, j);
      for (std::size_t m = 0; m < n; ++m) t3 += a(i, m) * b(m, j);
    }
  }
  const double nd = static_cast<double>(n);
  return (t1 + sa * sb / ((nd - 1) * (nd - 2)) - 2 * t3 / (nd - 2)) / (nd * (nd - 3));
}

std::vector<std::vector<bool>> denseKnnMask(const Matrix& kernel, std::size_t k) {
  const std::size_t n = kernel.rows();
  std::vector<std::vector<bool>> mask(n, std::vector<bool>(n, false));
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::size_t> order;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) order.push_back(j);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t p, std::size_t q) { return kernel(i, p) > kernel(i, q); });
    for (std::size_t t = 0; t < k; ++t) mask[i][order[t]] = true;
  }
  return mask;
}

NNSIM_TEST(testCknnaAgainstDenseFormula) {
  const Matrix x = randomMatrix(14, 4, 21), y = randomMatrix(14, 6, 22);
  Representation rx(x), ry(y);
  const auto unitKernel = [](const Matrix& m) {
    Matrix unit = Matrix::copyOf(m);
    for (std::size_t i = 0; i < m.rows(); ++i) {
      double norm = 0.0;
      for (std::size_t j = 0; j < m.cols(); ++j) norm += m(i, j) * m(i, j);
      for (std::size_t j = 0; j < m.cols(); ++j) unit(i, j) /= std::sqrt(norm);
    }
    return naiveProduct(unit, false, unit, true);
  };
  const Matrix k = unitKernel(x), l = unitKernel(y);
  for (std::size_t kk : {2, 3, 6}) {
    const auto mk = denseKnnMask(k, kk), ml = denseKnnMask(l, kk);
    std::vector<std::vector<bool>> both(mk);
    for (std::size_t i = 0; i < mk.size(); ++i) {
      for (std::size_t j = 0; j < mk.size(); ++j) both[i][j] = mk[i][j] && ml[i][j];
    }
    const double want = denseCknnaHsic(k, l, both) / std::sqrt(denseCknnaHsic(k, k, mk) * denseCknnaHsic(l, l, ml));
    Options o;
    o.set("k", static_cast<double>(kk));
    near(runWith("cknna", rx, ry, o), want, 1e-12, "CKNNA equals the dense formula, k = " + std::to_string(kk));
  }
  near(run("cknna", rx, rx), 1.0, 1e-14, "CKNNA of a representation with itself");
  Options small;
  small.set("k", 1.0);
  expectError(ErrorCode::Option, [&] { runWith("cknna", rx, ry, small); }, "CKNNA refuses k = 1");
  Options large;
  large.set("k", 14.0);
  expectError(ErrorCode::TooFewRows, [&] { runWith("mutual-knn", rx, ry, large); }, "k = N is refused");
}

}  // namespace
