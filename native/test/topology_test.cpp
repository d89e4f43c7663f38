// Core tests of the topology family: Vietoris–Rips persistence on hand-checked spaces.
#include "check.hpp"
#include "topology/heat_trace.hpp"
#include "topology/persistence.hpp"
#include "topology/witness.hpp"

#include "topology_heat_trace.inc"
#include "topology_witness_reference.inc"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Matrix distancesOf(const std::vector<std::pair<double, double>>& points) {
  Matrix d(points.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i)
    for (std::size_t j = 0; j < points.size(); ++j)
      d(i, j) = std::hypot(points[i].first - points[j].first, points[i].second - points[j].second);
  return d;
}

NNSIM_TEST(testPersistenceSquare) {
  // The unit square: four components joined at 1, one 1-cycle born at 1 and filled at √2.
  const Matrix d = distancesOf({{0, 0}, {1, 0}, {1, 1}, {0, 1}});
  const auto bars = topology::ripsPersistence(d, {});
  check(bars.bars.size() == 2, "dims 0 and 1");
  check(bars.bars[0].size() == 4, "three finite H0 bars and one essential");
  int essential = 0;
  for (const auto& b : bars.bars[0]) {
    if (std::isinf(b.death)) ++essential;
    else near(b.death, 1.0, 0.0, "H0 deaths at 1");
  }
  check(essential == 1, "one essential component");
  check(bars.bars[1].size() == 1, "one H1 bar");
  near(bars.bars[1][0].birth, 1.0, 0.0, "H1 born at 1");
  near(bars.bars[1][0].death, std::sqrt(2.0), 0.0, "H1 dies at sqrt 2");
  near(topology::finiteBarLengthSum(bars.bars[1]), std::sqrt(2.0) - 1.0, 1e-15, "H1 length sum");

  // Below √2 the cycle never dies.
  topology::PersistenceOptions cut;
  cut.threshold = 1.2;
  const auto capped = topology::ripsPersistence(d, cut);
  check(capped.bars[1].size() == 1 && std::isinf(capped.bars[1][0].death), "the cycle is essential below sqrt 2");
}

NNSIM_TEST(testPersistenceDegenerate) {
  // One point, and all points equal: no bars but the essential component(s).
  const auto one = topology::ripsPersistence(Matrix(1, 1), {});
  check(one.bars[0].size() == 1 && one.bars[1].empty(), "a single point");
  const auto same = topology::ripsPersistence(Matrix(5, 5), {});
  check(same.bars[0].size() == 1 && same.bars[1].empty(), "five equal points: one component, no cycles");
  expectError(ErrorCode::Shape, [] { topology::validateDistanceMatrix(Matrix(2, 3)); }, "non-square");
  Matrix asym(2, 2);
  asym(0, 1) = 1.0;
  expectError(ErrorCode::Degenerate, [&] { topology::validateDistanceMatrix(asym); }, "asymmetric");
  topology::PersistenceOptions bad;
  bad.maxDim = 2;
  expectError(ErrorCode::Option, [&] { topology::ripsPersistence(Matrix(2, 2), bad); }, "maxDim 2");
}

NNSIM_TEST(testHeatTraceExact) {
  // With the n basis vectors as start vectors and n Lanczos steps, each quadrature is exact and the
  // control variate cancels: the estimate is the exact trace (scipy eigh, topology_heat_trace.inc).
  const std::size_t n = 14;
  Matrix points(n, 2);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(i);
    points(i, 0) = std::cos(0.7 * x) + 0.05 * x;
    points(i, 1) = std::sin(1.3 * x);
  }
  const Representation r(points.view());
  const topology::NormalizedLaplacian laplacian(knn(r, 3, Metric::Euclidean));
  const std::vector<double> ts(std::begin(kHeatTraceTs), std::end(kHeatTraceTs));
  const auto basis = [](std::size_t v, std::vector<double>& out) {
    std::fill(out.begin(), out.end(), 0.0);
    out[v] = 1.0;
  };
  const auto exact = topology::heatTrace(laplacian, n, basis, n, ts, nullptr);
  for (std::size_t s = 0; s < ts.size(); ++s) {
    near(exact[s], kHeatTraceExact[s], 1e-10 * kHeatTraceExact[s], "heat trace at t = " + std::to_string(ts[s]));
  }
  // Gaussian start vectors with 10 steps: an unbiased estimate, close after 4000 vectors.
  Random random(3);
  const auto gaussian = [&random](std::size_t, std::vector<double>& out) {
    for (double& v : out) v = random.normal();
  };
  const auto estimate = topology::heatTrace(laplacian, 4000, gaussian, 10, ts, nullptr);
  for (std::size_t s = 0; s < ts.size(); ++s) {
    near(estimate[s], kHeatTraceExact[s], 0.03 * kHeatTraceExact[s], "SLQ estimate at t = " + std::to_string(ts[s]));
  }
}

NNSIM_TEST(testWitnessComplexCircle) {
  // 160 witnesses on the unit circle, every 10th a landmark: the witness complex has one long H1 bar
  // (the circle) and no other bar of any length.
  const std::size_t n = 160, l = 16;
  Matrix table(n, l);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = 2.0 * M_PI * static_cast<double>(i) / static_cast<double>(n);
    for (std::size_t j = 0; j < l; ++j) {
      const double b = 2.0 * M_PI * static_cast<double>(10 * j) / static_cast<double>(n);
      table(i, j) = std::hypot(std::cos(a) - std::cos(b), std::sin(a) - std::sin(b));
    }
  }
  const double alphaMax = 0.5;
  const auto bars = topology::witnessComplexH1(table.view(), alphaMax);
  std::size_t longBars = 0, shortBars = 0;
  for (const auto& bar : bars) {
    const double death = std::isinf(bar.death) ? alphaMax : bar.death;
    if (death - bar.birth > 0.3) ++longBars;
    else if (death - bar.birth > 1e-12) ++shortBars;
  }
  check(longBars == 1, "one long H1 bar on a circle (got " + std::to_string(longBars) + ")");
  check(shortBars == 0, "no short H1 bars on an evenly sampled circle (got " + std::to_string(shortBars) + ")");

  const auto rlt = topology::relativeLivingTimes(bars, alphaMax, 100);
  double sum = 0.0;
  for (double v : rlt) sum += v;
  near(sum, 1.0, 1e-12, "RLTs sum to 1");
  check(rlt[1] > 0.6, "one hole for most of [0, alpha_max]");

  // By hand: bars [0, .2), [.1, .3), [.25, ∞) on [0, .5] are alive 1, 2, 1, 2, 1 times on
  // [0, .1), [.1, .2), [.2, .25), [.25, .3), [.3, .5).
  const std::vector<topology::Bar> hand = {{0.0, 0.2}, {0.1, 0.3}, {0.25, std::numeric_limits<double>::infinity()}};
  const auto r = topology::relativeLivingTimes(hand, 0.5, 4);
  near(r[0], 0.0, 1e-15, "RLT(0)");
  near(r[1], (0.1 + 0.05 + 0.2) / 0.5, 1e-12, "RLT(1)");
  near(r[2], (0.1 + 0.05) / 0.5, 1e-12, "RLT(2)");
  const auto empty = topology::relativeLivingTimes({}, 0.5, 3);
  check(empty[0] == 1.0 && empty[1] == 0.0, "no bars: RLT = e0");
}

NNSIM_TEST(testWitnessComplexMatchesGudhi) {
  // The same landmark tables as scripts/topology_witness_reference.py gives GUDHI (distances summed left
  // to right as scipy's cdist does): the same H1 bars of positive length, and the same RLTs.
  for (const WitnessCase& c : kWitnessCases) {
    Matrix table(kWitnessPoints, 24);
    for (int i = 0; i < kWitnessPoints; ++i) {
      for (int j = 0; j < 24; ++j) {
        const int l = c.landmarks[j];
        const double dx = kWitnessXY[2 * i] - kWitnessXY[2 * l], dy = kWitnessXY[2 * i + 1] - kWitnessXY[2 * l + 1];
        table(i, j) = std::sqrt(dx * dx + dy * dy);
      }
    }
    auto bars = topology::witnessComplexH1(table.view(), c.alphaMax);
    std::sort(bars.begin(), bars.end(), [](const topology::Bar& x, const topology::Bar& y) {
      return x.birth < y.birth || (x.birth == y.birth && x.death < y.death);
    });
    const std::string label = "gamma " + std::to_string(c.gamma);
    check(bars.size() == static_cast<std::size_t>(c.bars), label + ": number of H1 bars (" + std::to_string(bars.size()) +
                                                                 " vs " + std::to_string(c.bars) + ")");
    for (std::size_t b = 0; b < std::min(bars.size(), static_cast<std::size_t>(c.bars)); ++b) {
      near(bars[b].birth, c.barData[2 * b], 1e-12, label + ": birth " + std::to_string(b));
      if (std::isinf(c.barData[2 * b + 1])) check(std::isinf(bars[b].death), label + ": essential " + std::to_string(b));
      else near(bars[b].death, c.barData[2 * b + 1], 1e-12, label + ": death " + std::to_string(b));
    }
    const auto rlt = topology::relativeLivingTimes(bars, c.alphaMax, 10);
    for (int i = 0; i < 10; ++i) near(rlt[i], c.rlt[i], 1e-12, label + ": RLT " + std::to_string(i));
  }
}

}  // namespace
