// Tests of the exact assignment and transport solvers (against brute force and scipy's LP optimum)
// and of the neuron-matching kernels (native/core/matching.cpp).
#include <cstdint>
#include <numeric>

#include "assignment.hpp"
#include "check.hpp"
#include "transport.hpp"
#include "matching_reference.inc"

using namespace nnsim;
using namespace nnsim::test;

namespace {

// Best Σ cost(i, σ(i)) over all injective σ from the smaller side into the larger, by enumerating
// every permutation of the larger side (n ≤ 7: at most 5040).
double bruteForceAssignment(const Matrix& cost, bool maximize) {
  const bool wide = cost.rows() <= cost.cols();
  const std::size_t small = wide ? cost.rows() : cost.cols(), large = wide ? cost.cols() : cost.rows();
  std::vector<std::size_t> perm(large);
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  double best = maximize ? -1e300 : 1e300;
  do {
    double s = 0;
    for (std::size_t k = 0; k < small; ++k) s += wide ? cost(k, perm[k]) : cost(perm[k], k);
    best = maximize ? std::max(best, s) : std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

Matrix integerCosts(std::size_t rows, std::size_t cols, unsigned seed, int levels) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, levels - 1);
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = pick(rng);
  return m;
}

bool isValidAssignment(const Assignment& a, std::size_t rows, std::size_t cols) {
  if (a.rows.size() != std::min(rows, cols) || a.cols.size() != a.rows.size()) return false;
  std::vector<char> usedR(rows, 0), usedC(cols, 0);
  for (std::size_t k = 0; k < a.rows.size(); ++k) {
    if (a.rows[k] >= rows || a.cols[k] >= cols || usedR[a.rows[k]] || usedC[a.cols[k]]) return false;
    if (k > 0 && a.rows[k] <= a.rows[k - 1]) return false;
    usedR[a.rows[k]] = usedC[a.cols[k]] = 1;
  }
  return true;
}

NNSIM_TEST(testAssignmentAgainstBruteForce) {
  unsigned seed = 1;
  for (std::size_t rows = 1; rows <= 7; ++rows) {
    for (std::size_t cols = 1; cols <= 7; ++cols) {
      for (int trial = 0; trial < 3; ++trial, ++seed) {
        // Gaussian costs, and small-integer costs with many ties (degenerate problems).
        const Matrix gaussian = randomMatrix(rows, cols, seed);
        const Matrix ties = integerCosts(rows, cols, seed, 3);
        for (const Matrix* cost : {&gaussian, &ties}) {
          for (bool maximize : {false, true}) {
            const Assignment a = solveAssignment(*cost, maximize ? Objective::Maximize : Objective::Minimize);
            const std::string what = std::to_string(rows) + "x" + std::to_string(cols) + (maximize ? " max" : " min") +
                                     (cost == &ties ? " ties" : "") + " seed " + std::to_string(seed);
            check(isValidAssignment(a, rows, cols), "assignment is one-to-one: " + what);
            near(a.total, bruteForceAssignment(*cost, maximize), 1e-12, "assignment optimum equals brute force: " + what);
          }
        }
      }
    }
  }
}

NNSIM_TEST(testAssignmentErrorsAndLargerProblems) {
  Matrix bad(2, 2);
  bad(1, 0) = std::nan("");
  expectError(ErrorCode::NonFinite, [&] { solveAssignment(bad, Objective::Minimize); }, "NaN cost is rejected");
  expectError(ErrorCode::Shape, [&] { solveAssignment(Matrix(0, 3), Objective::Minimize); }, "empty cost is rejected");
  // A 60 × 80 problem: the optimum is at least as good as 2000 random feasible assignments, and its
  // duality certificate is implicit; here we check it against the transport solver (an LP) instead.
  const Matrix cost = randomMatrix(60, 60, 99);
  const Assignment a = solveAssignment(cost, Objective::Minimize);
  const TransportPlan plan = solveUniformTransport(cost);
  near(a.total, plan.total, 1e-10, "60x60 assignment equals the uniform transport optimum (Birkhoff)");
  check(plan.edges.size() == 60, "uniform square transport has a permutation as its optimal vertex");
  // Cancellation is honoured.
  RunControl control;
  control.cancel();
  expectError(ErrorCode::Cancelled, [&] { solveAssignment(cost, Objective::Minimize, &control); }, "assignment cancels");
}

NNSIM_TEST(testTransportAgainstLinprog) {
  for (TransportMethod method : {TransportMethod::NetworkSimplex, TransportMethod::ShortestPaths}) {
    const std::string name = method == TransportMethod::NetworkSimplex ? "network simplex" : "shortest paths";
    for (const TransportReference& ref : transportReferences()) {
      const Matrix cost(ref.m, ref.n, ref.cost);
      const TransportPlan plan = solveTransport(cost, ref.supply, ref.demand, nullptr, method);
      const std::string what = name + " " + std::to_string(ref.m) + "x" + std::to_string(ref.n);
      near(plan.total, ref.optimum, 1e-10, "transport optimum equals scipy linprog: " + what);
      std::vector<std::int64_t> rowSum(ref.m, 0), colSum(ref.n, 0);
      double total = 0;
      for (const TransportEdge& e : plan.edges) {
        check(e.flow > 0, "plan entries are positive: " + what);
        rowSum[e.row] += e.flow;
        colSum[e.col] += e.flow;
        total += static_cast<double>(e.flow) * cost(e.row, e.col);
      }
      check(rowSum == ref.supply && colSum == ref.demand, "plan has the given marginals: " + what);
      check(plan.edges.size() <= ref.m + ref.n - 1, "plan is a vertex (≤ m + n − 1 entries): " + what);
      near(plan.total, total, 1e-12, "reported total is the plan's cost: " + what);
    }
  }
  check(transportReferences().size() >= 30, "transport references present");
}

// The two exact solvers agree on larger random problems (beyond what the LP fixtures cover), with
// Gaussian costs and with heavily tied integer costs (degenerate pivots).
NNSIM_TEST(testTransportSolversAgree) {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    const std::size_t m = 5 + seed * 7 % 41, n = 3 + seed * 11 % 53;
    const Matrix gaussian = randomMatrix(m, n, seed + 100);
    const Matrix ties = integerCosts(m, n, seed + 200, 3);
    for (const Matrix* cost : {&gaussian, &ties}) {
      const TransportPlan simplex = solveUniformTransport(*cost);
      const std::int64_t g = std::gcd<std::int64_t>(m, n);
      const TransportPlan paths = solveTransport(*cost, std::vector<std::int64_t>(m, n / g),
                                                 std::vector<std::int64_t>(n, m / g), nullptr, TransportMethod::ShortestPaths);
      near(simplex.total, paths.total, 1e-11, "network simplex = shortest paths, " + std::to_string(m) + "x" +
                                                  std::to_string(n) + (cost == &ties ? " ties" : ""));
    }
  }
}

NNSIM_TEST(testTransportDegenerateCosts) {
  // All-equal costs: every plan is optimal; the solver must still drive out the artificial flow.
  for (double value : {0.0, 2.5, -1e-300}) {
    Matrix cost(37, 53);
    for (std::size_t i = 0; i < cost.size(); ++i) cost.data()[i] = value;
    const TransportPlan plan = solveUniformTransport(cost);
    std::int64_t mass = 0;
    for (const TransportEdge& e : plan.edges) mass += e.flow;
    check(mass == 37 * 53, "constant costs: all mass shipped");
    near(plan.total, value * 37 * 53, 1e-12, "constant costs: total is value × mass");
  }
}

NNSIM_TEST(testTransportUniformEqualsAssignment) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const std::size_t n = 1 + seed % 7;
    const Matrix cost = integerCosts(n, n, seed, 4);
    near(solveUniformTransport(cost).total, bruteForceAssignment(cost, false), 1e-12,
         "uniform transport between equal sizes equals the best permutation");
  }
  expectError(ErrorCode::Option, [] { solveTransport(Matrix(2, 2), {1, 2}, {2, 2}); }, "unbalanced marginals are rejected");
}

Representation representationOf(const Matrix& m) { return Representation(m.view()); }

NNSIM_TEST(testMatchingKernels) {
  const Matrix x = randomMatrix(30, 5, 11);
  const Matrix y = randomMatrix(30, 5, 12);
  Representation rx = representationOf(x), ry = representationOf(y);
  // soft-matching equals permutation-procrustes / sqrt(D) when D = D' (the optimal coupling is a permutation / D).
  near(run("soft-matching", rx, ry), run("permutation-procrustes", rx, ry) / std::sqrt(5.0), 1e-12,
       "soft matching = permutation Procrustes / sqrt(D) for D = D'");
  // Identity values are exact (residuals from direct differences, not the Gram expansion).
  check(run("permutation-procrustes", rx, rx) == 0.0, "permutation Procrustes of X with itself is 0");
  check(run("soft-matching", rx, rx) == 0.0, "soft matching of X with itself is 0");
  near(run("correlation-match", rx, rx), 1.0, 1e-14, "correlation match of X with itself is 1");
  check(run("maximum-match", rx, rx) == 1.0, "maximum match of X with itself is 1");
  // A permuted copy: every measure sees the same neurons.
  Matrix permuted(30, 5);
  const std::size_t order[5] = {3, 0, 4, 1, 2};
  for (std::size_t i = 0; i < 30; ++i)
    for (std::size_t j = 0; j < 5; ++j) permuted(i, j) = x(i, order[j]);
  Representation rp = representationOf(permuted);
  check(run("permutation-procrustes", rx, rp) == 0.0, "permuted copy: distance 0");
  check(run("soft-matching", rx, rp) == 0.0, "permuted copy: soft matching 0");
  // Constant neurons: correlation 0 (ReSi's convention); all constant: typed error.
  Matrix withConstant = Matrix::copyOf(x);
  for (std::size_t i = 0; i < 30; ++i) withConstant(i, 2) = 3.5;
  Representation rc = representationOf(withConstant);
  near(run("correlation-match", rc, rc), 0.8, 1e-14, "a constant neuron contributes correlation 0");
  Matrix allConstant(30, 3);
  for (std::size_t i = 0; i < allConstant.size(); ++i) allConstant.data()[i] = 2.0;
  Representation rk = representationOf(allConstant);
  expectError(ErrorCode::Degenerate, [&] { run("correlation-match", rk, rx); }, "all-constant neurons: E_DEGENERATE");
  Options bad;
  bad.set("mode", std::string("medium"));
  expectError(ErrorCode::Option, [&] { run("correlation-match", rx, ry, bad); }, "unknown mode is rejected");
  Options badEps;
  badEps.set("epsilon", 0.0);
  expectError(ErrorCode::Option, [&] { run("maximum-match", rx, ry, badEps); }, "epsilon 0 is rejected");
  // Maximum match of X with Y = [X A, noise]: X's neurons lie in span(X A) only when A has full rank.
  Matrix zero(30, 2);
  Representation rz = representationOf(zero);
  check(run("maximum-match", rz, rx) == 0.0, "all-zero neurons are never matched");
}

}  // namespace
