// Pairwise distances and similarities between the N inputs of a representation (N × N), and k-NN
// lists. Each is memoised on the Representation, so RSM, neighbourhood, statistics and topology
// measures of one comparison share them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "representation.hpp"

namespace nnsim {

// InnerProduct orders neighbours by decreasing x_i·x_j of the raw rows (not a metric: an input need not
// be its own nearest neighbour); its "distance" is −x_i·x_j.
enum class Metric { Euclidean, SquaredEuclidean, Cosine, InnerProduct };

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

// Distances of `metric` (cosine distance = 1 − cosine similarity, in [0, 2]; −x_i·x_j for InnerProduct).
const Matrix& pairwiseDistances(const Representation& r, Metric metric);

// The k nearest neighbours of every input: row i lists the k other inputs closest to i, nearest first.
// The query point is excluded by index (not by position in a sort), and ties are broken by the smaller
// index, so the lists are deterministic even with duplicated rows.
struct KnnLists {
  std::size_t n = 0;
  std::size_t k = 0;
  std::vector<std::int32_t> indices;  // n × k, row-major
  std::vector<double> distances;      // n × k
  const std::int32_t* row(std::size_t i) const { return indices.data() + i * k; }
};

// Requires 1 <= k <= N − 1 (throws Error(TooFewRows) otherwise).
const KnnLists& knn(const Representation& r, std::size_t k, Metric metric);

}  // namespace nnsim
