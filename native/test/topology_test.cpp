// Core tests of the topology family: Vietoris–Rips persistence on hand-checked spaces.
#include "check.hpp"
#include "topology/persistence.hpp"

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

}  // namespace
