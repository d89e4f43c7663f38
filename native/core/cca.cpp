// CCA-based measures: canonical correlations between the two representations.
//
// Canonical correlations are computed the numerically stable way (Björck & Golub 1973): with Q_x, Q_y
// orthonormal bases of the column spaces of the column-centred X and Y, the canonical correlations are
// the singular values of Q_xᵀ Q_y (the cosines of the principal angles between the two spaces). Nothing
// is inverted, so ill-conditioned covariances cost accuracy only in the bases, not in the correlations.
//
// Rank deficiency: each basis spans only the numerically non-null directions (numericalRank of the
// centred data: numpy's matrix_rank rule by default, or singular values above epsilon·σ_max), so there
// are min(r_x, r_y) canonical pairs and the mean measures average over those. Directions of zero
// variance (constant neurons, exactly collinear neurons) carry no canonical pair. When N ≤ D + 1 the
// centred data spans all of 1⊥ and every canonical correlation is 1: CCA has as many parameters as
// inputs and fits anything (the well-known N < D degeneracy; use svcca to reduce dimensions first).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include "measure.hpp"

namespace nnsim {
namespace {

void requireVariance(const Representation& r, const char* which, const char* measure) {
  if (r.isConstant(Centering::Columns)) {
    throw Error(ErrorCode::Degenerate, std::string(measure) + " is undefined: the " + which +
                                           " representation has all rows equal (zero variance after centring)");
  }
}

std::string numberKey(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

// The first k columns of the left singular vectors of the centred data (an orthonormal N × k matrix).
Matrix leadingLeftVectors(const Representation& r, std::size_t k) {
  const Svd& svd = r.svd(Centering::Columns);
  Matrix out = Matrix::uninitialized(r.rows(), k);
  for (std::size_t i = 0; i < r.rows(); ++i) {
    for (std::size_t j = 0; j < k; ++j) out(i, j) = svd.u(i, j);
  }
  return out;
}

// Rank of the centred data: numpy's rule (epsilon < 0) or singular values above epsilon·σ_max.
std::size_t centredRank(const Representation& r, double epsilon) {
  const Svd& svd = r.svd(Centering::Columns);
  return numericalRank(svd.s, r.rows(), r.cols(), epsilon);
}

// Orthonormal basis of the centred column space at the given rank tolerance (shared with other
// subspace measures when the default tolerance is used).
const Matrix& centredBasis(const Representation& r, double epsilon) {
  if (epsilon < 0.0) return r.columnSpaceBasis(Centering::Columns);
  return r.memo<Matrix>("cca:basis:" + numberKey(epsilon),
                        [&] { return leadingLeftVectors(r, centredRank(r, epsilon)); });
}

// Singular values of Q_xᵀ Q_y, clipped to [0, 1] (roundoff can exceed 1 by a few ulps).
std::vector<double> principalCosines(MatrixView qx, MatrixView qy) {
  if (qx.cols == 0 || qy.cols == 0) return {};
  const Matrix cross = multiply(qx, Trans::Yes, qy, Trans::No);
  std::vector<double> rho = singularValues(cross);
  for (double& v : rho) v = std::min(1.0, std::max(0.0, v));
  return rho;
}

// rank tolerance option: absent → numpy's matrix_rank rule.
double epsilonOption(const Options& options) {
  return options.has("epsilon") ? options.number("epsilon", 0.0, 0.0, 1.0, false, true) : -1.0;
}

// Canonical correlations of the column-centred pair, descending; min(r_x, r_y) values.
const std::vector<double>& canonicalCorrelations(const MeasureContext& ctx, const char* measure) {
  const double epsilon = epsilonOption(ctx.options);
  requireVariance(ctx.a(), "first", measure);
  requireVariance(ctx.b(), "second", measure);
  return ctx.pair.memo<std::vector<double>>("cca:correlations:" + numberKey(epsilon), [&] {
    return principalCosines(centredBasis(ctx.a(), epsilon).view(), centredBasis(ctx.b(), epsilon).view());
  });
}

double mean(const std::vector<double>& v) {
  if (v.empty()) throw Error(ErrorCode::Degenerate, "no canonical pairs (a representation has rank 0)");
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Mean canonical correlation ρ̄ = (1/m) Σ ρ_i (survey Eq. "mean CCA", Raghu et al. 2017), m = min(r_x, r_y).
double ccaMean(const MeasureContext& ctx) { return mean(canonicalCorrelations(ctx, "mean CCA")); }

// Yanai's generalized coefficient of determination R²_CCA = (1/m) Σ ρ_i² (Yanai 1974; Kornblith et al.
// 2019, Table 1): the mean squared canonical correlation.
double ccaR2(const MeasureContext& ctx) {
  const std::vector<double>& rho = canonicalCorrelations(ctx, "CCA R²");
  std::vector<double> squared(rho.size());
  std::transform(rho.begin(), rho.end(), squared.begin(), [](double v) { return v * v; });
  return mean(squared);
}

// SVCCA (Raghu et al. 2017): keep the top-k principal directions of each centred representation, then
// the mean canonical correlation between the two PC subspaces. CCA only sees the column space of the
// PC scores U_k S_k, which is span(U_k), so the correlations are the singular values of U_xkᵀ U_yk.
//   varianceKept v: the smallest k whose leading components explain ≥ v of the total variance Σσ²
//                   (the paper's 99% rule, applied as intended; ReSi's k = 1 bug is §8.1).
//   components k:   a fixed number of components (takes precedence over varianceKept).
// k never exceeds the numerical rank: null directions have no variance to keep.
std::size_t svccaComponents(const Representation& r, const Options& options, const char* which) {
  const Svd& svd = r.svd(Centering::Columns);
  const std::size_t rank = numericalRank(svd.s, r.rows(), r.cols());
  if (options.has("components")) {
    const std::int64_t limit = static_cast<std::int64_t>(std::min(r.rows(), r.cols()));
    const std::int64_t k = options.integer("components", 1, 1, 1 << 30);
    if (k > limit) {
      throw Error(ErrorCode::Option, "option 'components' of measure 'svcca' is " + std::to_string(k) + " but the " +
                                         which + " representation has only min(N, D) = " + std::to_string(limit) +
                                         " principal components");
    }
    return std::min<std::size_t>(static_cast<std::size_t>(k), rank);
  }
  const double kept = options.number("varianceKept", 0.99, 0.0, 1.0, true, false);
  double total = 0.0;
  for (std::size_t i = 0; i < rank; ++i) total += svd.s[i] * svd.s[i];
  double cumulative = 0.0;
  for (std::size_t i = 0; i < rank; ++i) {
    cumulative += svd.s[i] * svd.s[i];
    // Relative slack of a few ulps so that varianceKept = 1 selects the full rank despite roundoff.
    if (cumulative >= kept * total * (1.0 - 1e-14)) return i + 1;
  }
  return rank;
}

double svcca(const MeasureContext& ctx) {
  requireVariance(ctx.a(), "first", "SVCCA");
  requireVariance(ctx.b(), "second", "SVCCA");
  const std::size_t ka = svccaComponents(ctx.a(), ctx.options, "first");
  const std::size_t kb = svccaComponents(ctx.b(), ctx.options, "second");
  const Matrix ua = leadingLeftVectors(ctx.a(), ka);
  const Matrix ub = leadingLeftVectors(ctx.b(), kb);
  return mean(principalCosines(ua.view(), ub.view()));
}

}  // namespace

const std::vector<MeasureDef>& ccaMeasures() {
  static const std::vector<MeasureDef> list = {
      {"cca-mean", ccaMean, 2, false},
      {"cca-r2", ccaR2, 2, false},
      {"svcca", svcca, 2, false},
  };
  return list;
}

}  // namespace nnsim
