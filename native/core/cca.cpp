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
#include <lapacke.h>

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
    if ((i & 0xff) == 0) checkpoint();
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

// Q_xᵀ Q_y (default rank rule) for the pair: the one N-sized product of the CCA family, shared by the
// canonical correlations and PWCCA's canonical directions.
const Matrix& basisCross(const RepresentationPair& pair) {
  return pair.memo<Matrix>("cca:basis-cross", [&] {
    const Matrix& qx = pair.a().columnSpaceBasis(Centering::Columns);
    const Matrix& qy = pair.b().columnSpaceBasis(Centering::Columns);
    return multiply(qx, Trans::Yes, qy, Trans::No);
  });
}

// SVD of Q_xᵀ Q_y for PWCCA: U holds the first input's canonical directions in its basis coordinates.
// The correlations alone need only the singular values (a third of the work; canonicalCorrelations).
const Svd& canonicalSvd(const RepresentationPair& pair) {
  return pair.memo<Svd>("cca:canonical-svd", [&] { return thinSvd(basisCross(pair)); });
}

// rank tolerance option: absent → numpy's matrix_rank rule.
double epsilonOption(const Options& options) {
  return options.has("epsilon") ? options.number("epsilon") : -1.0;
}

// Canonical correlations of the column-centred pair, descending; min(r_x, r_y) values.
const std::vector<double>& canonicalCorrelations(const MeasureContext& ctx, const char* measure) {
  const double epsilon = epsilonOption(ctx.options);
  requireVariance(ctx.a(), "first", measure);
  requireVariance(ctx.b(), "second", measure);
  return ctx.pair.memo<std::vector<double>>("cca:correlations:" + numberKey(epsilon), [&] {
    if (epsilon < 0.0) {
      const Matrix& cross = basisCross(ctx.pair);
      if (cross.rows() == 0 || cross.cols() == 0) return std::vector<double>{};
      std::vector<double> rho = singularValues(cross.view());
      for (double& v : rho) v = std::min(1.0, std::max(0.0, v));
      return rho;
    }
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
//                   (the paper's 99% rule, applied as intended; ReSi keeps k = 1 whenever ‖X_c‖_F² > 1.0101).
//   components k:   a fixed number of components (takes precedence over varianceKept).
// k never exceeds the numerical rank: null directions have no variance to keep.
std::size_t svccaComponents(const Representation& r, const Options& options, const char* which) {
  const double kept = options.number("varianceKept");
  const Svd& svd = r.svd(Centering::Columns);
  const std::size_t rank = numericalRank(svd.s, r.rows(), r.cols());
  if (options.has("components")) {
    const std::int64_t limit = static_cast<std::int64_t>(std::min(r.rows(), r.cols()));
    const std::int64_t k = options.integer("components");
    if (k > limit) {
      throw Error(ErrorCode::Option, "option 'components' of measure 'svcca' is " + std::to_string(k) + " but the " +
                                         which + " representation has only min(N, D) = " + std::to_string(limit) +
                                         " principal components");
    }
    return std::min<std::size_t>(static_cast<std::size_t>(k), rank);
  }
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


// Projection-weighted CCA (Morcos, Raghu, Bengio 2018, Sec. 2.3): ρ̄_PW = Σ α_i ρ_i / Σ α_i with
// α_i = Σ_j |⟨h_i, x_j⟩|, h_i the i-th (unit-norm) canonical variate of the first input and x_j its
// j-th neuron: canonical pairs that account for more of the first input's neurons weigh more.
// The canonical variates are h_i = Q_x u_i from Q_xᵀQ_y = U S Vᵀ, so ⟨h_i, x_j⟩ = (Uᵀ Q_xᵀ X_c)_ij, and
// Q_xᵀ X_c = S_r V_rᵀ from the SVD of X_c (Q_x = U_r): no N-sized product. h_i ⟂ 1, so centred and
// uncentred neurons give the same weights (translation-invariant). When rank X > rank Y, the first
// input's extra canonical directions have correlation 0 and are not unique; they are left out, as
// the canonical pairs are min(r_x, r_y).
double pwccaCanonical(const MeasureContext& ctx) {
  const Representation& x = ctx.a();
  const std::size_t rx = x.columnSpaceBasis(Centering::Columns).cols();
  const Svd& pairSvd = canonicalSvd(ctx.pair);  // U: r_x × k
  const std::size_t k = pairSvd.s.size();
  if (k == 0) throw Error(ErrorCode::Degenerate, "no canonical pairs (a representation has rank 0)");
  const Svd& dataSvd = x.svd(Centering::Columns);
  Matrix projections = Matrix::uninitialized(rx, x.cols());  // Q_xᵀ X_c = S_r V_rᵀ
  for (std::size_t i = 0; i < rx; ++i) {
    for (std::size_t j = 0; j < x.cols(); ++j) projections(i, j) = dataSvd.s[i] * dataSvd.vt(i, j);
  }
  const Matrix loadings = multiply(pairSvd.u, Trans::Yes, projections, Trans::No);  // k × D: ⟨h_i, x_j⟩
  double weighted = 0.0;
  double total = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    double alpha = 0.0;
    for (std::size_t j = 0; j < x.cols(); ++j) alpha += std::fabs(loadings(i, j));
    weighted += alpha * std::min(1.0, pairSvd.s[i]);
    total += alpha;
  }
  return weighted / total;
}

// U (m × m), s, Vᵀ (n × n) of a row-major m × n matrix by dgesdd with jobz = 'A' on its column-major
// copy: the same call numpy.linalg.svd makes, so singular vectors come out with the same signs. The
// svcca-code PWCCA below depends on those signs (see there).
struct FullSvd {
  Matrix u;
  std::vector<double> s;
  Matrix vt;
};
FullSvd fullSvdLikeNumpy(const Matrix& a) {
  const std::size_t m = a.rows();
  const std::size_t n = a.cols();
  std::vector<double> colMajor(m * n);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) colMajor[j * m + i] = a(i, j);
  }
  std::vector<double> u(m * m), vt(n * n);
  FullSvd out;
  out.s.assign(std::min(m, n), 0.0);
  const lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'A', static_cast<lapack_int>(m), static_cast<lapack_int>(n),
                                         colMajor.data(), static_cast<lapack_int>(m), out.s.data(), u.data(),
                                         static_cast<lapack_int>(m), vt.data(), static_cast<lapack_int>(n));
  if (info != 0) throw Error(ErrorCode::Numerical, "dgesdd did not converge (info " + std::to_string(info) + ")");
  out.u = Matrix(m, m);
  out.vt = Matrix(n, n);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < m; ++j) out.u(i, j) = u[j * m + i];
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) out.vt(i, j) = vt[j * n + i];
  }
  return out;
}

// Google's svcca pwcca.py as ReSi runs it, for parity: the whitened cross-
// covariance Σxx^{-1/2} Σxy Σyy^{-1/2} (covariances rescaled by their largest entry, which cancels) has
// SVD U S Vᵀ; the "directions" are X_c u_i + μ_i·1 — not whitened, and with the i-th neuron's mean added
// to the i-th direction — orthonormalised by QR into P, and α_i = Σ_j |⟨P_i, x_j⟩| over the *uncentred*
// neurons. Because μ_i is added to ±X_c u_i, the value depends on the sign LAPACK gives each singular
// vector, which is why the SVD call mirrors numpy's exactly. Needs full column rank on both sides
// (hence D, D′ < N), as ReSi does. When D > D′ ReSi raises IndexError (it indexes the first input with
// the second's mask); this follows the code's evident intent instead: directions and weights from the
// second input, with Vᵀ.
double pwccaSvccaCode(const MeasureContext& ctx) {
  const std::size_t n = ctx.pair.rows();
  for (const Representation* r : {&ctx.a(), &ctx.b()}) {
    const std::size_t rank = numericalRank(r->svd(Centering::Columns).s, r->rows(), r->cols());
    if (rank < r->cols()) {
      throw Error(ErrorCode::Degenerate,
                  std::string("PWCCA with directions: 'svcca-code' needs full column rank (linearly independent, "
                              "non-constant neurons and D < N); the ") +
                      (r == &ctx.a() ? "first" : "second") + " representation has rank " + std::to_string(rank) +
                      " < D = " + std::to_string(r->cols()) + ". Use the default directions: 'canonical'.");
    }
  }
  const double scale = 1.0 / static_cast<double>(n - 1);
  Matrix sxx = Matrix::copyOf(ctx.a().covariance(Centering::Columns));
  Matrix syy = Matrix::copyOf(ctx.b().covariance(Centering::Columns));
  Matrix sxy = multiply(ctx.a().data(Centering::Columns), Trans::Yes, ctx.b().data(Centering::Columns), Trans::No);
  auto maxAbs = [](const Matrix& m) {
    double v = 0.0;
    for (std::size_t i = 0; i < m.size(); ++i) v = std::max(v, std::fabs(m.data()[i]));
    return v;
  };
  const double xmax = maxAbs(sxx) * scale;
  const double ymax = maxAbs(syy) * scale;
  for (std::size_t i = 0; i < sxx.size(); ++i) sxx.data()[i] *= scale / xmax;
  for (std::size_t i = 0; i < syy.size(); ++i) syy.data()[i] *= scale / ymax;
  const double crossScale = scale / std::sqrt(xmax * ymax);
  for (std::size_t i = 0; i < sxy.size(); ++i) sxy.data()[i] *= crossScale;
  const Matrix kxx = symmetricFunction(sxx, [](double v) { return 1.0 / std::sqrt(v); });
  const Matrix kyy = symmetricFunction(syy, [](double v) { return 1.0 / std::sqrt(v); });
  const Matrix whitened = multiply(multiply(kxx, Trans::No, sxy, Trans::No), Trans::No, kyy, Trans::No);
  const FullSvd svd = fullSvdLikeNumpy(whitened);
  const bool firstSide = ctx.a().cols() <= ctx.b().cols();
  const Representation& side = firstSide ? ctx.a() : ctx.b();
  const std::size_t d = side.cols();
  // Directions X_c w_i + μ_i·1, w_i = column i of U (or row i of Vᵀ on the second side).
  Matrix coefficients(d, d);
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < d; ++j) coefficients(i, j) = firstSide ? svd.u(i, j) : svd.vt(j, i);
  }
  Matrix directions = multiply(side.data(Centering::Columns), Trans::No, coefficients, Trans::No);  // N × d
  const std::vector<double>& means = side.columnMeans();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) directions(i, j) += means[j];
  }
  const Qr qr = thinQr(directions);
  const Matrix loadings = multiply(qr.q, Trans::Yes, side.raw(), Trans::No);  // d × d: ⟨P_i, x_j⟩
  double weighted = 0.0;
  double total = 0.0;
  for (std::size_t i = 0; i < d; ++i) {
    double alpha = 0.0;
    for (std::size_t j = 0; j < d; ++j) alpha += std::fabs(loadings(i, j));
    weighted += alpha * std::min(1.0, std::fabs(svd.s[i]));
    total += alpha;
  }
  return weighted / total;
}

double pwcca(const MeasureContext& ctx) {
  const std::string directions = ctx.options.choice("directions");
  requireVariance(ctx.a(), "first", "PWCCA");
  requireVariance(ctx.b(), "second", "PWCCA");
  return directions == "canonical" ? pwccaCanonical(ctx) : pwccaSvccaCode(ctx);
}

// Working memory (MemoryEstimate): per input the centred SVD and a column-space basis (N × r), the
// r_a × r_b product of the bases and its SVD; PWCCA's 'svcca-code' directions add the D × D
// covariances, whitening and full SVD, and the N × D directions with their QR factor.
double ccaMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
  const double ra = std::min(n, da), rb = std::min(n, db);
  return memory::centredSvd(n, da) + memory::centredSvd(n, db) + memory::matrix(n, ra + rb) + memory::matrix(ra, rb) +
         memory::thinSvd(ra, rb);
}

double pwccaMemory(const MemoryShape& s, const Options& options) {
  const double d = static_cast<double>(std::max(s.colsA, s.colsB));
  const double extra = options.choice("directions") == "svcca-code"
                           ? 12 * memory::matrix(d, d) + 4 * memory::matrix(static_cast<double>(s.rows), d)
                           : 0.0;
  // Its loadings read the uncentred inputs (float64 copies of float32 ones); it needs D, D′ < N.
  const bool loadings = options.choice("directions") == "svcca-code" && d < static_cast<double>(s.rows);
  return ccaMemory(s, options) + extra + (loadings ? s.float64CopyBytes : 0.0);
}

}  // namespace

const std::vector<MeasureDef>& ccaMeasures() {
  // Relative rank tolerance; absent: numpy's matrix_rank rule (see epsilonOption).
  static const OptionSpec epsilon = numberOption("epsilon").atLeast(0.0).below(1.0);
  static const std::vector<MeasureDef> list = {
      MeasureDef("cca-mean", ccaMean).withMinRows(2).option(epsilon).withMemory(ccaMemory),
      MeasureDef("cca-r2", ccaR2).withMinRows(2).option(epsilon).withMemory(ccaMemory),
      MeasureDef("svcca", svcca)
          .withMinRows(2)
          .option(numberOption("varianceKept", 0.99).above(0.0).atMost(1.0))
          .option(integerOption("components").atLeast(1).atMost(1 << 30))  // optional: overrides varianceKept
          .withMemory(ccaMemory),
      MeasureDef("pwcca", pwcca)
          .withMinRows(2)
          .option(enumOption("directions", {"canonical", "svcca-code"}, "canonical"))
          .withMemory(pwccaMemory),
  };
  return list;
}

}  // namespace nnsim
