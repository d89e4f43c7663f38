#include "assignment.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors.hpp"
#include "run_control.hpp"

namespace nnsim {
namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// Minimises Σ c(i, σ(i)) over injective σ: rows → columns for a rows ≤ cols problem given through
// `at(i, j)`. One shortest augmenting path (Dijkstra on reduced costs c(i, j) − u_i − v_j ≥ 0) per row;
// after each path the duals are updated so that every reduced cost stays non-negative and the matched
// pairs have reduced cost 0 (complementary slackness), which certifies optimality at the end.
template <class Cost>
std::vector<std::size_t> shortestAugmentingPaths(std::size_t rows, std::size_t cols, Cost at,
                                                 const RunControl* control) {
  std::vector<double> u(rows, 0.0), v(cols, 0.0), shortest(cols);
  std::vector<std::size_t> colOfRow(rows, kNone), rowOfCol(cols, kNone), predecessor(cols);
  std::vector<std::size_t> remaining(cols);  // columns not yet reached by the current search
  std::vector<char> rowVisited(rows), colVisited(cols);
  const double inf = std::numeric_limits<double>::infinity();

  for (std::size_t start = 0; start < rows; ++start) {
    if (control != nullptr) control->throwIfCancelled();
    std::fill(shortest.begin(), shortest.end(), inf);
    std::fill(rowVisited.begin(), rowVisited.end(), 0);
    std::fill(colVisited.begin(), colVisited.end(), 0);
    std::iota(remaining.begin(), remaining.end(), std::size_t{0});
    std::size_t remainingCount = cols;
    double pathLength = 0.0;  // length of the shortest path found so far (to the last settled column)
    std::size_t row = start;
    std::size_t sink = kNone;
    while (sink == kNone) {
      rowVisited[row] = 1;
      double lowest = inf;
      std::size_t lowestAt = 0;  // position in `remaining`
      for (std::size_t k = 0; k < remainingCount; ++k) {
        const std::size_t j = remaining[k];
        const double reduced = pathLength + at(row, j) - u[row] - v[j];
        if (reduced < shortest[j]) {
          predecessor[j] = row;
          shortest[j] = reduced;
        }
        // Prefer a free column among equally short ones: it ends the search sooner.
        if (shortest[j] < lowest || (shortest[j] == lowest && rowOfCol[j] == kNone)) {
          lowest = shortest[j];
          lowestAt = k;
        }
      }
      if (!(lowest < inf)) throw Error(ErrorCode::Internal, "assignment: no augmenting path (infeasible problem)");
      pathLength = lowest;
      const std::size_t j = remaining[lowestAt];
      colVisited[j] = 1;
      remaining[lowestAt] = remaining[--remainingCount];
      if (rowOfCol[j] == kNone) {
        sink = j;
      } else {
        row = rowOfCol[j];
      }
    }
    // Dual update: keeps c − u − v ≥ 0 everywhere and = 0 on the matching and the new path.
    u[start] += pathLength;
    for (std::size_t i = 0; i < rows; ++i) {
      if (rowVisited[i] && i != start) u[i] += pathLength - shortest[colOfRow[i]];
    }
    for (std::size_t j = 0; j < cols; ++j) {
      if (colVisited[j]) v[j] -= pathLength - shortest[j];
    }
    // Augment: flip the alternating path from the sink back to the start row.
    for (std::size_t j = sink;;) {
      const std::size_t i = predecessor[j];
      rowOfCol[j] = i;
      std::swap(colOfRow[i], j);
      if (i == start) break;
    }
  }
  return colOfRow;
}

}  // namespace

Assignment solveAssignment(MatrixView cost, Objective objective, const RunControl* control) {
  if (cost.rows == 0 || cost.cols == 0) throw Error(ErrorCode::Shape, "assignment: empty cost matrix");
  for (std::size_t k = 0; k < cost.size(); ++k) {
    if (!std::isfinite(cost.data[k])) {
      throw Error(ErrorCode::NonFinite, "assignment: cost entry " + std::to_string(k) + " is not finite");
    }
  }
  const double sign = objective == Objective::Maximize ? -1.0 : 1.0;
  const bool transposed = cost.rows > cost.cols;
  const std::size_t rows = transposed ? cost.cols : cost.rows;
  const std::size_t cols = transposed ? cost.rows : cost.cols;
  const std::vector<std::size_t> colOfRow =
      transposed ? shortestAugmentingPaths(rows, cols, [&](std::size_t i, std::size_t j) { return sign * cost(j, i); },
                                           control)
                 : shortestAugmentingPaths(rows, cols, [&](std::size_t i, std::size_t j) { return sign * cost(i, j); },
                                           control);
  Assignment out;
  if (!transposed) {
    for (std::size_t i = 0; i < rows; ++i) {
      out.rows.push_back(i);
      out.cols.push_back(colOfRow[i]);
    }
  } else {
    // Rows of the original are the columns of the solved problem: list them in ascending order.
    std::vector<std::size_t> matchOf(cost.rows, kNone);
    for (std::size_t i = 0; i < rows; ++i) matchOf[colOfRow[i]] = i;
    for (std::size_t r = 0; r < cost.rows; ++r) {
      if (matchOf[r] == kNone) continue;
      out.rows.push_back(r);
      out.cols.push_back(matchOf[r]);
    }
  }
  for (std::size_t k = 0; k < out.rows.size(); ++k) out.total += cost(out.rows[k], out.cols[k]);
  return out;
}

}  // namespace nnsim
