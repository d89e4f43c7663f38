// Exact linear assignment (rectangular): each row of an m × n cost matrix (m ≤ n, or the transpose)
// gets a distinct column so that the summed cost is minimal (or maximal). Shortest augmenting paths
// with dual potentials (Jonker & Volgenant 1987; the rectangular form of Crouse 2016, "On implementing
// 2D rectangular assignment algorithms", IEEE TAES 52(4)): O(m²n) time, O(mn) memory, exact up to
// the roundoff of comparing sums of finite doubles. No scaling or ε-relaxation (not an auction).
#pragma once

#include <cstddef>
#include <vector>

#include "matrix.hpp"

namespace nnsim {

class RunControl;

enum class Objective { Minimize, Maximize };

struct Assignment {
  // min(m, n) pairs (rows[k], cols[k]); rows ascending.
  std::vector<std::size_t> rows;
  std::vector<std::size_t> cols;
  // Σ_k cost(rows[k], cols[k]), summed in the order of the pairs.
  double total = 0.0;
};

// Throws Error(NonFinite) for a NaN or ±Inf entry and Error(Shape) for an empty matrix. `control`,
// when given, is polled for cancellation once per augmentation.
Assignment solveAssignment(MatrixView cost, Objective objective, const RunControl* control = nullptr);

}  // namespace nnsim
