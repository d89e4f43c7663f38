// Alignment-based measures that match neurons to neurons: optimal assignment (hard correlation match,
// permutation Procrustes), optimal transport (soft matching) and subspace matching (maximum match).
// Registered under the alignment family; kept apart from alignment.cpp (rotations) for readability.
//
// A "neuron" is a column of a representation: its activation vector over the N inputs.
#include <algorithm>
#include <cmath>
#include <string>

#include "assignment.hpp"
#include "measure.hpp"
#include "transport.hpp"

namespace nnsim {
namespace {

// Below this share of the largest column norm (or of the raw column norm, after centring) a column
// is treated as zero: float64 does not resolve variation that small in the raw values.
constexpr double kRelativeFloor = 1e-13;
constexpr std::size_t kNoSize = static_cast<std::size_t>(-1);

// Xᵀ Y (D × D') of the raw or column-centred data: neuron-by-neuron inner products.
const Matrix& neuronInnerProducts(const RepresentationPair& pair, Centering c) {
  return pair.memo<Matrix>(std::string("matching:inner:") + centeringName(c), [&] {
    const Representation& a = pair.a();
    const Representation& b = pair.b();
    const std::vector<double> none;
    const MatrixView y = b.raw();
    return centeredCrossProduct(a.raw(), c == Centering::Columns ? a.columnMeans() : none, &y,
                                c == Centering::Columns ? b.columnMeans() : none);
  });
}

// Whether each column of data(Columns) is constant: its centred norm is at the roundoff level of its
// raw norm (centring a constant column leaves ~eps·|x| residue).
std::vector<char> constantColumns(const Representation& r) {
  const std::vector<double>& centred = r.columnNorms(Centering::Columns);
  const std::vector<double>& raw = r.columnNorms(Centering::None);
  std::vector<char> out(r.cols());
  for (std::size_t j = 0; j < r.cols(); ++j) out[j] = centred[j] <= kRelativeFloor * raw[j];
  return out;
}

// Pearson correlations between the neurons of the two representations (D × D'), as in Li et al. 2016
// §2.1 and ReSi's HardCorrelationMatch: centred columns, cosine similarity, clipped to [−1, 1]. A constant neuron has
// no defined correlation; following ReSi (sklearn's normalisation leaves a zero vector at zero) its
// correlations are 0. A representation whose neurons are all constant is an error (nothing to match).
const Matrix& neuronCorrelations(const RepresentationPair& pair) {
  return pair.memo<Matrix>("matching:correlation", [&] {
    const Representation& a = pair.a();
    const Representation& b = pair.b();
    const std::vector<char> constA = constantColumns(a), constB = constantColumns(b);
    if (std::all_of(constA.begin(), constA.end(), [](char c) { return c != 0; })) {
      throw Error(ErrorCode::Degenerate, "correlation match is undefined: every neuron of the first representation is constant");
    }
    if (std::all_of(constB.begin(), constB.end(), [](char c) { return c != 0; })) {
      throw Error(ErrorCode::Degenerate, "correlation match is undefined: every neuron of the second representation is constant");
    }
    const Matrix& inner = neuronInnerProducts(pair, Centering::Columns);
    const std::vector<double>& na = a.columnNorms(Centering::Columns);
    const std::vector<double>& nb = b.columnNorms(Centering::Columns);
    Matrix corr(a.cols(), b.cols());
    for (std::size_t i = 0; i < a.cols(); ++i) {
      checkpoint();
      if (constA[i]) continue;
      for (std::size_t j = 0; j < b.cols(); ++j) {
        if (constB[j]) continue;
        corr(i, j) = std::clamp(inner(i, j) / (na[i] * nb[j]), -1.0, 1.0);
      }
    }
    return corr;
  });
}

// Li, Yosinski, Clune, Lipson, Hopcroft 2016, "Convergent learning", §3: hard = mean correlation of the
// optimal one-to-one (bipartite) matching of neurons, min(D, D') pairs, maximising the signed
// correlation as ReSi does; soft = each neuron's best correlation, averaged over the neurons of both
// representations ((mean of row maxima + mean of column maxima) / 2, ReSi's symmetrisation).
double correlationMatch(const MeasureContext& ctx) {
  const std::string mode = ctx.options.choice("mode");
  const Matrix& corr = neuronCorrelations(ctx.pair);
  const std::size_t da = corr.rows(), db = corr.cols();
  if (mode == "hard") {
    const Assignment matching = solveAssignment(corr, Objective::Maximize, &ctx.control);
    return matching.total / static_cast<double>(matching.rows.size());
  }
  double rowSum = 0.0;
  std::vector<double> colMax(db, -2.0);
  for (std::size_t i = 0; i < da; ++i) {
    double rowMax = -2.0;
    for (std::size_t j = 0; j < db; ++j) {
      rowMax = std::max(rowMax, corr(i, j));
      colMax[j] = std::max(colMax[j], corr(i, j));
    }
    rowSum += rowMax;
  }
  double colSum = 0.0;
  for (double v : colMax) colSum += v;
  return 0.5 * (rowSum / static_cast<double>(da) + colSum / static_cast<double>(db));
}

// ‖x_i − y_j‖² of column i of X and column j of Y by direct differences: exact to ~eps·‖x_i − y_j‖²,
// where the Gram expansion ‖x‖² + ‖y‖² − 2xᵀy loses everything for nearly equal neurons.
double columnDistanceSquared(MatrixView x, std::size_t i, MatrixView y, std::size_t j) {
  double s = 0.0;
  for (std::size_t r = 0; r < x.rows; ++r) {
    const double d = x(r, i) - y(r, j);
    s += d * d;
  }
  return s;
}

// Permutation Procrustes (Williams et al. 2021, §2 with the permutation group; ReSi's PermutationProcrustes):
// min over permutations P of ‖X P − Y‖_F, the narrower input zero-padded to max(D, D') columns.
// The optimal P maximises tr(Pᵀ Xᵀ Y) (a linear assignment on Xᵀ Y); a padded zero column matches
// anything at no gain, so the assignment runs on the rectangular D × D' matrix and every unmatched
// neuron contributes its squared norm. The residual is summed from direct differences, so identical
// inputs give 0 to roundoff rather than sqrt(eps)·‖X‖.
double permutationProcrustes(const MeasureContext& ctx) {
  const MatrixView x = ctx.a().raw(), y = ctx.b().raw();
  const Matrix& inner = neuronInnerProducts(ctx.pair, Centering::None);
  const Assignment matching = solveAssignment(inner, Objective::Maximize, &ctx.control);
  std::vector<char> usedA(x.cols, 0), usedB(y.cols, 0);
  double residual = 0.0;
  for (std::size_t k = 0; k < matching.rows.size(); ++k) {
    checkpoint();
    usedA[matching.rows[k]] = usedB[matching.cols[k]] = 1;
    residual += columnDistanceSquared(x, matching.rows[k], y, matching.cols[k]);
  }
  const std::vector<double>& na = ctx.a().columnNorms(Centering::None);
  const std::vector<double>& nb = ctx.b().columnNorms(Centering::None);
  for (std::size_t i = 0; i < x.cols; ++i) residual += usedA[i] ? 0.0 : na[i] * na[i];
  for (std::size_t j = 0; j < y.cols; ++j) residual += usedB[j] ? 0.0 : nb[j] * nb[j];
  return std::sqrt(residual);
}

// Soft matching distance (Khosla & Williams 2023, Eq. 3): the 2-Wasserstein distance between the two
// sets of neurons as uniform point clouds in ℝᴺ,
//   d(X, Y) = sqrt( min_{T ∈ 𝒯(D, D')} Σ_ij T_ij ‖x_i − y_j‖² ),
// 𝒯 the D × D' couplings with row sums 1/D and column sums 1/D'. For D = D' the optimal T is a
// permutation / D (Birkhoff), so the value is permutation-procrustes / sqrt(D). Solved exactly as an
// integer transportation problem; the cost of the optimal plan is then re-summed from direct differences.
double softMatching(const MeasureContext& ctx) {
  const MatrixView x = ctx.a().raw(), y = ctx.b().raw();
  const Matrix& inner = neuronInnerProducts(ctx.pair, Centering::None);
  const std::vector<double>& na = ctx.a().columnNorms(Centering::None);
  const std::vector<double>& nb = ctx.b().columnNorms(Centering::None);
  Matrix cost(x.cols, y.cols);
  for (std::size_t i = 0; i < x.cols; ++i) {
    checkpoint();
    for (std::size_t j = 0; j < y.cols; ++j) cost(i, j) = std::max(0.0, na[i] * na[i] + nb[j] * nb[j] - 2.0 * inner(i, j));
  }
  double total = 0.0;
  double mass = 0.0;
  if (x.cols == y.cols) {
    // Equal sizes: an optimal vertex of the Birkhoff polytope is a permutation, so the exact
    // assignment solver (several times faster than the general flow) gives the same optimum.
    const Assignment matching = solveAssignment(cost, Objective::Minimize, &ctx.control);
    for (std::size_t k = 0; k < matching.rows.size(); ++k) {
      checkpoint();
      total += columnDistanceSquared(x, matching.rows[k], y, matching.cols[k]);
    }
    mass = static_cast<double>(x.cols);
  } else {
    const TransportPlan plan = solveUniformTransport(cost, &ctx.control);
    for (const TransportEdge& e : plan.edges) {
      checkpoint();
      total += static_cast<double>(e.flow) * columnDistanceSquared(x, e.row, y, e.col);
      mass += static_cast<double>(e.flow);
    }
  }
  return std::sqrt(total / mass);
}

// Columns `keep` of X as an N × |keep| matrix.
Matrix selectColumns(MatrixView x, const std::vector<std::size_t>& keep) {
  Matrix out(x.rows, keep.size());
  for (std::size_t r = 0; r < x.rows; ++r) {
    for (std::size_t k = 0; k < keep.size(); ++k) out(r, k) = x(r, keep[k]);
  }
  return out;
}

// Orthonormal basis of span(columns `keep` of `other`): left singular vectors above numpy's
// matrix_rank tolerance (the original code projects by lstsq with rcond=None, the same numerical rank
// decision). All columns: the representation's shared, memoised basis.
Matrix spanBasis(const Representation& other, const std::vector<std::size_t>& keep) {
  if (keep.size() == other.cols()) return Matrix::copyOf(other.columnSpaceBasis(Centering::None));
  const Matrix span = selectColumns(other.raw(), keep);
  const Svd svd = thinSvd(span);
  const std::size_t rank = numericalRank(svd.s, span.rows(), span.cols());
  Matrix basis = Matrix::uninitialized(span.rows(), rank);
  for (std::size_t r = 0; r < span.rows(); ++r) {
    for (std::size_t k = 0; k < rank; ++k) basis(r, k) = svd.u(r, k);
  }
  return basis;
}

// Keeps the neurons of `from` (indices `keep`) whose distance to span(columns `spanOf` of `other`) is
// at most epsilon times their norm.
void pruneBySpan(const Representation& from, std::vector<std::size_t>& keep, const Representation& other,
                 const std::vector<std::size_t>& spanOf, double epsilon) {
  if (keep.empty()) return;
  if (spanOf.empty()) {
    keep.clear();
    return;
  }
  const Matrix basis = spanBasis(other, spanOf);
  Matrix vectors = selectColumns(from.raw(), keep);
  if (basis.cols() > 0) {
    const Matrix coefficients = multiply(basis, Trans::Yes, vectors, Trans::No);
    gemm(Trans::No, Trans::No, -1.0, basis, coefficients, 1.0, vectors);  // residuals x − Q Qᵀ x
  }
  const std::vector<double>& norms = from.columnNorms(Centering::None);
  std::vector<std::size_t> kept;
  for (std::size_t k = 0; k < keep.size(); ++k) {
    double s = 0.0;
    for (std::size_t r = 0; r < vectors.rows(); ++r) s += vectors(r, k) * vectors(r, k);
    if (std::sqrt(s) <= epsilon * norms[keep[k]]) kept.push_back(keep[k]);
  }
  keep.swap(kept);
}

// Maximum match similarity (Wang et al. 2018, "Towards understanding learning representations: to what
// extent do different neural networks learn the same representation", NeurIPS, Def. 2 and Alg. 1).
// (X', Y') is an ε-approximate match when every neuron of X' is within ε‖x‖ of span(Y') and every
// neuron of Y' within ε‖y‖ of span(X'). The union of matches is a match, so a unique maximum match
// exists; it is the fixed point of repeatedly removing the neurons that violate the condition,
// starting from all neurons (each removal is forced: no match can contain a violating neuron). The
// similarity is (|X*| + |Y*|) / (D + D'). Neurons are the raw (uncentred) activation vectors, as in the
// paper; an all-zero neuron spans nothing and is never matched (it still counts in D).
double maximumMatch(const MeasureContext& ctx) {
  const double epsilon = ctx.options.number("epsilon");
  const std::vector<double>& na = ctx.a().columnNorms(Centering::None);
  const std::vector<double>& nb = ctx.b().columnNorms(Centering::None);
  auto nonZero = [](const std::vector<double>& norms) {
    const double largest = *std::max_element(norms.begin(), norms.end());
    std::vector<std::size_t> keep;
    for (std::size_t j = 0; j < norms.size(); ++j) {
      if (norms[j] > kRelativeFloor * largest) keep.push_back(j);
    }
    return keep;
  };
  std::vector<std::size_t> keepX = nonZero(na), keepY = nonZero(nb);
  // Whether x survives depends only on span(Y′), so X is pruned again only after Y′ shrank (and
  // vice versa); the loop ends when neither side changed since the other was last pruned against it.
  std::size_t ySizeSeen = kNoSize, xSizeSeen = kNoSize;
  while (keepY.size() != ySizeSeen || keepX.size() != xSizeSeen) {
    ctx.control.throwIfCancelled();
    if (keepY.size() != ySizeSeen) {
      ySizeSeen = keepY.size();
      pruneBySpan(ctx.a(), keepX, ctx.b(), keepY, epsilon);
    }
    if (keepX.size() != xSizeSeen) {
      xSizeSeen = keepX.size();
      pruneBySpan(ctx.b(), keepY, ctx.a(), keepX, epsilon);
    }
  }
  return static_cast<double>(keepX.size() + keepY.size()) / static_cast<double>(na.size() + nb.size());
}

// Working memory (MemoryEstimate). The neuron-to-neuron matrices (inner products, correlations or
// costs, D × D′) and the assignment or transport solver's arrays over the D·D′ edges (about six
// numbers per edge).
double neuronMatrixMemory(const MemoryShape& s, const Options&) {
  return 8 * memory::matrix(static_cast<double>(s.colsA), static_cast<double>(s.colsB)) + 2.0 * (1 << 22) +
         s.float64CopyBytes;  // float32 inputs are read through float64 copies
}

// Each round: the retained neurons of one input (N × |keep|), the SVD of the other's retained span
// and the projection coefficients.
double maximumMatchMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), d = static_cast<double>(std::max(s.colsA, s.colsB));
  return memory::matrix(n, d) + memory::thinSvd(n, d) + memory::matrix(n, std::min(n, d)) + 2 * memory::matrix(n, d) +
         s.float64CopyBytes;
}

}  // namespace

const std::vector<MeasureDef>& matchingMeasures() {
  static const std::vector<MeasureDef> list = {
      MeasureDef("correlation-match", correlationMatch)
          .withMinRows(2)
          .option(enumOption("mode", {"hard", "soft"}, "hard"))
          .withMemory(neuronMatrixMemory),
      MeasureDef("permutation-procrustes", permutationProcrustes).withScaling(homogeneousOfDegree1).withMemory(neuronMatrixMemory),
      MeasureDef("soft-matching", softMatching).withScaling(homogeneousOfDegree1).withMemory(neuronMatrixMemory),
      MeasureDef("maximum-match", maximumMatch)
          .option(numberOption("epsilon", 0.25).above(0.0).atMost(1.0))
          .withMemory(maximumMatchMemory),
  };
  return list;
}

}  // namespace nnsim
