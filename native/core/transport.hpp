// Exact discrete optimal transport with integer masses: min Σ c_ij f_ij over f ≥ 0 with row sums
// `supply` and column sums `demand` (Σ supply = Σ demand), a min-cost flow on the complete bipartite
// graph. Two exact solvers: the primal network simplex (default; Ahuja, Magnanti & Orlin 1993, ch. 11)
// and successive shortest paths with node potentials (ibid. §9.7), kept as an independent
// cross-check. Both keep the flow integral and end at an optimal vertex of the transportation
// polytope — exact up to roundoff in comparing costs, not an entropic (Sinkhorn) approximation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "matrix.hpp"

namespace nnsim {

class RunControl;

struct TransportEdge {
  std::size_t row;
  std::size_t col;
  std::int64_t flow;  // > 0
};

struct TransportPlan {
  // The non-zero entries of the optimal flow (at most m + n − 1 of them for a vertex solution).
  std::vector<TransportEdge> edges;
  // Σ flow · cost over the edges.
  double total = 0.0;
};

enum class TransportMethod {
  NetworkSimplex,  // primal network simplex with strongly feasible trees and block pricing (default)
  ShortestPaths,   // successive shortest paths (slower; kept as an independent cross-check)
};

// cost is m × n with finite entries; supply has m and demand n positive entries with equal sums.
// Throws Error(NonFinite) / Error(Shape) / Error(Option) on invalid input.
TransportPlan solveTransport(MatrixView cost, const std::vector<std::int64_t>& supply,
                             const std::vector<std::int64_t>& demand, const RunControl* control = nullptr,
                             TransportMethod method = TransportMethod::NetworkSimplex);

// The uniform-marginal problem between m and n points (weights 1/m and 1/n), scaled to integers:
// supply n/g per row and demand m/g per column with g = gcd(m, n), so flow/(m·n/g) is the coupling.
TransportPlan solveUniformTransport(MatrixView cost, const RunControl* control = nullptr);

}  // namespace nnsim
