// Exact discrete optimal transport with integer masses: min Σ c_ij f_ij over f ≥ 0 with row sums
// `supply` and column sums `demand` (Σ supply = Σ demand). Solved as a min-cost flow on the complete
// bipartite graph by successive shortest paths with node potentials (Edmonds & Karp 1972; Ahuja,
// Magnanti & Orlin 1993, §9.7): every augmentation moves an integer amount along a shortest residual
// path, so the flow stays integral and the final flow is an optimal vertex of the transportation
// polytope — exact, not an entropic (Sinkhorn) approximation.
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

// cost is m × n with finite entries; supply has m and demand n positive entries with equal sums.
// Throws Error(NonFinite) / Error(Shape) on invalid input.
TransportPlan solveTransport(MatrixView cost, const std::vector<std::int64_t>& supply,
                             const std::vector<std::int64_t>& demand, const RunControl* control = nullptr);

// The uniform-marginal problem between m and n points (weights 1/m and 1/n), scaled to integers:
// supply n/g per row and demand m/g per column with g = gcd(m, n), so flow/(m·n/g) is the coupling.
TransportPlan solveUniformTransport(MatrixView cost, const RunControl* control = nullptr);

}  // namespace nnsim
