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

// Checks shapes, finiteness and balance; returns the total mass.
std::int64_t validateTransport(MatrixView cost, const std::vector<std::int64_t>& supply,
                               const std::vector<std::int64_t>& demand) {
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
  return totalSupply;
}

// Successive shortest paths (the cross-check solver): O((m + n)·((m + n)² + m n)) in practice.
TransportPlan successiveShortestPaths(MatrixView cost, const std::vector<std::int64_t>& supply,
                                      const std::vector<std::int64_t>& demand, const RunControl* control) {
  const std::size_t m = cost.rows, n = cost.cols;
  const std::int64_t totalSupply = validateTransport(cost, supply, demand);
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

// Primal network simplex on the complete bipartite graph rows → columns plus an artificial root
// (Ahuja, Magnanti & Orlin 1993, ch. 11; Cunningham 1976 for strongly feasible trees). The basis is a
// spanning tree of the m + n + 1 nodes; tree arcs have zero reduced cost c_uv − π_u + π_v, and an
// optimal tree has no real arc with negative reduced cost. Every pivot keeps the tree strongly
// feasible (a zero-flow tree arc points away from the root) by the "last blocking arc from the apex"
// leaving rule, which rules out cycling on the many degenerate pivots of uniform marginals. Entering
// arcs are priced in blocks of ~√(mn) arcs (the most negative of a block), so a pivot costs
// O(√(mn) + m + n) instead of a full O(mn) scan. Flows stay integral; the optimum is an exact LP vertex.
TransportPlan networkSimplex(MatrixView cost, const std::vector<std::int64_t>& supply,
                             const std::vector<std::int64_t>& demand, const RunControl* control) {
  validateTransport(cost, supply, demand);
  const std::size_t m = cost.rows, n = cost.cols;
  const std::size_t nodes = m + n + 1, root = m + n;  // rows 0..m−1, columns m..m+n−1
  double maxAbsCost = 0.0;
  for (std::size_t k = 0; k < cost.size(); ++k) maxAbsCost = std::max(maxAbsCost, std::fabs(cost.data[k]));
  // Artificial arcs cost more than any path of real arcs, so the optimum carries no artificial flow.
  // Both constants scale with max|c| (never with an absolute 1), so the pivots made for costs c and
  // for a·c (a > 0) are the same: tiny-scale data is solved as accurately as unit-scale data.
  const double costScale = maxAbsCost > 0.0 ? maxAbsCost : 1.0;
  const double artificialCost = 2.0 * costScale * static_cast<double>(nodes + 1);
  // Reduced costs above −tolerance count as non-negative: potentials are sums of up to m + n costs (and
  // may carry the artificial cost), so their roundoff is ~(m + n)·eps·max|c|; a smaller "negative"
  // value is noise, not an improvement. Ignoring it costs at most ~1e-12 relative in the optimum.
  const double tolerance = 1e-12 * costScale * std::sqrt(static_cast<double>(nodes));

  // Tree edges (exactly nodes − 1 of them), each oriented from→to with its flow and cost.
  const std::size_t edges = nodes - 1;
  std::vector<std::size_t> from(edges), to(edges);
  std::vector<std::int64_t> flow(edges);
  std::vector<double> edgeCost(edges);
  std::vector<std::vector<std::size_t>> incident(nodes);  // tree edges at each node
  std::vector<std::size_t> parent(nodes, kNone), parentEdge(nodes, kNone), depth(nodes, 0);
  std::vector<double> potential(nodes, 0.0);
  // Initial strongly feasible tree: row i → root carries its supply (cost 0), root → column j carries
  // its demand (artificial cost); every flow is positive.
  for (std::size_t v = 0; v < root; ++v) {
    const bool isRow = v < m;
    from[v] = isRow ? v : root;
    to[v] = isRow ? root : v;
    flow[v] = isRow ? supply[v] : demand[v - m];
    edgeCost[v] = isRow ? 0.0 : artificialCost;
    incident[v].push_back(v);
    incident[root].push_back(v);
    parent[v] = root;
    parentEdge[v] = v;
    depth[v] = 1;
    potential[v] = isRow ? edgeCost[v] : -edgeCost[v];  // π_child = π_parent ± c (zero reduced cost)
  }
  // Whether the tree edge of v points up (v → parent).
  auto pointsUp = [&](std::size_t v) { return from[parentEdge[v]] == v; };

  const std::size_t arcs = m * n;
  const std::size_t block = std::min(arcs, std::max<std::size_t>(16, static_cast<std::size_t>(std::sqrt(static_cast<double>(arcs)))));
  std::size_t next = 0;  // where the next pricing block starts
  std::vector<std::size_t> stack;
  // Strongly feasible trees cannot cycle, so this bound is only a guard against a roundoff pathology.
  const std::size_t maxPivots = 1000 * (arcs + nodes);
  for (std::size_t pivots = 0;; ++pivots) {
    if (control != nullptr && pivots % 256 == 0) control->throwIfCancelled();
    if (pivots == maxPivots) throw Error(ErrorCode::Numerical, "transport: the network simplex did not converge");
    // Pricing: the most negative reduced cost in the first block that has one.
    double best = -tolerance;
    std::size_t entering = kNone;
    for (std::size_t scanned = 0; scanned < arcs;) {
      const std::size_t stop = std::min(arcs, scanned + block);
      for (; scanned < stop; ++scanned) {
        const std::size_t a = next;
        next = next + 1 == arcs ? 0 : next + 1;
        const std::size_t i = a / n, j = a % n;
        const double reduced = cost(i, j) - potential[i] + potential[m + j];
        if (reduced < best) best = reduced, entering = a;
      }
      if (entering != kNone) break;
    }
    if (entering == kNone) break;  // optimal
    const std::size_t k = entering / n, l = m + entering % n;  // entering arc k → l
    // Apex of the cycle: the lowest common ancestor of k and l.
    std::size_t a = k, b = l;
    while (a != b) {
      if (depth[a] >= depth[b]) a = parent[a];
      else b = parent[b];
    }
    const std::size_t apex = a;
    // Orientation of the cycle: apex ⇝ k (down), k → l, l ⇝ apex (up). Decreasing arcs block.
    // Strongly feasible rule: the leaving arc is the LAST blocking arc met from the apex.
    std::int64_t minDown = std::numeric_limits<std::int64_t>::max(), minUp = minDown;
    std::size_t leaveDown = kNone, leaveUp = kNone;  // the child node of the leaving tree edge
    for (std::size_t v = k; v != apex; v = parent[v]) {
      // Traversed parent → v: decreases when the edge points up. Scanning from k upwards, the last
      // in cycle order is the first found, hence the strict comparison.
      if (pointsUp(v) && flow[parentEdge[v]] < minDown) minDown = flow[parentEdge[v]], leaveDown = v;
    }
    for (std::size_t v = l; v != apex; v = parent[v]) {
      // Traversed v → parent: decreases when the edge points down; the last in cycle order is the
      // highest one, hence ≤.
      if (!pointsUp(v) && flow[parentEdge[v]] <= minUp) minUp = flow[parentEdge[v]], leaveUp = v;
    }
    if (leaveDown == kNone && leaveUp == kNone) throw Error(ErrorCode::Internal, "transport: unbounded pivot cycle");
    const bool leaveOnUpPath = leaveUp != kNone && minUp <= minDown;
    const std::int64_t delta = leaveOnUpPath ? minUp : minDown;
    const std::size_t leaving = leaveOnUpPath ? leaveUp : leaveDown;
    if (delta > 0) {
      for (std::size_t v = k; v != apex; v = parent[v]) flow[parentEdge[v]] += pointsUp(v) ? -delta : delta;
      for (std::size_t v = l; v != apex; v = parent[v]) flow[parentEdge[v]] += pointsUp(v) ? delta : -delta;
    }
    // Replace the leaving edge by the entering arc, reusing its slot.
    const std::size_t slot = parentEdge[leaving];
    const std::size_t cut = parent[leaving];
    auto detach = [&](std::size_t node) {
      auto& list = incident[node];
      list.erase(std::find(list.begin(), list.end(), slot));
    };
    detach(leaving);
    detach(cut);
    from[slot] = k;
    to[slot] = l;
    flow[slot] = delta;
    edgeCost[slot] = cost(k, l - m);
    incident[k].push_back(slot);
    incident[l].push_back(slot);
    // The subtree cut off below `leaving` contains k (leaving on the down path) or l (up path); hang
    // it from the other endpoint and recompute parents, depths and potentials inside it.
    const std::size_t hang = leaveOnUpPath ? l : k;
    const std::size_t anchor = leaveOnUpPath ? k : l;
    parent[hang] = anchor;
    parentEdge[hang] = slot;
    stack.assign(1, hang);
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      const std::size_t p = parent[v];
      depth[v] = depth[p] + 1;
      const std::size_t e = parentEdge[v];
      potential[v] = from[e] == v ? potential[p] + edgeCost[e] : potential[p] - edgeCost[e];
      for (std::size_t f : incident[v]) {
        if (f == e) continue;
        const std::size_t child = from[f] == v ? to[f] : from[f];
        parent[child] = v;
        parentEdge[child] = f;
        stack.push_back(child);
      }
    }
  }

  TransportPlan plan;
  for (std::size_t e = 0; e < edges; ++e) {
    if (flow[e] == 0) continue;
    if (from[e] == root || to[e] == root) {
      throw Error(ErrorCode::Internal, "transport: artificial flow left at the optimum (infeasible problem)");
    }
    plan.edges.push_back({from[e], to[e] - m, flow[e]});
  }
  std::sort(plan.edges.begin(), plan.edges.end(),
            [](const TransportEdge& x, const TransportEdge& y) { return x.row != y.row ? x.row < y.row : x.col < y.col; });
  for (const TransportEdge& e : plan.edges) plan.total += static_cast<double>(e.flow) * cost(e.row, e.col);
  return plan;
}

}  // namespace

TransportPlan solveTransport(MatrixView cost, const std::vector<std::int64_t>& supply,
                             const std::vector<std::int64_t>& demand, const RunControl* control,
                             TransportMethod method) {
  return method == TransportMethod::ShortestPaths ? successiveShortestPaths(cost, supply, demand, control)
                                                  : networkSimplex(cost, supply, demand, control);
}

TransportPlan solveUniformTransport(MatrixView cost, const RunControl* control) {
  const std::int64_t m = static_cast<std::int64_t>(cost.rows), n = static_cast<std::int64_t>(cost.cols);
  if (m == 0 || n == 0) throw Error(ErrorCode::Shape, "transport: empty cost matrix");
  const std::int64_t g = std::gcd(m, n);
  return solveTransport(cost, std::vector<std::int64_t>(static_cast<std::size_t>(m), n / g),
                        std::vector<std::int64_t>(static_cast<std::size_t>(n), m / g), control);
}

}  // namespace nnsim
