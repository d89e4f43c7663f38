#include "transport.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors.hpp"
#include "run_control.hpp"

namespace nnsim {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

}  // namespace

TransportPlan solveTransport(MatrixView cost, const std::vector<std::int64_t>& supply,
                             const std::vector<std::int64_t>& demand, const RunControl* control) {
  const std::size_t m = cost.rows, n = cost.cols;
  if (m == 0 || n == 0) throw Error(ErrorCode::Shape, "transport: empty cost matrix");
  if (supply.size() != m || demand.size() != n) {
    throw Error(ErrorCode::Shape, "transport: marginals do not match the cost matrix shape");
  }
  for (std::size_t k = 0; k < cost.size(); ++k) {
    if (!std::isfinite(cost.data[k])) {
      throw Error(ErrorCode::NonFinite, "transport: cost entry " + std::to_string(k) + " is not finite");
    }
  }
  std::int64_t totalSupply = 0, totalDemand = 0;
  for (std::int64_t s : supply) {
    if (s <= 0) throw Error(ErrorCode::Option, "transport: supplies must be positive");
    totalSupply += s;
  }
  for (std::int64_t d : demand) {
    if (d <= 0) throw Error(ErrorCode::Option, "transport: demands must be positive");
    totalDemand += d;
  }
  if (totalSupply != totalDemand) throw Error(ErrorCode::Option, "transport: supplies and demands differ in total");

  // Residual graph: row i → column j always (uncapacitated, cost c_ij); column j → row i when
  // f_ij > 0 (capacity f_ij, cost −c_ij). Potentials p make every residual reduced cost
  // c_ij + p_i − p_j (forward) and −c_ij + p_j − p_i (backward) non-negative, so Dijkstra applies.
  // Start: p_i = 0, p_j = min_i c_ij.
  std::vector<std::int64_t> flow(m * n, 0);
  std::vector<std::int64_t> supplyLeft(supply), demandLeft(demand);
  std::vector<double> potRow(m, 0.0), potCol(n);
  for (std::size_t j = 0; j < n; ++j) {
    double lo = cost(0, j);
    for (std::size_t i = 1; i < m; ++i) lo = std::min(lo, cost(i, j));
    potCol[j] = lo;
  }
  // Warm start: ship along each column's cheapest edge (reduced cost exactly 0 under these
  // potentials). A flow carried only by zero-reduced-cost edges, with every reduced cost ≥ 0, is a
  // min-cost flow for the amounts shipped so far, which is the invariant successive shortest paths
  // needs; this typically settles most of the demand before the first Dijkstra.
  std::int64_t shipped = 0;
  for (std::size_t j = 0; j < n; ++j) {
    std::size_t cheapest = 0;
    for (std::size_t i = 1; i < m; ++i) {
      if (cost(i, j) < cost(cheapest, j)) cheapest = i;
    }
    const std::int64_t amount = std::min(supplyLeft[cheapest], demandLeft[j]);
    flow[cheapest * n + j] += amount;
    supplyLeft[cheapest] -= amount;
    demandLeft[j] -= amount;
    shipped += amount;
  }
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> distRow(m), distCol(n);
  std::vector<char> doneRow(m), doneCol(n);
  std::vector<std::size_t> parentOfCol(n), parentOfRow(m);  // predecessor on the shortest-path tree

  while (shipped < totalSupply) {
    if (control != nullptr) control->throwIfCancelled();
    // Dijkstra (dense, O((m + n)² + m n)) from every row that still has supply.
    std::fill(distCol.begin(), distCol.end(), inf);
    std::fill(doneRow.begin(), doneRow.end(), 0);
    std::fill(doneCol.begin(), doneCol.end(), 0);
    for (std::size_t i = 0; i < m; ++i) {
      distRow[i] = supplyLeft[i] > 0 ? 0.0 : inf;
      parentOfRow[i] = kNone;
    }
    std::size_t target = kNone;
    double targetDist = inf;
    for (;;) {
      // Settle the closest unsettled node (rows and columns alike).
      double best = inf;
      std::size_t bestNode = kNone;
      bool bestIsRow = false;
      for (std::size_t i = 0; i < m; ++i) {
        if (!doneRow[i] && distRow[i] < best) best = distRow[i], bestNode = i, bestIsRow = true;
      }
      for (std::size_t j = 0; j < n; ++j) {
        if (!doneCol[j] && distCol[j] < best) best = distCol[j], bestNode = j, bestIsRow = false;
      }
      if (bestNode == kNone) break;
      if (bestIsRow) {
        const std::size_t i = bestNode;
        doneRow[i] = 1;
        for (std::size_t j = 0; j < n; ++j) {
          if (doneCol[j]) continue;
          // Roundoff can make a reduced cost −1e-16; clamping keeps Dijkstra's invariant.
          const double reduced = std::max(0.0, cost(i, j) + potRow[i] - potCol[j]);
          if (best + reduced < distCol[j]) {
            distCol[j] = best + reduced;
            parentOfCol[j] = i;
          }
        }
      } else {
        const std::size_t j = bestNode;
        doneCol[j] = 1;
        if (demandLeft[j] > 0) {
          target = j;
          targetDist = best;
          break;  // the closest column with unmet demand: the shortest augmenting path ends here
        }
        for (std::size_t i = 0; i < m; ++i) {
          if (doneRow[i] || flow[i * n + j] == 0) continue;
          const double reduced = std::max(0.0, -cost(i, j) + potCol[j] - potRow[i]);
          if (best + reduced < distRow[i]) {
            distRow[i] = best + reduced;
            parentOfRow[i] = j;
          }
        }
      }
    }
    if (target == kNone) throw Error(ErrorCode::Internal, "transport: no augmenting path (infeasible problem)");
    // Potentials: p ← p + min(dist, dist_target) keeps all residual reduced costs non-negative.
    for (std::size_t i = 0; i < m; ++i) potRow[i] += std::min(distRow[i], targetDist);
    for (std::size_t j = 0; j < n; ++j) potCol[j] += std::min(distCol[j], targetDist);
    // Bottleneck: remaining demand at the target, supply at the source, and flow on backward edges.
    std::int64_t amount = demandLeft[target];
    std::size_t j = target;
    for (;;) {
      const std::size_t i = parentOfCol[j];
      if (parentOfRow[i] == kNone) {
        amount = std::min(amount, supplyLeft[i]);
        break;
      }
      j = parentOfRow[i];
      amount = std::min(amount, flow[i * n + j]);
    }
    j = target;
    for (;;) {
      const std::size_t i = parentOfCol[j];
      flow[i * n + j] += amount;
      if (parentOfRow[i] == kNone) {
        supplyLeft[i] -= amount;
        break;
      }
      j = parentOfRow[i];
      flow[i * n + j] -= amount;
    }
    demandLeft[target] -= amount;
    shipped += amount;
  }

  TransportPlan plan;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t f = flow[i * n + j];
      if (f == 0) continue;
      plan.edges.push_back({i, j, f});
      plan.total += static_cast<double>(f) * cost(i, j);
    }
  }
  return plan;
}

TransportPlan solveUniformTransport(MatrixView cost, const RunControl* control) {
  const std::int64_t m = static_cast<std::int64_t>(cost.rows), n = static_cast<std::int64_t>(cost.cols);
  if (m == 0 || n == 0) throw Error(ErrorCode::Shape, "transport: empty cost matrix");
  const std::int64_t g = std::gcd(m, n);
  return solveTransport(cost, std::vector<std::int64_t>(static_cast<std::size_t>(m), n / g),
                        std::vector<std::int64_t>(static_cast<std::size_t>(n), m / g), control);
}

}  // namespace nnsim
