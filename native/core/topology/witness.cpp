#include "witness.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

#include "../errors.hpp"
#include "../run_control.hpp"

namespace nnsim::topology {
namespace {

constexpr double kAbsent = std::numeric_limits<double>::infinity();

struct Simplex {
  double filtration;
  std::uint32_t index;  // edge: a·L + b (a < b); triangle: (a·L + b)·L + c (a < b < c)
};

bool earlier(const Simplex& x, const Simplex& y) {
  return x.filtration < y.filtration || (x.filtration == y.filtration && x.index < y.index);
}

}  // namespace

std::vector<Bar> witnessComplexH1(MatrixView distances, double alphaMax) {
  const std::size_t witnesses = distances.rows;
  const std::size_t l = distances.cols;
  if (l < 3) return {};
  // Smallest relaxation at which some witness witnesses each edge / triangle (kAbsent: never <= alphaMax).
  std::vector<double> edgeAlpha(l * l, kAbsent);
  std::vector<double> triangleAlpha(l * l * l, kAbsent);
  std::vector<std::uint32_t> order(l);
  std::vector<double> sorted(l);
  for (std::size_t w = 0; w < witnesses; ++w) {
    if ((w & 0xf) == 0) checkpoint();  // a witness costs up to O(L³)
    const double* row = distances.row(w);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [row](std::uint32_t a, std::uint32_t b) {
      return row[a] < row[b] || (row[a] == row[b] && a < b);
    });
    for (std::size_t r = 0; r < l; ++r) sorted[r] = row[order[r]];
    // A simplex with k vertices leaves out one of the k + 1 nearest landmarks, so its farthest vertex is
    // within sorted[k] + alphaMax if it is to be witnessed: only these ranks can take part.
    const double reach = sorted[std::min<std::size_t>(3, l - 1)] + alphaMax;
    std::size_t candidates = 0;
    while (candidates < l && sorted[candidates] <= reach) ++candidates;
    // Relaxation of the simplex with ranks r[0] < ... < r[k−1]: its farthest distance minus the distance
    // of the nearest landmark it leaves out (the smallest rank not in it), clamped at 0.
    for (std::size_t r1 = 0; r1 < candidates; ++r1) {
      for (std::size_t r2 = r1 + 1; r2 < candidates; ++r2) {
        const std::size_t omittedEdge = r1 != 0 ? 0 : (r2 != 1 ? 1 : 2);
        if (omittedEdge < l) {
          const double alpha = std::max(0.0, sorted[r2] - sorted[omittedEdge]);
          if (alpha <= alphaMax) {
            std::uint32_t a = order[r1], b = order[r2];
            if (a > b) std::swap(a, b);
            double& slot = edgeAlpha[a * l + b];
            slot = std::min(slot, alpha);
          }
        }
        for (std::size_t r3 = r2 + 1; r3 < candidates; ++r3) {
          std::size_t omitted = 0;
          while (omitted == r1 || omitted == r2 || omitted == r3) ++omitted;
          if (omitted >= l) continue;
          const double alpha = std::max(0.0, sorted[r3] - sorted[omitted]);
          if (alpha > alphaMax) continue;
          std::uint32_t v[3] = {order[r1], order[r2], order[r3]};
          std::sort(v, v + 3);
          double& slot = triangleAlpha[(v[0] * l + v[1]) * l + v[2]];
          slot = std::min(slot, alpha);
        }
      }
    }
  }
  // The filtration: every landmark at 0 (it witnesses itself); an edge at its own α; a triangle at the
  // largest α of itself and its edges, present only when all its edges are.
  std::vector<Simplex> edges;
  for (std::uint32_t a = 0; a < l; ++a)
    for (std::uint32_t b = a + 1; b < l; ++b)
      if (edgeAlpha[a * l + b] <= alphaMax) edges.push_back({edgeAlpha[a * l + b], a * static_cast<std::uint32_t>(l) + b});
  std::sort(edges.begin(), edges.end(), earlier);
  std::vector<std::int32_t> edgePosition(l * l, -1);
  for (std::size_t p = 0; p < edges.size(); ++p) edgePosition[edges[p].index] = static_cast<std::int32_t>(p);
  std::vector<Simplex> triangles;
  for (std::uint32_t a = 0; a < l; ++a) {
    for (std::uint32_t b = a + 1; b < l; ++b) {
      if (edgePosition[a * l + b] < 0) continue;
      for (std::uint32_t c = b + 1; c < l; ++c) {
        const double own = triangleAlpha[(a * l + b) * l + c];
        if (own > alphaMax || edgePosition[a * l + c] < 0 || edgePosition[b * l + c] < 0) continue;
        const double f = std::max({own, edgeAlpha[a * l + b], edgeAlpha[a * l + c], edgeAlpha[b * l + c]});
        triangles.push_back({f, static_cast<std::uint32_t>((a * l + b) * l + c)});
      }
    }
  }
  std::sort(triangles.begin(), triangles.end(), earlier);

  // H0 by union–find tells which edges are positive (create a cycle); H1 pairs by reducing the
  // triangle boundary columns in filtration order (the standard algorithm over Z/2; pivot = latest edge).
  std::vector<std::size_t> parent(l);
  std::iota(parent.begin(), parent.end(), std::size_t{0});
  const auto find = [&parent](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<bool> positive(edges.size(), false);
  for (std::size_t p = 0; p < edges.size(); ++p) {
    const std::size_t a = find(edges[p].index / l), b = find(edges[p].index % l);
    if (a != b) parent[a] = b;
    else positive[p] = true;
  }
  std::vector<std::vector<std::int32_t>> reducedByPivot(edges.size());  // pivot edge -> reduced column
  std::vector<bool> paired(edges.size(), false);
  std::vector<Bar> bars;
  std::vector<std::int32_t> column, merged;
  CheckpointCounter counter(256);
  for (const Simplex& t : triangles) {
    counter.tick();
    const std::uint32_t c = t.index % l, b = (t.index / l) % l, a = t.index / (l * l);
    column = {edgePosition[a * l + b], edgePosition[a * l + c], edgePosition[b * l + c]};
    std::sort(column.begin(), column.end());
    while (!column.empty() && !reducedByPivot[static_cast<std::size_t>(column.back())].empty()) {
      const auto& other = reducedByPivot[static_cast<std::size_t>(column.back())];
      merged.clear();
      std::set_symmetric_difference(column.begin(), column.end(), other.begin(), other.end(), std::back_inserter(merged));
      column.swap(merged);
    }
    if (column.empty()) continue;  // the triangle creates a 2-cycle
    const auto pivot = static_cast<std::size_t>(column.back());
    paired[pivot] = true;
    if (t.filtration > edges[pivot].filtration) bars.push_back({edges[pivot].filtration, t.filtration});
    reducedByPivot[pivot] = column;
  }
  for (std::size_t p = 0; p < edges.size(); ++p) {
    if (positive[p] && !paired[p]) bars.push_back({edges[p].filtration, std::numeric_limits<double>::infinity()});
  }
  return bars;
}

std::vector<double> relativeLivingTimes(const std::vector<Bar>& bars, double alphaMax, std::size_t iMax) {
  std::vector<double> rlt(iMax, 0.0);
  if (iMax == 0) return rlt;
  if (bars.empty() || !(alphaMax > 0.0)) {
    rlt[0] = 1.0;
    return rlt;
  }
  std::vector<std::pair<double, double>> intervals;
  std::vector<double> points{0.0, alphaMax};
  for (const Bar& bar : bars) {
    const double death = std::isinf(bar.death) ? alphaMax : bar.death;
    intervals.emplace_back(bar.birth, death);
    points.push_back(bar.birth);
    points.push_back(death);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  // β1 can only change at an endpoint: count the bars alive at each segment's midpoint.
  for (std::size_t s = 0; s + 1 < points.size(); ++s) {
    if ((s & 0xff) == 0) checkpoint();  // O(bars) each
    const double mid = 0.5 * (points[s] + points[s + 1]);
    std::size_t alive = 0;
    for (const auto& [b, d] : intervals) alive += (mid >= b && mid < d) ? 1 : 0;
    if (alive < iMax) rlt[alive] += points[s + 1] - points[s];
  }
  for (double& v : rlt) v /= alphaMax;
  return rlt;
}

}  // namespace nnsim::topology
