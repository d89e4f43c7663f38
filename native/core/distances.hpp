// Pairwise distances and similarities between the N inputs of a representation (N × N), and k-NN
// lists. Each is memoised on the Representation, so RSM, neighbourhood, statistics and topology
// measures of one comparison share them.
//
// Two ways to a distance. The N × N matrices come from the Gram expansion (one BLAS call), whose
// rounding depends on where a pair sits in the matrix: two pairs at exactly the same distance (integer
// or quantised activations, duplicated rows) can come out a few ulps apart. ExactDistance computes one
// pair from its two rows alone, so equal inputs give equal values. Every decision that compares two
// distances (which inputs are the k nearest, in which order; the ranks of an RDM) screens with the
// Gram values and settles every comparison that their rounding-error bound (ScreenBound) leaves open
// with ExactDistance: the outcome is the one the exact values give, ties included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "representation.hpp"
#include "run_control.hpp"

namespace nnsim {

// Correlation is 1 − Pearson correlation between inputs (RSA's default dissimilarity).
enum class Metric { Euclidean, SquaredEuclidean, Cosine, Correlation };

// Parses "euclidean" | "sqeuclidean" | "cosine" (throws Error(Option) otherwise).
Metric parseMetric(const std::string& name, const std::string& option);
const char* metricName(Metric m);

// ‖x_i − x_j‖² for all pairs. Computed by the Gram expansion ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j on the
// column-centred data (one dsyrk), then recomputed by direct differences wherever the expansion
// cancels (d² below 1e-4 of ‖x_i‖² + ‖x_j‖²), so near-duplicates get accurate small distances instead
// of the ~1e-8·‖x‖ noise of the plain expansion. Exactly 0 on the diagonal; symmetric.
const Matrix& squaredEuclideanDistances(const Representation& r);

// sqrt of the above.
const Matrix& euclideanDistances(const Representation& r);

// Cosine similarities of the raw rows, clipped to [−1, 1]; a zero row has similarity 0 with every other
// row (sklearn's convention); the diagonal is exactly 1. Not centred: cosine neighbourhoods are not
// translation-invariant, by definition.
const Matrix& cosineSimilarities(const Representation& r);

// Distances of `metric` (cosine distance = 1 − cosine similarity, in [0, 2]); not Correlation.
const Matrix& pairwiseDistances(const Representation& r, Metric metric);

// 1 − Pearson correlation between inputs (rows): the cosine distance of the row-centred rows, a
// constant row at similarity 0 with every other row (sklearn's zero-row convention, as ReSi). Not
// memoised (only RSA reads it, once, into its condensed RDM).
Matrix correlationDistances(const Representation& r);

// One pair at a time, from the two rows alone: a fixed sequence of floating-point operations (no BLAS,
// no blocking), so a value never depends on where the pair sits, d(i, j) == d(j, i) bitwise, and rows
// that are equal give equal distances. On integer-valued inputs exactly equal true distances give equal
// values as long as the integers involved stay below 2^53: Σ(x − y)² (Euclidean), and (x·y)² and
// ‖x‖²‖y‖² (cosine, correlation) are then exact, and each value is a correctly rounded function of them
// (int8 activations: Euclidean for any D, cosine up to D ≈ 5000).
//   Euclidean, SquaredEuclidean: Σ_c (x_c − y_c)² in column order (squared; the caller takes sqrt).
//   Cosine: 1 − s, s = sign(x·y) sqrt((x·y)² / (‖x‖²‖y‖²)) clipped to [−1, 1]; 0 for a zero row.
//   Correlation: the cosine distance of D·x − (Σ_c x_c)·1 (row-centred, scaled by D so that integer
//   rows stay integer); a constant row has similarity 0.
class ExactDistance {
 public:
  ExactDistance(const Representation& r, Metric metric);
  double operator()(std::size_t i, std::size_t j) const;
  // Cosine / Correlation only: the similarity s (distance = clamp(1 − s, 0, 2)).
  double similarity(std::size_t i, std::size_t j) const;

 private:
  Metric metric_;
  MatrixView rows_;
  Matrix centred_;              // Correlation: the scaled row-centred rows
  std::vector<double> scales_;  // Cosine, Correlation: power-of-two scale of each row of rows_
  std::vector<double> norms_;   // Cosine, Correlation: squared norms of the scaled rows
};

// A rigorous bound on |screened − exact| for one pair, where "screened" is the value of the Gram
// matrices above (squared Euclidean distance of the column-centred rows; cosine or correlation
// distance) and "exact" the ExactDistance value: coefficient · (w_i + w_j). It covers the dot-product
// error of any summation order (γ_D = D·u), the centring and normalisation roundings, and the exact
// value's own error, with a factor 2 to spare.
//   Euclidean: w_i = ‖x_i − μ‖² (the column-centred squared norm).
//   Cosine: w_i = 1/2.   Correlation: w_i = ‖x_i‖ / ‖x_i − x̄_i‖ (≥ 1; large for nearly constant rows).
struct ScreenBound {
  double coefficient = 0.0;
  std::vector<double> weights;
  double operator()(std::size_t i, std::size_t j) const { return coefficient * (weights[i] + weights[j]); }
};
const ScreenBound& screenBound(const Representation& r, Metric metric);

// The k nearest neighbours of every input: row i lists the k other inputs closest to i, nearest first.
// The query point is excluded by index (not by position in a sort), and ties are broken by the smaller
// index, so the lists are deterministic even with duplicated rows. Lists and distances are those of
// the exact distances (ExactDistance; Euclidean distances are sqrt of the exact squared ones).
//
// Blocked, never N × N: tiles of the Gram matrix (one BLAS call each; the upper triangle of tiles,
// each used for the rows on both sides) are screened row by row against a max-heap of the k smallest
// upper bounds seen so far; only pairs whose lower bound does not exceed it are kept as candidates,
// and candidates are settled by their exact distances. Memory O(N·k + tile); the tiles' rows are
// processed on the core's thread budget, and `control` is checked once per tile.
struct KnnLists {
  std::size_t n = 0;
  std::size_t k = 0;
  std::vector<std::int32_t> indices;  // n × k, row-major
  std::vector<double> distances;      // n × k
  const std::int32_t* row(std::size_t i) const { return indices.data() + i * k; }
};

// Requires 1 <= k <= N − 1 (throws Error(TooFewRows) otherwise); Euclidean, SquaredEuclidean or Cosine.
const KnnLists& knn(const Representation& r, std::size_t k, Metric metric, const RunControl* control = nullptr);

// Bytes knn() allocates for N inputs of D features (lists, selection state, tile buffers), for the
// measures' memory estimates.
double knnMemoryBytes(std::size_t n, std::size_t d, std::size_t k);

}  // namespace nnsim
