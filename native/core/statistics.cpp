// Descriptive statistics of each representation, compared across the pair.
//
// Each measure is |s(X) − s(Y)| for a scalar statistic s of one representation (Klabunde et al. 2025; ReSi takes
// the absolute difference), so every one is a pseudo-metric on representations. The statistic of a
// representation is memoised on it, so comparing one representation with many others computes it once.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "distances.hpp"
#include "measure.hpp"
#include "parallel.hpp"

namespace nnsim {
namespace {

constexpr std::int64_t kMaxK = std::numeric_limits<std::int32_t>::max() - 1;

template <class Statistic>
double difference(const MeasureContext& ctx, Statistic&& statistic) {
  return std::fabs(statistic(ctx.a(), "first") - statistic(ctx.b(), "second"));
}

// ‖(1/N) Σ_i x_i‖₂: the norm of the mean row, not the mean of the row norms (Wang et al. 2020; ReSi
// MagnitudeDifference), of the data the core sees (magnitudeDifference undoes the magnitude rule's
// scale: OwnScale).
double magnitude(const Representation& r) {
  double sum = 0.0;
  for (double m : r.columnMeans()) sum += m * m;
  return std::sqrt(sum);
}

// Cosine similarity of x and the unit vector u, as sklearn's cosine_similarity computes it: x is
// normalised first, a zero vector has similarity 0, and the value goes through 1 − clip(1 − s, 0, 2).
double clippedCosine(const double* x, const std::vector<double>& unit, std::size_t d) {
  double norm = 0.0;
  for (std::size_t c = 0; c < d; ++c) norm += x[c] * x[c];
  norm = std::sqrt(norm);
  if (norm == 0.0) return 0.0;
  const double inv = 1.0 / norm;
  double s = 0.0;
  for (std::size_t c = 0; c < d; ++c) s += (x[c] * inv) * unit[c];
  return 1.0 - std::clamp(1.0 - s, 0.0, 2.0);
}

// Mean over inputs of the cosine similarity of x_i with the mean row (Wang et al. 2020; ReSi
// ConcentricityDifference). A zero mean row (or a zero input) contributes similarity 0, sklearn's
// convention for the cosine of a zero vector.
double concentricity(const Representation& r) {
  return r.memo<double>("statistics:concentricity", [&] {
    const std::vector<double>& mean = r.columnMeans();
    const double norm = magnitude(r);
    std::vector<double> unit(r.cols(), 0.0);
    if (norm > 0.0) {
      for (std::size_t c = 0; c < r.cols(); ++c) unit[c] = mean[c] / norm;
    }
    double sum = 0.0;
    r.forEachRowBlock(Centering::None, [&](MatrixView x, std::size_t) {
      for (std::size_t i = 0; i < x.rows; ++i) {
        if ((i & 0xff) == 0) checkpoint();
        sum += clippedCosine(x.row(i), unit, x.cols);
      }
    });
    return sum / static_cast<double>(r.rows());
  });
}

// Uniformity log( (1/N²) Σ_{i,j} exp(−t ‖x_i − x_j‖²) ) (Wang & Isola 2020, Eq. 5, with the survey's and
// ReSi's choices: raw rows, the N diagonal terms included). The sum is at least N (diagonal), so the
// logarithm is always finite; large distances make the off-diagonal terms underflow to 0, as in ReSi.
double uniformity(const Representation& r, double t) {
  const Matrix& d2 = squaredEuclideanDistances(r);
  const std::size_t n = r.rows();
  // ‖x_i − x_j‖² in the input's own units: the magnitude rule's 2^-e is undone here (OwnScale).
  const int twiceScale = 2 * r.scaleExponent();
  double offDiagonal = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
    const double* row = d2.row(i);
    for (std::size_t j = i + 1; j < n; ++j) offDiagonal += std::exp(-t * (twiceScale == 0 ? row[j] : std::ldexp(row[j], twiceScale)));
  }
  const double nd = static_cast<double>(n);
  return std::log((nd + 2.0 * offDiagonal) / (nd * nd));
}

// Euclidean distances to the k nearest other inputs, checked for exact duplicates (a zero distance makes
// both estimators below undefined).
const KnnLists& neighbourDistances(const Representation& r, std::size_t k, const char* which, const char* estimator,
                                   const RunControl& control) {
  const KnnLists& lists = knn(r, k, Metric::Euclidean, &control);
  for (std::size_t i = 0; i < lists.n; ++i) {
    if (!(lists.distances[i * k] > 0.0)) {
      throw Error(ErrorCode::Degenerate, std::string(estimator) + " intrinsic dimension is undefined: input " +
                                             std::to_string(i) + " of the " + which +
                                             " representation has an exact duplicate (nearest-neighbour distance 0); "
                                             "remove duplicated rows first");
    }
  }
  return lists;
}

// TwoNN (Facco, d'Errico, Rodriguez, Laio 2017, Sci. Rep. 7:12140): μ_i = r₂(i)/r₁(i) follows a Pareto law
// with exponent d, so −log(1 − F(μ)) = d·log μ. Sort μ ascending, F(μ_(i)) = i/N, drop the 10% largest μ
// (the paper's choice: the tail is the least reliable), and fit the line through the origin by least
// squares: d = Σ x_i y_i / Σ x_i² with x = log μ_(i), y = −log(1 − i/N), i = 1 … ⌊9N/10⌋.
double twoNn(const Representation& r, const char* which, const RunControl& control) {
  const KnnLists& lists = neighbourDistances(r, 2, which, "TwoNN", control);
  const std::size_t n = lists.n;
  std::vector<double> logMu(n);
  for (std::size_t i = 0; i < n; ++i) logMu[i] = std::log(lists.distances[i * 2 + 1] / lists.distances[i * 2]);
  std::sort(logMu.begin(), logMu.end());
  const std::size_t kept = (9 * n) / 10;
  double xy = 0.0, xx = 0.0;
  for (std::size_t i = 0; i < kept; ++i) {
    const double x = logMu[i];
    const double y = -std::log1p(-static_cast<double>(i + 1) / static_cast<double>(n));
    xy += x * y;
    xx += x * x;
  }
  if (!(xx > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("TwoNN intrinsic dimension is undefined for the ") + which +
                                           " representation: every input's two nearest neighbours are equally far");
  }
  return xy / xx;
}

// Maximum-likelihood estimator of Levina & Bickel 2005 (NeurIPS, Eq. 8): at each input
// m̂_k(x) = [ (1/(k−1)) Σ_{j<k} log(T_k(x)/T_j(x)) ]⁻¹ with T_j the distance to the j-th nearest
// neighbour; the estimate is the mean of m̂_k over inputs (their Eq. 9 for one k).
double levinaBickel(const Representation& r, std::size_t k, const char* which, const RunControl& control) {
  const KnnLists& lists = neighbourDistances(r, k, which, "MLE", control);
  const std::size_t n = lists.n;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double* t = lists.distances.data() + i * k;
    double logs = 0.0;
    for (std::size_t j = 0; j + 1 < k; ++j) logs += std::log(t[k - 1] / t[j]);
    if (!(logs > 0.0)) {
      throw Error(ErrorCode::Degenerate, "MLE intrinsic dimension is undefined: the k = " + std::to_string(k) +
                                             " nearest neighbours of input " + std::to_string(i) + " of the " + which +
                                             " representation are all equally far");
    }
    sum += static_cast<double>(k - 1) / logs;
  }
  return sum / static_cast<double>(n);
}

double intrinsicDimensionDifference(const MeasureContext& ctx) {
  const bool mle = ctx.options.choice("estimator") == "mle";
  const std::int64_t k = ctx.options.integer("k");
  if (mle && static_cast<std::size_t>(k) + 1 > ctx.pair.rows()) {
    throw Error(ErrorCode::TooFewRows, "the MLE intrinsic dimension with k = " + std::to_string(k) +
                                           " needs at least " + std::to_string(k + 1) + " rows (inputs); got " +
                                           std::to_string(ctx.pair.rows()));
  }
  return difference(ctx, [&](const Representation& r, const char* which) {
    const std::string key = mle ? "statistics:id:mle:" + std::to_string(k) : std::string("statistics:id:twonn");
    return r.memo<double>(key, [&] {
      return mle ? levinaBickel(r, static_cast<std::size_t>(k), which, ctx.control) : twoNn(r, which, ctx.control);
    });
  });
}

double magnitudeDifference(const MeasureContext& ctx) {
  return difference(ctx, [](const Representation& r, const char*) { return std::ldexp(magnitude(r), r.scaleExponent()); });
}

double concentricityDifference(const MeasureContext& ctx) {
  return difference(ctx, [](const Representation& r, const char*) { return concentricity(r); });
}

double uniformityDifference(const MeasureContext& ctx) {
  const double t = ctx.options.number("t");
  return difference(ctx, [&](const Representation& r, const char*) { return uniformity(r, t); });
}

// Dense class ids 0 … C−1 for the labels, in order of first appearance.
std::vector<std::size_t> classIds(const LabelsView& labels, std::size_t* classes) {
  std::unordered_map<std::int32_t, std::size_t> ids;
  std::vector<std::size_t> out(labels.size);
  for (std::size_t i = 0; i < labels.size; ++i) {
    auto it = ids.emplace(labels.data[i], ids.size()).first;
    out[i] = it->second;
  }
  *classes = ids.size();
  return out;
}

// Tolerance (Wang & Liu 2021, "Understanding the behaviour of contrastive loss", CVPR, Sec. 5): the mean
// cosine similarity of pairs of distinct inputs with the same label. With unit rows z_i and class sums
// S_c = Σ_{i∈c} z_i, Σ_{i≠j∈c} z_iᵀz_j = ‖S_c‖² − Σ_{i∈c} ‖z_i‖², so it costs O(N·D). A zero row counts
// as similarity 0 with everything (sklearn's cosine convention).
double tolerance(const Representation& r, const std::vector<std::size_t>& classOf, std::size_t classes) {
  const MatrixView x = r.raw();
  Matrix sums(classes, x.cols);
  std::vector<double> selfTerms(classes, 0.0);
  std::vector<double> counts(classes, 0.0);
  for (std::size_t i = 0; i < x.rows; ++i) {
    if ((i & 0xff) == 0) checkpoint();
    const double* xi = x.row(i);
    double norm = 0.0;
    for (std::size_t c = 0; c < x.cols; ++c) norm += xi[c] * xi[c];
    norm = std::sqrt(norm);
    const std::size_t cls = classOf[i];
    counts[cls] += 1.0;
    if (norm == 0.0) continue;
    double unitNorm = 0.0;
    double* s = sums.row(cls);
    for (std::size_t c = 0; c < x.cols; ++c) {
      const double z = xi[c] / norm;
      s[c] += z;
      unitNorm += z * z;
    }
    selfTerms[cls] += unitNorm;
  }
  double within = 0.0, pairs = 0.0;
  for (std::size_t cls = 0; cls < classes; ++cls) {
    const double* s = sums.row(cls);
    double sq = 0.0;
    for (std::size_t c = 0; c < x.cols; ++c) sq += s[c] * s[c];
    within += sq - selfTerms[cls];
    pairs += counts[cls] * (counts[cls] - 1.0);
  }
  return within / pairs;
}

double toleranceDifference(const MeasureContext& ctx) {
  std::size_t classes = 0;
  const std::vector<std::size_t> classOf = classIds(ctx.labels, &classes);
  std::vector<std::size_t> sizes(classes, 0);
  for (std::size_t c : classOf) ++sizes[c];
  if (*std::max_element(sizes.begin(), sizes.end()) < 2) {
    throw Error(ErrorCode::Degenerate, "tolerance is undefined: no label occurs twice (no pair of inputs of one class)");
  }
  return difference(ctx, [&](const Representation& r, const char*) { return tolerance(r, classOf, classes); });
}

// Modularity (Newman 2004, Phys. Rev. E 69:066133, Eq. 7 in the form Q = Σ_c [L_c/(2m) − (D_c/(2m))²]) of
// the label partition in the undirected, unweighted k-NN graph: i and j are joined when either is among
// the other's k nearest neighbours. L_c counts the ordered within-class adjacent pairs, D_c the degrees
// of class c, m the edges. Lu et al. 2022 (ECCV, "Understanding the dynamics of DNNs using graph
// modularity") build such a graph from a layer's features and read the class modularity off it.
double knnModularity(const Representation& r, std::size_t k, Metric metric, const std::vector<std::size_t>& classOf,
                     std::size_t classes, const RunControl& control) {
  const KnnLists& lists = knn(r, k, metric, &control);
  const std::size_t n = lists.n;
  // Undirected edge set: the union of i → j and j → i; collected per node, sorted, de-duplicated.
  std::vector<std::vector<std::int32_t>> adjacent(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t* row = lists.row(i);
    for (std::size_t t = 0; t < k; ++t) {
      adjacent[i].push_back(row[t]);
      adjacent[static_cast<std::size_t>(row[t])].push_back(static_cast<std::int32_t>(i));
    }
  }
  std::vector<double> within(classes, 0.0), degrees(classes, 0.0);
  double twiceEdges = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::int32_t>& adj = adjacent[i];
    std::sort(adj.begin(), adj.end());
    adj.erase(std::unique(adj.begin(), adj.end()), adj.end());
    const std::size_t ci = classOf[i];
    degrees[ci] += static_cast<double>(adj.size());
    twiceEdges += static_cast<double>(adj.size());
    for (std::int32_t j : adj) {
      if (classOf[static_cast<std::size_t>(j)] == ci) within[ci] += 1.0;
    }
  }
  double q = 0.0;
  for (std::size_t c = 0; c < classes; ++c) {
    const double share = degrees[c] / twiceEdges;
    q += within[c] / twiceEdges - share * share;
  }
  return q;
}

double knnModularityDifference(const MeasureContext& ctx) {
  const std::int64_t k = ctx.options.integer("k");
  if (static_cast<std::size_t>(k) + 1 > ctx.pair.rows()) {
    throw Error(ErrorCode::TooFewRows, "k-nearest neighbours with k = " + std::to_string(k) + " need at least " +
                                           std::to_string(k + 1) + " rows (inputs); got " +
                                           std::to_string(ctx.pair.rows()));
  }
  const Metric metric = ctx.options.choice("metric") == "cosine" ? Metric::Cosine : Metric::Euclidean;
  std::size_t classes = 0;
  const std::vector<std::size_t> classOf = classIds(ctx.labels, &classes);
  return difference(ctx, [&](const Representation& r, const char*) {
    return knnModularity(r, static_cast<std::size_t>(k), metric, classOf, classes, ctx.control);
  });
}

// Neuron-graph modularity (Lange, Rolnick, Kording 2022, "Clustering units in neural networks: upstream vs
// downstream information", TMLR): the D units are the nodes of a graph weighted by the absolute
// correlation of their activations over the inputs (their "forward_cov_norm" association, self-loops
// removed), and the statistic is the Girvan–Newman modularity of the best partition found.
//
// The partition comes from Newman's spectral method (2006, PNAS 103:8577, Sec. "Dividing networks into
// more than two communities"), which Lange et al. use to initialise their Monte-Carlo search: start with
// one group of all live units and split a group g by the signs of the leading eigenvector of its
// generalised modularity matrix B⁽ᵍ⁾_ij = B_ij − δ_ij Σ_{k∈g} B_ik whenever that increases the modularity;
// repeat on both halves. We stop there (no Monte-Carlo or Kernighan–Lin refinement), which keeps the value
// deterministic: each group's split depends only on the group, so the order of the splits does not matter.
//   B = A/ΣA − a aᵀ with a the row sums of A/ΣA;  Q = Σ_g Σ_{i,j∈g} B_ij.
// Units with zero variance (dead units) have no edges; like Lange et al. we leave them out of every group,
// where they would contribute nothing to Q anyway.
double neuronModularity(const Representation& r, const char* which, const RunControl& control) {
  return r.memo<double>("statistics:neuron-modularity", [&] {
    const std::size_t d = r.cols();
    const Matrix& cov = r.covariance(Centering::Columns);
    const std::vector<double>& rawNorms = r.columnNorms(Centering::None);
    // A column is dead when its centred norm is roundoff relative to its raw norm (a constant column
    // keeps ~eps·|c| after centring).
    std::vector<double> sd(d);
    std::vector<bool> live(d);
    for (std::size_t j = 0; j < d; ++j) {
      sd[j] = std::sqrt(std::max(0.0, cov(j, j)));
      live[j] = sd[j] > 1e-10 * rawNorms[j];
    }
    Matrix adjacency(d, d);
    double total = 0.0;
    for (std::size_t i = 0; i < d; ++i) {
      checkpoint();
      for (std::size_t j = 0; j < d; ++j) {
        if (i == j || !live[i] || !live[j]) continue;
        adjacency(i, j) = std::min(1.0, std::fabs(cov(i, j)) / (sd[i] * sd[j]));
        total += adjacency(i, j);
      }
    }
    if (!(total > 0.0)) {
      throw Error(ErrorCode::Degenerate,
                  std::string("neuron modularity is undefined for the ") + which +
                      " representation: no two units with non-zero variance are correlated (the unit graph has no edges)");
    }
    std::vector<double> strength(d, 0.0);
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t j = 0; j < d; ++j) {
        adjacency(i, j) /= total;
        strength[i] += adjacency(i, j);
      }
    }
    auto b = [&](std::size_t i, std::size_t j) { return adjacency(i, j) - strength[i] * strength[j]; };

    std::vector<std::vector<std::size_t>> done;
    std::vector<std::vector<std::size_t>> pending(1);
    for (std::size_t j = 0; j < d; ++j) {
      if (live[j]) pending[0].push_back(j);
    }
    while (!pending.empty()) {
      control.throwIfCancelled();  // each split costs an eigendecomposition of the group: O(|g|³)
      std::vector<std::size_t> group = std::move(pending.back());
      pending.pop_back();
      const std::size_t g = group.size();
      if (g < 2) {
        done.push_back(std::move(group));
        continue;
      }
      Matrix bg(g, g);
      for (std::size_t p = 0; p < g; ++p) {
        checkpoint();
        double rowSum = 0.0;
        for (std::size_t q = 0; q < g; ++q) {
          bg(p, q) = b(group[p], group[q]);
          rowSum += bg(p, q);
        }
        bg(p, p) -= rowSum;
      }
      const SymmetricEigen eig = symmetricEigen(bg, true);
      const std::size_t lead = g - 1;  // eigenvalues ascending
      // Orient the eigenvector canonically (its largest-magnitude entry positive, first index on ties) so
      // that exact zeros land on a definite side; the split is otherwise sign-independent.
      std::size_t pivot = 0;
      for (std::size_t p = 1; p < g; ++p) {
        if (std::fabs(eig.vectors(p, lead)) > std::fabs(eig.vectors(pivot, lead))) pivot = p;
      }
      const double orientation = eig.vectors(pivot, lead) < 0.0 ? -1.0 : 1.0;
      std::vector<std::size_t> plus, minus;
      std::vector<int> side(g);
      for (std::size_t p = 0; p < g; ++p) {
        side[p] = orientation * eig.vectors(p, lead) >= 0.0 ? 1 : -1;
        (side[p] > 0 ? plus : minus).push_back(group[p]);
      }
      // ΔQ of the split = −2 Σ_{i∈plus, j∈minus} B_ij (the within-group terms that the split removes).
      double gain = 0.0;
      if (!minus.empty() && eig.values[lead] > 0.0) {
        for (std::size_t p = 0; p < g; ++p) {
          checkpoint();
          for (std::size_t q = 0; q < g; ++q) {
            if (side[p] > 0 && side[q] < 0) gain -= 2.0 * b(group[p], group[q]);
          }
        }
      }
      if (gain > 1e-12) {
        pending.push_back(std::move(plus));
        pending.push_back(std::move(minus));
      } else {
        done.push_back(std::move(group));
      }
    }
    double q = 0.0;
    for (const std::vector<std::size_t>& group : done) {
      double within = 0.0, share = 0.0;
      for (std::size_t i : group) {
        share += strength[i];
        for (std::size_t j : group) within += adjacency(i, j);
      }
      q += within - share * share;
    }
    return q;
  });
}

double neuronModularityDifference(const MeasureContext& ctx) {
  return difference(ctx, [&](const Representation& r, const char* which) {
    return neuronModularity(r, which, ctx.control);
  });
}

// Working memory of each statistic (MemoryEstimate): see the kernels above for what each allocates.
double intrinsicDimensionMemory(const MemoryShape& s, const Options& options) {
  const bool mle = options.choice("estimator") == "mle";
  const auto k = mle ? std::min(static_cast<std::size_t>(options.integer("k")), s.rows) : std::size_t{2};
  return knnMemoryBytes(s.rows, s.colsA, k) + knnMemoryBytes(s.rows, s.colsB, k) + memory::matrix(s.rows, 1) +
         s.float64CopyBytes;  // k-NN reads float32 inputs through float64 copies
}

double noMemory(const MemoryShape&, const Options&) { return 0.0; }

// The squared-distance matrix (and the centred copy it is formed from) of each input, both memoised.
double uniformityMemory(const MemoryShape& s, const Options&) {
  return 2 * memory::matrix(s.rows, s.rows) + memory::matrix(s.rows, s.colsA) + memory::matrix(s.rows, s.colsB);
}

double toleranceMemory(const MemoryShape& s, const Options&) {
  const double classes = s.classes > 0 ? static_cast<double>(s.classes) : static_cast<double>(s.rows);
  return memory::matrix(classes, std::max(s.colsA, s.colsB) + 3.0) + memory::matrix(s.rows, 1) + s.float64CopyBytes;
}

// The k-NN lists, and the graph's adjacency lists (≤ 2k neighbours per input, vector overhead included).
double knnModularityMemory(const MemoryShape& s, const Options& options) {
  const auto k = std::min(static_cast<std::size_t>(options.integer("k")), s.rows);
  const double adjacency = static_cast<double>(s.rows) * (32.0 + 8.0 * static_cast<double>(k));
  const double classes = s.classes > 0 ? static_cast<double>(s.classes) : static_cast<double>(s.rows);
  return knnMemoryBytes(s.rows, s.colsA, k) + knnMemoryBytes(s.rows, s.colsB, k) + adjacency + memory::matrix(s.rows, 1) +
         memory::matrix(classes, 2) + s.float64CopyBytes;
}

// Per input: its D × D covariance (memoised), the unit graph, a group's modularity matrix and its
// eigendecomposition (dsyevr's copy, vectors and workspace).
double neuronModularityMemory(const MemoryShape& s, const Options&) {
  const auto side = [](double d) { return 8 * memory::matrix(d, d) + 2.0 * (1 << 22); };
  return side(static_cast<double>(s.colsA)) + side(static_cast<double>(s.colsB));
}

}  // namespace

const std::vector<MeasureDef>& statisticsMeasures() {
  static const std::vector<MeasureDef> list = {
      MeasureDef("intrinsic-dimension-difference", intrinsicDimensionDifference)
          .withMinRows(3)
          .option(enumOption("estimator", {"twonn", "mle"}, "twonn"))
          .option(integerOption("k", 10).atLeast(2).atMost(kMaxK))  // 'mle' needs N ≥ k + 1
          .withMemory(intrinsicDimensionMemory),
      MeasureDef("magnitude-difference", magnitudeDifference).withScaling(ownScale).withMemory(noMemory),
      MeasureDef("concentricity-difference", concentricityDifference).withMemory(noMemory),
      MeasureDef("uniformity-difference", uniformityDifference)
          .option(numberOption("t", 2.0).above(0.0))
          .withScaling(ownScale)
          .withMemory(uniformityMemory),
      MeasureDef("tolerance-difference", toleranceDifference).withMinRows(2).withLabels().withMemory(toleranceMemory),
      MeasureDef("knn-modularity-difference", knnModularityDifference)
          .withMinRows(2)
          .withLabels()
          .option(integerOption("k", 10).atLeast(1).atMost(kMaxK))  // needs N ≥ k + 1
          .option(enumOption("metric", {"cosine", "euclidean"}, "cosine"))
          .withMemory(knnModularityMemory),
      MeasureDef("neuron-modularity-difference", neuronModularityDifference)
          .withMinRows(2)
          .withMemory(neuronModularityMemory),
  };
  return list;
}

}  // namespace nnsim
