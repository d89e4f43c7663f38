// Core tests of the topology family: Vietoris–Rips persistence on hand-checked spaces.
#include "check.hpp"
#include "topology/heat_trace.hpp"
#include "topology/persistence.hpp"

#include "topology_heat_trace.inc"

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

}  // namespace
