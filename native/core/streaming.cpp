#include "streaming.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <utility>

#include "column_scan.hpp"
#include "linalg.hpp"
#include "measure.hpp"
#include "parallel.hpp"

namespace nnsim {
namespace {

// ---------------------------------------------------------------------------------------------------
// Which measures stream, and what they need

enum class Need { Moments, Diagonals, Means, UnitSums, Minibatch };

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

[[noreturn]] void notStreamable(const std::string& id, const std::string& why) {
  throw Error(ErrorCode::NotStreamable,
              "measure '" + id + "' cannot be accumulated over batches of rows: " + why +
                  ". Streamable measures: " + joined(streamableIds()) +
                  ". Otherwise compare a random subset of the rows in memory (nnsim compare --rows N --seed S), or "
                  "all of them with compare() if they fit in memory");
}

struct CkaSettings {
  bool minibatch = false;
  bool diagonals = false;  // the unbiased and Lange estimators: the linear kernels' diagonal sums too
  CkaKernel kernel = CkaKernel::Linear;
  CkaBandwidth bandwidth;
  std::size_t batch = 256;
};

// Options resolved against the measure's spec (defaults filled, bounds checked: options.hpp).
CkaSettings ckaSettings(const Options& o) {
  const std::string& estimator = o.choice("estimator");
  CkaSettings s;
  s.kernel = ckaKernel(o);
  s.bandwidth = ckaBandwidth(o, s.kernel);
  s.batch = static_cast<std::size_t>(o.integer("batch"));
  s.minibatch = estimator == "minibatch";
  s.diagonals = estimator == "unbiased" || estimator == "lange";
  if (s.kernel != CkaKernel::Linear && !s.minibatch) {
    notStreamable("cka", "an RBF or Laplace kernel needs all N × N pairs of inputs (estimator 'minibatch' evaluates it on "
                         "minibatches)");
  }
  return s;
}

// What measure `id` accumulates, for options resolved against its spec; Error(NotStreamable) when it
// cannot be computed from accumulated statistics.
Need needOf(const std::string& id, const Options& o) {
  if (id == "cka") {
    const CkaSettings s = ckaSettings(o);
    return s.minibatch ? Need::Minibatch : s.diagonals ? Need::Diagonals : Need::Moments;
  }
  if (id == "magnitude-difference") return Need::Means;
  if (id == "concentricity-difference") return Need::UnitSums;
  if (id == "pwcca" && o.choice("directions") != "canonical") {
    notStreamable(id, "directions 'svcca-code' orthogonalises N-dimensional directions (the default 'canonical' streams)");
  }
  if (std::find(streamableIds().begin(), streamableIds().end(), id) == streamableIds().end()) {
    notStreamable(id, "it is not a function of the inputs' means and second moments (it needs all N × N pairs of inputs, "
                      "their neighbourhoods or their full matrices)");
  }
  return Need::Moments;
}

// The options of `id` resolved against its spec (Error(UnknownMeasure) or Error(Option) otherwise).
Options resolvedOptions(const std::string& id, const Options& options) {
  const MeasureDef* def = findMeasure(id);
  if (def == nullptr) throw Error(ErrorCode::UnknownMeasure, "unknown measure '" + id + "'");
  return options.resolved(def->options, "measure '" + id + "'");
}

// ---------------------------------------------------------------------------------------------------
// The measures as functions of the accumulated statistics

// Eigen-decomposition of a D × D second-moment matrix, descending, with the numerical rank: eigenvalues
// above λ_max·D·ε (numpy's matrix_rank rule applied to the matrix itself), or above ε_user²·λ_max when the
// measure's option asks for a coarser rank (singular values of the data above ε_user·σ_max).
struct Spectrum {
  std::vector<double> values;  // descending, negatives (roundoff) clamped to 0
  Matrix vectors;              // column j belongs to values[j]
  std::size_t rank = 0;
};

Spectrum spectrumOf(const Matrix& c, double userEpsilon = -1.0) {
  const SymmetricEigen eig = symmetricEigen(c, true);
  const std::size_t d = c.rows();
  Spectrum s;
  s.values.resize(d);
  s.vectors = Matrix::uninitialized(d, d);
  for (std::size_t j = 0; j < d; ++j) {
    const std::size_t from = d - 1 - j;
    s.values[j] = std::max(0.0, eig.values[from]);
    for (std::size_t i = 0; i < d; ++i) s.vectors(i, j) = eig.vectors(i, from);
  }
  const double top = d > 0 ? s.values[0] : 0.0;
  double tolerance = top * static_cast<double>(d) * std::numeric_limits<double>::epsilon();
  if (userEpsilon >= 0.0) tolerance = std::max(tolerance, userEpsilon * userEpsilon * top);
  while (s.rank < d && s.values[s.rank] > tolerance) ++s.rank;
  return s;
}

// B = V_k diag(gain_j / sqrt(λ_j)) (D × k): with X = U S Vᵀ, X B = U_k diag(gain), so Bᵀ (XᵀY) B' gives the
// products of left singular vectors U_kᵀ U'_k (scaled) without the N-dimensional data.
Matrix scaledBasis(const Spectrum& s, std::size_t k, const std::vector<double>& gain = {}) {
  const std::size_t d = s.vectors.rows();
  Matrix b = Matrix::uninitialized(d, k);
  for (std::size_t j = 0; j < k; ++j) {
    const double f = (gain.empty() ? 1.0 : gain[j]) / std::sqrt(s.values[j]);
    for (std::size_t i = 0; i < d; ++i) b(i, j) = s.vectors(i, j) * f;
  }
  return b;
}

// Bxᵀ C By for bases Bx (Dx × kx), By (Dy × ky) and C (Dx × Dy).
Matrix sandwich(const Matrix& bx, const Matrix& c, const Matrix& by) {
  if (bx.cols() == 0 || by.cols() == 0) return Matrix(bx.cols(), by.cols());
  return multiply(bx, Trans::Yes, multiply(c, Trans::No, by, Trans::No), Trans::No);
}

std::vector<double> clippedSingularValues(const Matrix& m) {
  if (m.rows() == 0 || m.cols() == 0) return {};
  std::vector<double> s = singularValues(m);
  for (double& v : s) v = std::clamp(v, 0.0, 1.0);
  return s;
}

double meanOf(const std::vector<double>& v) {
  if (v.empty()) throw Error(ErrorCode::Degenerate, "no canonical pairs (a representation has rank 0)");
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double trace(const Matrix& m) {
  double t = 0.0;
  for (std::size_t i = 0; i < m.rows(); ++i) t += m(i, i);
  return t;
}

double nuclearNorm(const Matrix& m) {
  const std::vector<double> s = singularValues(m);
  return std::accumulate(s.begin(), s.end(), 0.0);
}

// The statistics in the form the formulas use, with the spectra they share computed once.
class Formulas {
 public:
  Formulas(double n, std::vector<double> meanA, std::vector<double> meanB, const Matrix& joint, std::size_t da,
           std::size_t db)
      : n_(n), meanA_(std::move(meanA)), meanB_(std::move(meanB)) {
    if (joint.rows() == 0) return;
    xx_[0] = Matrix::uninitialized(da, da);
    yy_[0] = Matrix::uninitialized(db, db);
    xy_[0] = Matrix::uninitialized(da, db);
    for (std::size_t i = 0; i < da; ++i) {
      for (std::size_t j = i; j < da; ++j) xx_[0](i, j) = xx_[0](j, i) = joint(i, j);
      for (std::size_t j = 0; j < db; ++j) xy_[0](i, j) = joint(i, da + j);
    }
    for (std::size_t i = 0; i < db; ++i) {
      for (std::size_t j = i; j < db; ++j) yy_[0](i, j) = yy_[0](j, i) = joint(da + i, da + j);
    }
  }

  double n() const { return n_; }
  const std::vector<double>& meanA() const { return meanA_; }
  const std::vector<double>& meanB() const { return meanB_; }

  // XᵀX, YᵀY, XᵀY of the column-centred (centre) or raw data. Raw = centred + n x̄ ȳᵀ: a sum of
  // positive semi-definite terms, no cancellation.
  const Matrix& xx(bool centre) { return product(xx_, centre, meanA_, meanA_); }
  const Matrix& yy(bool centre) { return product(yy_, centre, meanB_, meanB_); }
  const Matrix& xy(bool centre) { return product(xy_, centre, meanA_, meanB_); }

  const Spectrum& spectrumA(bool centre, double epsilon = -1.0) { return spectrum(spectraA_, xx(centre), centre, epsilon); }
  const Spectrum& spectrumB(bool centre, double epsilon = -1.0) { return spectrum(spectraB_, yy(centre), centre, epsilon); }

  // Representation::isConstant on the statistics: an all-zero input (raw), or all rows equal (centred),
  // judged relative to ‖X‖_F² as in the core (1e-13 relative on the norm).
  bool constantA(bool centre) { return constant(xx(true), xx(false), centre); }
  bool constantB(bool centre) { return constant(yy(true), yy(false), centre); }

 private:
  using Cache = std::map<std::string, Spectrum>;

  const Matrix& product(Matrix (&slot)[2], bool centre, const std::vector<double>& ma, const std::vector<double>& mb) {
    if (centre) return slot[0];
    if (slot[1].rows() == 0 && slot[0].rows() > 0) {
      slot[1] = Matrix::copyOf(slot[0]);
      for (std::size_t i = 0; i < ma.size(); ++i) {
        for (std::size_t j = 0; j < mb.size(); ++j) slot[1](i, j) += n_ * ma[i] * mb[j];
      }
    }
    return slot[1];
  }

  const Spectrum& spectrum(Cache& cache, const Matrix& c, bool centre, double epsilon) {
    const std::string key = std::string(centre ? "c" : "r") + std::to_string(epsilon);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, spectrumOf(c, epsilon)).first;
    return it->second;
  }

  static bool constant(const Matrix& centred, const Matrix& raw, bool centre) {
    const double rawNorm = trace(raw);
    if (!centre) return rawNorm == 0.0;
    constexpr double kRelativeFloor = 1e-13;
    return trace(centred) <= kRelativeFloor * kRelativeFloor * rawNorm;
  }

  double n_;
  std::vector<double> meanA_, meanB_;
  Matrix xx_[2], yy_[2], xy_[2];  // [0] centred, [1] raw
  Cache spectraA_, spectraB_;
};

void requireVariance(Formulas& f, bool first, bool centre, const char* measure) {
  if (first ? f.constantA(centre) : f.constantB(centre)) {
    throw Error(ErrorCode::Degenerate, std::string(measure) + " is undefined: the " + (first ? "first" : "second") +
                                           " representation " +
                                           (centre ? "has all rows equal (zero variance after centring)" : "is all zeros"));
  }
}

// Linear CKA (biased, unbiased or Lange; output 'angular' as arccos of the value, whose absolute error
// near 0 is ~1e-8 where the in-memory CKA takes the angle from N × N tiles) by the in-memory formula
// (linearCkaFromSums, rsm.hpp): ‖XᵀY‖_F², ‖XᵀX‖_F², ‖YᵀY‖_F² from the co-moments, the kernels' diagonal
// sums Σs_x = tr XᵀX, Σs_y = tr YᵀY and (accumulated) Σs_x s_y, Σs_x², Σs_y².
double streamedCka(Formulas& f, const KernelDiagonalSums& sums, const Options& o) {
  requireVariance(f, true, true, "CKA");
  requireVariance(f, false, true, "CKA");
  const Matrix& xx = f.xx(true);
  const Matrix& yy = f.yy(true);
  LinearKernelDiagonals d;
  d.n = f.n();
  for (std::size_t j = 0; j < xx.rows(); ++j) d.sumX += xx(j, j);
  for (std::size_t j = 0; j < yy.rows(); ++j) d.sumY += yy(j, j);
  d.sumXY = sums.ab;
  d.sumXX = sums.aa;
  d.sumYY = sums.bb;
  return linearCkaFromSums(frobeniusNormSquared(f.xy(true)), frobeniusNormSquared(xx), frobeniusNormSquared(yy), d, o);
}

// Canonical correlations: singular values of Bxᵀ Cxy By with the whitening bases of the centred inputs
// (Bxᵀ Cxx Bx = I), i.e. of Q_xᵀ Q_y for orthonormal bases of the centred column spaces.
std::vector<double> canonicalCorrelations(Formulas& f, double epsilon, const char* measure) {
  requireVariance(f, true, true, measure);
  requireVariance(f, false, true, measure);
  const Spectrum& sa = f.spectrumA(true, epsilon);
  const Spectrum& sb = f.spectrumB(true, epsilon);
  return clippedSingularValues(sandwich(scaledBasis(sa, sa.rank), f.xy(true), scaledBasis(sb, sb.rank)));
}

double epsilonOption(const Options& o) { return o.has("epsilon") ? o.number("epsilon") : -1.0; }

std::size_t svccaComponents(const Spectrum& s, double n, std::size_t d, const Options& o, const char* which) {
  const double kept = o.number("varianceKept");
  if (o.has("components")) {
    const auto limit = static_cast<std::int64_t>(std::min<double>(n, static_cast<double>(d)));
    const std::int64_t k = o.integer("components");
    if (k > limit) {
      throw Error(ErrorCode::Option, "option 'components' of measure 'svcca' is " + std::to_string(k) + " but the " +
                                         which + " representation has only min(N, D) = " + std::to_string(limit) +
                                         " principal components");
    }
    return std::min<std::size_t>(static_cast<std::size_t>(k), s.rank);
  }
  const double total = std::accumulate(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(s.rank), 0.0);
  double cumulative = 0.0;
  for (std::size_t i = 0; i < s.rank; ++i) {
    cumulative += s.values[i];
    if (cumulative >= kept * total * (1.0 - 1e-14)) return i + 1;
  }
  return s.rank;
}

double streamedSvcca(Formulas& f, const Options& o, std::size_t da, std::size_t db) {
  requireVariance(f, true, true, "SVCCA");
  requireVariance(f, false, true, "SVCCA");
  const Spectrum& sa = f.spectrumA(true);
  const Spectrum& sb = f.spectrumB(true);
  const std::size_t ka = svccaComponents(sa, f.n(), da, o, "first");
  const std::size_t kb = svccaComponents(sb, f.n(), db, o, "second");
  return meanOf(clippedSingularValues(sandwich(scaledBasis(sa, ka), f.xy(true), scaledBasis(sb, kb))));
}

// PWCCA with canonical directions (Morcos et al. 2018, Sec. 2.3; see cca.cpp): α_i = Σ_j |⟨h_i, x_j⟩| with
// ⟨h_i, x_j⟩ = (Uᵀ Bxᵀ Cxx)_ij and Bxᵀ Cxx = diag(sqrt λ) V_rᵀ.
double streamedPwcca(Formulas& f) {
  requireVariance(f, true, true, "PWCCA");
  requireVariance(f, false, true, "PWCCA");
  const Spectrum& sa = f.spectrumA(true);
  const Spectrum& sb = f.spectrumB(true);
  const Matrix k = sandwich(scaledBasis(sa, sa.rank), f.xy(true), scaledBasis(sb, sb.rank));
  if (k.rows() == 0 || k.cols() == 0) throw Error(ErrorCode::Degenerate, "no canonical pairs (a representation has rank 0)");
  const Svd svd = thinSvd(k);  // U: r_x × m
  const std::size_t d = sa.vectors.rows();
  Matrix projections = Matrix::uninitialized(sa.rank, d);
  for (std::size_t i = 0; i < sa.rank; ++i) {
    const double root = std::sqrt(sa.values[i]);
    for (std::size_t j = 0; j < d; ++j) projections(i, j) = root * sa.vectors(j, i);
  }
  const Matrix loadings = multiply(svd.u, Trans::Yes, projections, Trans::No);  // m × D
  double weighted = 0.0;
  double total = 0.0;
  for (std::size_t i = 0; i < svd.s.size(); ++i) {
    double alpha = 0.0;
    for (std::size_t j = 0; j < d; ++j) alpha += std::fabs(loadings(i, j));
    weighted += alpha * std::min(1.0, svd.s[i]);
    total += alpha;
  }
  return weighted / total;
}

// Orthogonal Procrustes distance sqrt(‖X‖² + ‖Y‖² − 2‖XᵀY‖_*) (see alignment.cpp). The statistics hold
// no rows, so near 0 (nearly identical inputs) the closed form keeps an absolute error of about
// sqrt(ε)·‖X‖ that the in-memory measure avoids by forming the aligned residual.
double streamedProcrustes(Formulas& f, bool centre, bool normalize) {
  const double nuclear = nuclearNorm(f.xy(centre));
  const double na = trace(f.xx(centre));
  const double nb = trace(f.yy(centre));
  if (normalize) {
    requireVariance(f, true, centre, "normalized Procrustes");
    requireVariance(f, false, centre, "normalized Procrustes");
    return std::sqrt(std::max(0.0, 2.0 - 2.0 * nuclear / (std::sqrt(na) * std::sqrt(nb))));
  }
  return std::sqrt(std::max(0.0, na + nb - 2.0 * nuclear));
}

double streamedAngularShape(Formulas& f) {
  requireVariance(f, true, true, "angular shape metric");
  requireVariance(f, false, true, "angular shape metric");
  const double cosine = nuclearNorm(f.xy(true)) / (std::sqrt(trace(f.xx(true))) * std::sqrt(trace(f.yy(true))));
  return std::acos(std::clamp(cosine, -1.0, 1.0));
}

// Generalized shape metric (Williams et al. 2021; see alignment.cpp): Z = U diag(ĝ), ĝ ∝ α ŝ + 1 − α, so
// Z_aᵀ Z_b = diag(ĝ_a) B_aᵀ Cxy B_b diag(ĝ_b).
double streamedShapeMetric(Formulas& f, const Options& o) {
  const double alpha = o.number("alpha");
  const bool euclidean = o.choice("distance") == "euclidean";
  requireVariance(f, true, true, "shape metric");
  requireVariance(f, false, true, "shape metric");
  auto gains = [&](const Spectrum& s) {
    const double total = std::accumulate(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(s.rank), 0.0);
    std::vector<double> g(s.rank);
    double norm = 0.0;
    for (std::size_t j = 0; j < s.rank; ++j) {
      g[j] = alpha * std::sqrt(s.values[j] / total) + (1.0 - alpha);
      norm += g[j] * g[j];
    }
    for (double& v : g) v /= std::sqrt(norm);
    return g;
  };
  const Spectrum& sa = f.spectrumA(true);
  const Spectrum& sb = f.spectrumB(true);
  const Matrix m = sandwich(scaledBasis(sa, sa.rank, gains(sa)), f.xy(true), scaledBasis(sb, sb.rank, gains(sb)));
  const double cosine = std::min(1.0, nuclearNorm(m));
  return euclidean ? std::sqrt(std::max(0.0, 2.0 - 2.0 * cosine)) : std::acos(std::max(-1.0, cosine));
}

// R² of predicting the first input from the second (see alignment.cpp). λ = 0: ‖P_Y X_c‖² = ‖B_yᵀ Cyx‖²
// over the numerical rank. Ridge λ > 0: Σ_j w_j (2 − w_j) ‖P_j‖² with ‖P_j‖² = ‖v_jᵀ Cyx‖²/s_j² and
// w_j = s_j²/(s_j² + λ), written (2 − w_j)‖v_jᵀ Cyx‖²/(s_j² + λ) so that null directions stay finite.
double streamedLinearRegression(Formulas& f, const Options& o) {
  requireVariance(f, true, true, "linear regression R²");
  const double lambda = o.number("lambda");
  if (f.constantB(true)) return 0.0;
  const double total = trace(f.xx(true));
  const Spectrum& sb = f.spectrumB(true);
  const Matrix& xy = f.xy(true);  // Dx × Dy
  const std::size_t k = lambda > 0.0 ? sb.values.size() : sb.rank;
  // Row j of Vᵀ Cyx = (Cxy V)ᵀ.
  Matrix v = Matrix::uninitialized(sb.vectors.rows(), k);
  for (std::size_t i = 0; i < v.rows(); ++i) {
    for (std::size_t j = 0; j < k; ++j) v(i, j) = sb.vectors(i, j);
  }
  const Matrix projected = k > 0 ? multiply(xy, Trans::No, v, Trans::No) : Matrix(xy.rows(), 0);  // Dx × k
  double explained = 0.0;
  for (std::size_t j = 0; j < k; ++j) {
    double norm = 0.0;
    for (std::size_t i = 0; i < projected.rows(); ++i) norm += projected(i, j) * projected(i, j);
    const double s2 = sb.values[j];
    explained += lambda > 0.0 ? (2.0 - s2 / (s2 + lambda)) * norm / (s2 + lambda) : norm / s2;
  }
  return std::clamp(explained / total, 0.0, 1.0);
}

double streamedBures(Formulas& f, bool centre) {
  requireVariance(f, true, centre, "Normalized Bures similarity");
  requireVariance(f, false, centre, "Normalized Bures similarity");
  const double value = nuclearNorm(f.xy(centre)) / (std::sqrt(trace(f.xx(centre))) * std::sqrt(trace(f.yy(centre))));
  return std::clamp(value, 0.0, 1.0);
}

// GULP (Boix-Adserà et al. 2022; see rsm.cpp): d² = Σf_a² + Σf_b² − 2‖diag(√f_a) U_aᵀU_b diag(√f_b)‖_F² with
// U_aᵀ U_b = B_aᵀ Cxy B_b. Near 0 the closed form cancels (absolute error ~sqrt(ε)).
double streamedGulp(Formulas& f, const Options& o) {
  const double lambda = o.number("lambda");
  requireVariance(f, true, true, "GULP");
  requireVariance(f, false, true, "GULP");
  double squared = 0.0;
  auto roots = [&](const Spectrum& s) {
    const double total = std::accumulate(s.values.begin(), s.values.begin() + static_cast<std::ptrdiff_t>(s.rank), 0.0);
    std::vector<double> r(s.rank);
    for (std::size_t i = 0; i < s.rank; ++i) {
      const double w = s.values[i] / total;
      const double fi = lambda > 0.0 ? w / (w + lambda) : 1.0;
      r[i] = std::sqrt(fi);
      squared += fi * fi;
    }
    return r;
  };
  const Spectrum& sa = f.spectrumA(true);
  const Spectrum& sb = f.spectrumB(true);
  const Matrix cross = sandwich(scaledBasis(sa, sa.rank, roots(sa)), f.xy(true), scaledBasis(sb, sb.rank, roots(sb)));
  return std::sqrt(std::max(0.0, squared - 2.0 * frobeniusNormSquared(cross)));
}

// An orthonormal basis of the raw (uncentred) column space of X in the coordinates [e, Q_c], e = 1/√n and
// Q_c = X_c B_c the whitened centred data (e ⟂ Q_c). X = 1x̄ᵀ + X_c = [e Q_c] G with
// G = [√n x̄ᵀ; diag(√λ) V_cᵀ], so X has the singular values of the small matrix G, and its column space
// is [e Q_c] times that of G: W = the leading left singular vectors of G up to numpy's rank rule for an
// N × D matrix. Working with G avoids the squared condition number of XᵀX = X_cᵀX_c + n x̄x̄ᵀ, which a
// large mean makes huge.
Matrix rawBasisCoordinates(const Spectrum& centred, const std::vector<double>& mean, double n) {
  const std::size_t d = mean.size();
  Matrix g(1 + centred.rank, d);
  for (std::size_t j = 0; j < d; ++j) g(0, j) = std::sqrt(n) * mean[j];
  for (std::size_t i = 0; i < centred.rank; ++i) {
    const double root = std::sqrt(centred.values[i]);
    for (std::size_t j = 0; j < d; ++j) g(1 + i, j) = root * centred.vectors(j, i);
  }
  const Svd svd = thinSvd(g);
  const std::size_t rank = numericalRank(svd.s, static_cast<std::size_t>(n), d);
  Matrix w = Matrix::uninitialized(g.rows(), rank);
  for (std::size_t i = 0; i < g.rows(); ++i) {
    for (std::size_t j = 0; j < rank; ++j) w(i, j) = svd.u(i, j);
  }
  return w;
}

// Eigenspace overlap (May et al. 2019; see rsm.cpp): ‖U_aᵀU_b‖_F² / max(D, D'). Centred: U_aᵀU_b =
// B_aᵀ Cxy B_b. Raw: U_aᵀU_b = W_aᵀ diag(1, B_aᵀ Cxy B_b) W_b (see rawBasisCoordinates; eᵀQ_c = 0).
double streamedEigenspaceOverlap(Formulas& f, bool centre, std::size_t da, std::size_t db) {
  requireVariance(f, true, centre, "Eigenspace overlap");
  requireVariance(f, false, centre, "Eigenspace overlap");
  const Spectrum& sa = f.spectrumA(true);
  const Spectrum& sb = f.spectrumB(true);
  const Matrix centredOverlap = sandwich(scaledBasis(sa, sa.rank), f.xy(true), scaledBasis(sb, sb.rank));
  double overlap = 0.0;
  if (centre) {
    overlap = frobeniusNormSquared(centredOverlap);
  } else {
    Matrix m(1 + sa.rank, 1 + sb.rank);
    m(0, 0) = 1.0;
    for (std::size_t i = 0; i < sa.rank; ++i) {
      for (std::size_t j = 0; j < sb.rank; ++j) m(1 + i, 1 + j) = centredOverlap(i, j);
    }
    const Matrix wa = rawBasisCoordinates(sa, f.meanA(), f.n());
    const Matrix wb = rawBasisCoordinates(sb, f.meanB(), f.n());
    overlap = frobeniusNormSquared(sandwich(wa, m, wb));
  }
  return std::clamp(overlap / static_cast<double>(std::max(da, db)), 0.0, 1.0);
}

double norm2(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// Concentricity (Wang et al. 2020; see statistics.cpp): the mean over rows of cos(x_i, x̄). As
// cos(x_i, x̄) = (x_i/‖x_i‖)·(x̄/‖x̄‖), the sum over rows is (Σ_i x_i/‖x_i‖)·(x̄/‖x̄‖): linear in the
// accumulated unit-row sum (zero rows contribute 0, as in the in-memory measure).
double concentricityOf(const std::vector<double>& unitSum, const std::vector<double>& mean, double n) {
  const double norm = norm2(mean);
  if (norm == 0.0) return 0.0;
  double s = 0.0;
  for (std::size_t j = 0; j < mean.size(); ++j) s += unitSum[j] * (mean[j] / norm);
  return s / n;
}

// ---------------------------------------------------------------------------------------------------
// Batch passes

// One pass over a batch (scanColumns, column_scan.hpp): every entry finite (else an error naming the
// batch, row and column), the sums of (x − shift) per column, (when asked) the sum of the unit rows
// x_i/‖x_i‖, and the largest |entry| (returned). Rows are split among threads; the per-chunk partial sums
// are added in row order, so the result does not depend on the thread count, and the first bad entry
// reported is the first in row order.
template <class T>
double scanBatch(const T* data, std::size_t rows, std::size_t d, const double* shift, std::vector<double>& sums,
                 std::vector<double>* unitSum, std::size_t batch, const char* which) {
  const std::size_t minRows = std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, d));
  double maxAbs = 0.0;
  struct Partial {
    std::vector<double> sums, units;
    double maxAbs = 0.0;
  };
  orderedReduce(
      rows, minRows,
      [&](std::size_t begin, std::size_t end) {
        Partial p{std::vector<double>(d, 0.0), std::vector<double>(unitSum != nullptr ? d : 0, 0.0), 0.0};
        std::vector<double> columnMax(d, 0.0);
        double* units = p.units.data();
        scanColumns(
            data, begin, end, d, shift, p.sums.data(), columnMax.data(),
            [&](std::size_t i, std::size_t j, double v) {
              throw Error(ErrorCode::NonFinite, "batch " + std::to_string(batch) + " (0-based), row " + std::to_string(i) +
                                                    " of the " + which + " input: column " + std::to_string(j) + " is " +
                                                    (std::isnan(v) ? "NaN" : "infinite") + "; nothing of this batch was added");
            },
            [&](std::size_t, const T* r) {
              if (unitSum == nullptr) return;
              // ‖x_i‖² in four interleaved partial sums (vectorisable, unlike one running sum).
              double part[4] = {0.0, 0.0, 0.0, 0.0};
              std::size_t j = 0;
              for (; j + 4 <= d; j += 4) {
                for (std::size_t k = 0; k < 4; ++k) part[k] += static_cast<double>(r[j + k]) * static_cast<double>(r[j + k]);
              }
              for (; j < d; ++j) part[0] += static_cast<double>(r[j]) * static_cast<double>(r[j]);
              const double norm = (part[0] + part[1]) + (part[2] + part[3]);
              if (norm > 0.0) {
                const double inv = 1.0 / std::sqrt(norm);
                for (std::size_t c = 0; c < d; ++c) units[c] += static_cast<double>(r[c]) * inv;
              }
            });
        for (double m : columnMax) p.maxAbs = std::max(p.maxAbs, m);
        return p;
      },
      [&](const Partial& p) {
        for (std::size_t j = 0; j < d; ++j) sums[j] += p.sums[j];
        if (unitSum != nullptr) {
          for (std::size_t j = 0; j < d; ++j) (*unitSum)[j] += p.units[j];
        }
        maxAbs = std::max(maxAbs, p.maxAbs);
      });
  return maxAbs;
}

// scanBatch of a float64 or float32 batch; returns the exponent for 'single' products (MomentInput).
// Streamed second moments are not rescaled (the accumulator would need one scale for every batch and
// shard), so a batch whose largest |entry| lies outside the range where squares and their sums stay
// finite and normal, [2^-kSafeExponent, 2^kSafeExponent) as in Representation, is refused.
int scanSource(const SourceView& s, const double* shift, std::vector<double>& sums, std::vector<double>* unitSum,
               std::size_t batch, const char* which) {
  const double maxAbs = s.isSingle() ? scanBatch(s.f32(), s.rows, s.cols, shift, sums, unitSum, batch, which)
                                     : scanBatch(s.f64(), s.rows, s.cols, shift, sums, unitSum, batch, which);
  if (maxAbs == 0.0) return 0;
  const int magnitude = std::ilogb(maxAbs);
  if (magnitude < -Representation::kSafeExponent || magnitude >= Representation::kSafeExponent) {
    throw Error(ErrorCode::Numerical,
                "batch " + std::to_string(batch) + " (0-based) of the " + which + " input has entries of magnitude 2^" +
                    std::to_string(magnitude) + ", outside [2^-" + std::to_string(Representation::kSafeExponent) + ", 2^" +
                    std::to_string(Representation::kSafeExponent) +
                    ") where an accumulator's second moments stay finite; multiply the inputs by a power of two first "
                    "(compare() in memory rescales them itself); nothing of this batch was added");
  }
  return magnitude + 1;
}

// The linear kernels' diagonal sums of a batch about the point (centreA, centreB) (its mean), in float64,
// in one pass over its rows; chunk partials are added in row order (the result does not depend on the
// thread count).
KernelDiagonalSums batchDiagonalSums(const SourceView& a, const SourceView& b, const double* centreA, const double* centreB) {
  const std::size_t da = a.cols, db = b.cols;
  KernelDiagonalSums total(da, db);
  const std::size_t minRows = std::max<std::size_t>(1, (std::size_t{1} << 17) / std::max<std::size_t>(1, da + db));
  orderedReduce(
      a.rows, minRows,
      [&](std::size_t begin, std::size_t end) {
        KernelDiagonalSums part(da, db);
        // Rows are centred (in float64) a few at a time into small buffers that stay in cache.
        constexpr std::size_t kRows = 64;
        std::vector<double> va(kRows * da), wb(kRows * db);
        for (std::size_t i = begin; i < end; ++i) {
          const std::size_t k = (i - begin) % kRows;
          if (k == 0) {
            const std::size_t count = std::min(kRows, end - i);
            copyCentredRows(MomentInput{a, centreA}, i, count, va.data(), da, 0);
            copyCentredRows(MomentInput{b, centreB}, i, count, wb.data(), db, 0);
          }
          const double* v = va.data() + k * da;
          const double* w = wb.data() + k * db;
          const double na = dot(v, v, da), nb = dot(w, w, db);
          part.aa += na * na;
          part.bb += nb * nb;
          part.ab += na * nb;
          for (std::size_t j = 0; j < da; ++j) {
            part.av[j] += na * v[j];
            part.bv[j] += nb * v[j];
          }
          for (std::size_t j = 0; j < db; ++j) {
            part.bw[j] += nb * w[j];
            part.aw[j] += na * w[j];
          }
        }
        return part;
      },
      [&](const KernelDiagonalSums& part) { total += part; });
  return total;
}

std::vector<double> firstRow(const SourceView& s) {
  std::vector<double> row(s.cols);
  for (std::size_t j = 0; j < s.cols; ++j) row[j] = s(0, j);
  return row;
}

}  // namespace

KernelDiagonalSums& KernelDiagonalSums::operator+=(const KernelDiagonalSums& o) {
  aa += o.aa;
  bb += o.bb;
  ab += o.ab;
  for (std::size_t j = 0; j < av.size(); ++j) {
    av[j] += o.av[j];
    bv[j] += o.bv[j];
  }
  for (std::size_t j = 0; j < bw.size(); ++j) {
    bw[j] += o.bw[j];
    aw[j] += o.aw[j];
  }
  return *this;
}

const std::vector<std::string>& streamableIds() {
  static const std::vector<std::string> ids = {
      "cka",   "cca-mean", "cca-r2", "svcca", "pwcca", "procrustes", "angular-shape", "shape-metric", "linear-regression",
      "bures", "gulp",     "eigenspace-overlap", "magnitude-difference", "concentricity-difference"};
  return ids;
}

void requireStreamable(const std::string& id, const Options& options) { needOf(id, resolvedOptions(id, options)); }

Accumulator::Accumulator(std::vector<StreamedMeasure> measures, std::size_t colsA, std::size_t colsB, Precision precision)
    : measures_(std::move(measures)), colsA_(colsA), colsB_(colsB), precision_(precision) {
  if (colsA == 0 || colsB == 0) throw Error(ErrorCode::Shape, "an accumulator needs colsA >= 1 and colsB >= 1");
  if (measures_.empty()) throw Error(ErrorCode::Type, "an accumulator needs at least one measure");
  for (std::size_t i = 0; i < measures_.size(); ++i) {
    measures_[i].options = resolvedOptions(measures_[i].id, measures_[i].options);
    const Need need = needOf(measures_[i].id, measures_[i].options);
    if (need == Need::Moments || need == Need::Diagonals) needMoments_ = true;
    if (need == Need::Diagonals) needDiagonals_ = true;
    if (need == Need::UnitSums) needUnitSums_ = true;
    if (need == Need::Minibatch) {
      const CkaSettings s = ckaSettings(measures_[i].options);
      Minibatch m;
      m.measure = i;
      m.kernel = s.kernel;
      m.bandwidth = s.bandwidth;
      m.batch = s.batch;
      minibatches_.push_back(std::move(m));
    }
  }
  requireMemory();
  moments_.shiftA.assign(colsA, 0.0);
  moments_.shiftB.assign(colsB, 0.0);
  moments_.meanA.assign(colsA, 0.0);
  moments_.meanB.assign(colsB, 0.0);
  if (needMoments_) moments_.comoments = Matrix(colsA + colsB, colsA + colsB);
  if (needUnitSums_) {
    moments_.unitSumA.assign(colsA, 0.0);
    moments_.unitSumB.assign(colsB, 0.0);
  }
  if (needDiagonals_) moments_.diagonals = KernelDiagonalSums(colsA, colsB);
}

double Accumulator::workingMemory() const {
  const double width = static_cast<double>(colsA_ + colsB_);
  // The co-moments, a batch's own (push), the mirrored copy and its three blocks (result), and the
  // formulas' eigendecompositions (vectors and LAPACK's copy of each side, D × D).
  double bytes = needMoments_ ? 7.0 * memory::matrix(width, width) : 0.0;
  for (const Minibatch& m : minibatches_) {
    // Waiting rows (kept and copied by a push) and one minibatch's kernels (see cka's estimate in rsm.cpp).
    const double b = static_cast<double>(m.batch);
    bytes += 2.0 * memory::matrix(b, width) + memory::matrix(b, static_cast<double>(std::max(colsA_, colsB_))) +
             (m.kernel != CkaKernel::Linear ? 4.5 : 3.0) * memory::matrix(b, b);
  }
  return bytes;
}

void Accumulator::requireMemory() const {
  const double needed = workingMemory();
  if (needed > memoryLimit()) {
    throw Error(ErrorCode::OutOfMemory,
                "an accumulator of these measures for " + std::to_string(colsA_) + " and " + std::to_string(colsB_) +
                    " columns needs about " + std::to_string(static_cast<long long>(needed / 1e6)) +
                    " MB (its second moments grow with (D + D′)², a minibatch's kernels with the batch size squared), "
                    "more than the memory limit of " + std::to_string(static_cast<long long>(memoryLimit() / 1e6)) +
                    " MB; use fewer columns (e.g. pooling), a smaller 'batch', or raise the limit with configure({ memoryLimit })");
  }
}

void Accumulator::combine(Moments& into, const Moments& from) const {
  if (from.count == 0.0) return;
  if (into.count == 0.0) {
    into.count = from.count;
    into.shiftA = from.shiftA;
    into.shiftB = from.shiftB;
    into.meanA = from.meanA;
    into.meanB = from.meanB;
    if (needMoments_) std::copy_n(from.comoments.data(), from.comoments.size(), into.comoments.data());
    if (needDiagonals_) into.diagonals = from.diagonals;
  } else {
    // δ = mean_from − mean_into, both relative to into's shift: (s_f − s_i) + m_f − m_i.
    const double n = into.count + from.count;
    const double weight = into.count * from.count / n;
    std::vector<double> delta(colsA_ + colsB_);
    for (std::size_t j = 0; j < colsA_; ++j) delta[j] = (from.shiftA[j] - into.shiftA[j]) + from.meanA[j] - into.meanA[j];
    for (std::size_t j = 0; j < colsB_; ++j) {
      delta[colsA_ + j] = (from.shiftB[j] - into.shiftB[j]) + from.meanB[j] - into.meanB[j];
    }
    const double share = from.count / n;
    if (needDiagonals_) {
      // Both sets' sums about the new mean, before into's co-moments change: into's centre moves by
      // share·δ, from's by −(1 − share)·δ.
      std::vector<double> dInto(colsA_), eInto(colsB_), dFrom(colsA_), eFrom(colsB_);
      for (std::size_t j = 0; j < colsA_; ++j) {
        dInto[j] = share * delta[j];
        dFrom[j] = -(into.count / n) * delta[j];
      }
      for (std::size_t j = 0; j < colsB_; ++j) {
        eInto[j] = share * delta[colsA_ + j];
        eFrom[j] = -(into.count / n) * delta[colsA_ + j];
      }
      KernelDiagonalSums merged = shiftedDiagonals(into.diagonals, into.comoments, into.count, dInto, eInto);
      merged += shiftedDiagonals(from.diagonals, from.comoments, from.count, dFrom, eFrom);
      into.diagonals = std::move(merged);
    }
    for (std::size_t j = 0; j < colsA_; ++j) into.meanA[j] += share * delta[j];
    for (std::size_t j = 0; j < colsB_; ++j) into.meanB[j] += share * delta[colsA_ + j];
    if (needMoments_) {
      // M ← M + M_from + w δδᵀ on the upper triangle (Chan, Golub & LeVeque 1979, Eq. 2.1b in matrix form).
      Matrix& m = into.comoments;
      const std::size_t d = m.rows();
      parallelFor(d, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d)), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) {
          double* dst = m.row(i);
          const double* src = from.comoments.row(i);
          const double wi = weight * delta[i];
          for (std::size_t j = i; j < d; ++j) dst[j] += src[j] + wi * delta[j];
        }
      });
    }
    into.count = n;
  }
  if (needUnitSums_) {
    for (std::size_t j = 0; j < colsA_; ++j) into.unitSumA[j] += from.unitSumA[j];
    for (std::size_t j = 0; j < colsB_; ++j) into.unitSumB[j] += from.unitSumB[j];
  }
}

// With v' = v − d, w' = w − e: a' = a − 2v·d + ‖d‖², b' = b − 2w·e + ‖e‖², and Σv = Σw = 0 removes the
// odd terms. With C = Σ[v; w][v; w]ᵀ (blocks Cxx, Cxy, Cyy) and tx = tr Cxx, ty = tr Cyy:
//   Σa'² = Σa² − 4 Σav·d + 2‖d‖²tx + 4 dᵀCxx d + n‖d‖⁴          (Σb'² likewise)
//   Σa'b' = Σab − 2 Σaw·e − 2 Σbv·d + ‖e‖²tx + ‖d‖²ty + 4 dᵀCxy e + n‖d‖²‖e‖²
//   Σa'v' = Σav − tx d − 2 Cxx d − n‖d‖² d                           (Σb'w' likewise)
//   Σb'v' = Σbv − ty d − 2 Cxy e − n‖e‖² d,   Σa'w' = Σaw − tx e − 2 Cyx d − n‖d‖² e
KernelDiagonalSums Accumulator::shiftedDiagonals(const KernelDiagonalSums& sums, const Matrix& comoments, double n,
                                                 const std::vector<double>& d, const std::vector<double>& e) const {
  const std::size_t width = colsA_ + colsB_;
  // C·[d; 0] = [Cxx d; Cyx d] and C·[0; e] = [Cxy e; Cyy e], from the upper triangle.
  std::vector<double> dz(width, 0.0), ez(width, 0.0), cd(width), ce(width);
  std::copy(d.begin(), d.end(), dz.begin());
  std::copy(e.begin(), e.end(), ez.begin() + static_cast<std::ptrdiff_t>(colsA_));
  const int w = blasInt(width, "columns");
  cblas_dsymv(CblasRowMajor, CblasUpper, w, 1.0, comoments.data(), w, dz.data(), 1, 0.0, cd.data(), 1);
  cblas_dsymv(CblasRowMajor, CblasUpper, w, 1.0, comoments.data(), w, ez.data(), 1, 0.0, ce.data(), 1);
  double tx = 0.0, ty = 0.0;
  for (std::size_t j = 0; j < colsA_; ++j) tx += comoments(j, j);
  for (std::size_t j = colsA_; j < width; ++j) ty += comoments(j, j);
  const double dd = dot(d.data(), d.data(), colsA_), ee = dot(e.data(), e.data(), colsB_);
  const double dCd = dot(d.data(), cd.data(), colsA_);            // dᵀCxx d
  const double eCe = dot(e.data(), ce.data() + colsA_, colsB_);   // eᵀCyy e
  const double dCe = dot(d.data(), ce.data(), colsA_);            // dᵀCxy e
  KernelDiagonalSums out(colsA_, colsB_);
  out.aa = sums.aa - 4.0 * dot(sums.av.data(), d.data(), colsA_) + 2.0 * dd * tx + 4.0 * dCd + n * dd * dd;
  out.bb = sums.bb - 4.0 * dot(sums.bw.data(), e.data(), colsB_) + 2.0 * ee * ty + 4.0 * eCe + n * ee * ee;
  out.ab = sums.ab - 2.0 * dot(sums.aw.data(), e.data(), colsB_) - 2.0 * dot(sums.bv.data(), d.data(), colsA_) + ee * tx +
           dd * ty + 4.0 * dCe + n * dd * ee;
  for (std::size_t j = 0; j < colsA_; ++j) {
    out.av[j] = sums.av[j] - tx * d[j] - 2.0 * cd[j] - n * dd * d[j];
    out.bv[j] = sums.bv[j] - ty * d[j] - 2.0 * ce[j] - n * ee * d[j];
  }
  for (std::size_t j = 0; j < colsB_; ++j) {
    out.bw[j] = sums.bw[j] - ty * e[j] - 2.0 * ce[colsA_ + j] - n * ee * e[j];
    out.aw[j] = sums.aw[j] - tx * e[j] - 2.0 * cd[colsA_ + j] - n * dd * e[j];
  }
  return out;
}

void Accumulator::addMinibatchRows(Minibatch& m, SourceView a, SourceView b) const {
  std::size_t at = 0;
  const std::size_t total = a.rows;
  m.pendingA.reserve(m.batch * colsA_);
  m.pendingB.reserve(m.batch * colsB_);
  while (at < total) {
    checkpoint();
    const std::size_t take = std::min(m.batch - m.pendingRows, total - at);
    const std::size_t oldA = m.pendingA.size();
    const std::size_t oldB = m.pendingB.size();
    m.pendingA.resize(oldA + take * colsA_);
    m.pendingB.resize(oldB + take * colsB_);
    copyCentredRows(MomentInput{a, nullptr}, at, take, m.pendingA.data() + oldA, colsA_, 0);
    copyCentredRows(MomentInput{b, nullptr}, at, take, m.pendingB.data() + oldB, colsB_, 0);
    m.pendingRows += take;
    at += take;
    if (m.pendingRows == m.batch) {
      const std::string which = "minibatch " + std::to_string(static_cast<std::size_t>(m.sums.batches));
      m.sums.add(minibatchHsic(MatrixView(m.pendingA.data(), m.batch, colsA_), MatrixView(m.pendingB.data(), m.batch, colsB_),
                               m.kernel, m.bandwidth, m.bandwidth, which));
      m.pendingA.clear();
      m.pendingB.clear();
      m.pendingRows = 0;
    }
  }
}

void Accumulator::push(SourceView a, SourceView b, RunControl* control) {
  if (a.cols != colsA_ || b.cols != colsB_) {
    throw Error(ErrorCode::Shape, "batch " + std::to_string(pushes_) + " has " + std::to_string(a.cols) + " and " +
                                      std::to_string(b.cols) + " columns but the accumulator was created for " +
                                      std::to_string(colsA_) + " and " + std::to_string(colsB_));
  }
  if (a.rows != b.rows) {
    throw Error(ErrorCode::Shape, "batch " + std::to_string(pushes_) + " has " + std::to_string(a.rows) +
                                      " rows in the first input but " + std::to_string(b.rows) +
                                      " in the second; rows are inputs, so both must hold the same inputs");
  }
  if (a.rows == 0) return;
  // The push's cancellation points (checkpoint() in the passes and products) read this control.
  const RunControl::Scope scope(control != nullptr ? control : RunControl::current());
  // Everything of this batch is computed aside; the accumulator changes only once nothing can fail.
  Moments batch;
  batch.count = static_cast<double>(a.rows);
  batch.shiftA = count_ > 0.0 ? moments_.shiftA : firstRow(a);
  batch.shiftB = count_ > 0.0 ? moments_.shiftB : firstRow(b);
  batch.meanA.assign(colsA_, 0.0);
  batch.meanB.assign(colsB_, 0.0);
  if (needUnitSums_) {
    batch.unitSumA.assign(colsA_, 0.0);
    batch.unitSumB.assign(colsB_, 0.0);
  }
  const int exponentA = scanSource(a, batch.shiftA.data(), batch.meanA, needUnitSums_ ? &batch.unitSumA : nullptr, pushes_, "first");
  const int exponentB = scanSource(b, batch.shiftB.data(), batch.meanB, needUnitSums_ ? &batch.unitSumB : nullptr, pushes_, "second");
  for (double& v : batch.meanA) v /= batch.count;
  for (double& v : batch.meanB) v /= batch.count;
  if (needMoments_) {
    // Centred on the batch mean: the co-moments of the batch carry no large-mean cancellation.
    std::vector<double> centreA(colsA_), centreB(colsB_);
    for (std::size_t j = 0; j < colsA_; ++j) centreA[j] = batch.shiftA[j] + batch.meanA[j];
    for (std::size_t j = 0; j < colsB_; ++j) centreB[j] = batch.shiftB[j] + batch.meanB[j];
    // Upper triangle only (combine and the readers mirror it), written by the first block: no zero-fill of
    // a (D + D′)² matrix per push, which for small batches cost as much as the product.
    batch.comoments = momentsOf({MomentInput{a, centreA.data(), exponentA}, MomentInput{b, centreB.data(), exponentB}},
                                precision_);
    if (needDiagonals_) batch.diagonals = batchDiagonalSums(a, b, centreA.data(), centreB.data());
  }
  std::vector<Minibatch> minibatches = minibatches_;
  for (Minibatch& m : minibatches) addMinibatchRows(m, a, b);
  checkpoint();
  // Commit: nothing below can fail (bar a D-sized allocation in combine).
  combine(moments_, batch);
  minibatches_.swap(minibatches);
  count_ = moments_.count;
  ++pushes_;
}

void Accumulator::merge(const Accumulator& other) {
  if (&other == this) {
    throw Error(ErrorCode::State, "an accumulator cannot be merged into itself (that would count every row twice)");
  }
  if (other.colsA_ != colsA_ || other.colsB_ != colsB_) {
    throw Error(ErrorCode::State, "cannot merge an accumulator of " + std::to_string(other.colsA_) + " × " +
                                      std::to_string(other.colsB_) + " columns into one of " + std::to_string(colsA_) +
                                      " × " + std::to_string(colsB_));
  }
  bool same = other.measures_.size() == measures_.size() && other.precision_ == precision_;
  for (std::size_t i = 0; same && i < measures_.size(); ++i) {
    same = other.measures_[i].id == measures_[i].id && other.measures_[i].options == measures_[i].options;
  }
  if (!same) {
    throw Error(ErrorCode::State, "cannot merge accumulators of different measures, options or precision; create every "
                                  "shard's accumulator with the same measures and options");
  }
  std::vector<Minibatch> minibatches = minibatches_;
  for (std::size_t i = 0; i < minibatches.size(); ++i) {
    Minibatch& m = minibatches[i];
    const Minibatch& o = other.minibatches_[i];
    m.sums.xy += o.sums.xy;
    m.sums.xx += o.sums.xx;
    m.sums.yy += o.sums.yy;
    m.sums.batches += o.sums.batches;
    // The other shard's waiting rows continue this shard's last minibatch.
    addMinibatchRows(m, SourceView(MatrixView(o.pendingA.data(), o.pendingRows, colsA_)),
                     SourceView(MatrixView(o.pendingB.data(), o.pendingRows, colsB_)));
  }
  combine(moments_, other.moments_);
  minibatches_.swap(minibatches);
  count_ = moments_.count;
  pushes_ += other.pushes_;
}

std::vector<MeasureOutcome> Accumulator::result() const {
  std::vector<MeasureOutcome> out(measures_.size());
  std::vector<double> meanA(colsA_), meanB(colsB_);
  for (std::size_t j = 0; j < colsA_; ++j) meanA[j] = moments_.shiftA[j] + moments_.meanA[j];
  for (std::size_t j = 0; j < colsB_; ++j) meanB[j] = moments_.shiftB[j] + moments_.meanB[j];
  Matrix joint;
  if (needMoments_) {
    joint = Matrix::copyOf(moments_.comoments);
    mirrorUpper(joint);
  }
  Formulas f(count_, meanA, meanB, joint, colsA_, colsB_);
  // One measure's value from the statistics (errors are thrown and recorded per measure).
  auto valueOf = [&](std::size_t i) -> double {
    const std::string& id = measures_[i].id;
    const Options& o = measures_[i].options;
    const MeasureDef* def = findMeasure(id);
    const std::size_t minRows = def != nullptr ? def->minRows : 1;
    if (count_ < static_cast<double>(std::max<std::size_t>(1, minRows))) {
      throw Error(ErrorCode::TooFewRows, "measure '" + id + "' needs at least " + std::to_string(std::max<std::size_t>(1, minRows)) +
                                             " rows (inputs); " + std::to_string(static_cast<std::size_t>(count_)) +
                                             " were accumulated");
    }
    double value = 0.0;
    if (id == "cka") {
      if (ckaSettings(o).minibatch) {
        const auto it = std::find_if(minibatches_.begin(), minibatches_.end(), [&](const Minibatch& m) { return m.measure == i; });
        MinibatchCkaSums sums = it->sums;
        if (it->pendingRows >= kMinMinibatchRows) {
          // The final partial minibatch counts as one (as a data loader without drop_last would give it).
          sums.add(minibatchHsic(MatrixView(it->pendingA.data(), it->pendingRows, colsA_),
                                 MatrixView(it->pendingB.data(), it->pendingRows, colsB_), it->kernel, it->bandwidth, it->bandwidth,
                                 "the final minibatch"));
        }
        value = sums.value();
        // arccos of the estimate: near 0 its absolute error is ~1e-8.
        if (o.choice("output") == "angular") value = std::acos(value);
      } else {
        value = streamedCka(f, moments_.diagonals, o);
      }
    } else if (id == "cca-mean") {
      value = meanOf(canonicalCorrelations(f, epsilonOption(o), "mean CCA"));
    } else if (id == "cca-r2") {
      std::vector<double> rho = canonicalCorrelations(f, epsilonOption(o), "CCA R²");
      for (double& v : rho) v *= v;
      value = meanOf(rho);
    } else if (id == "svcca") {
      value = streamedSvcca(f, o, colsA_, colsB_);
    } else if (id == "pwcca") {
      value = streamedPwcca(f);
    } else if (id == "procrustes") {
      value = streamedProcrustes(f, o.flag("center"), o.flag("normalize"));
    } else if (id == "angular-shape") {
      value = streamedAngularShape(f);
    } else if (id == "shape-metric") {
      value = streamedShapeMetric(f, o);
    } else if (id == "linear-regression") {
      value = streamedLinearRegression(f, o);
    } else if (id == "bures") {
      value = streamedBures(f, o.flag("center"));
    } else if (id == "gulp") {
      value = streamedGulp(f, o);
    } else if (id == "eigenspace-overlap") {
      value = streamedEigenspaceOverlap(f, o.flag("center"), colsA_, colsB_);
    } else if (id == "magnitude-difference") {
      // ‖x̄‖ (Wang et al. 2020; see statistics.cpp).
      value = std::fabs(norm2(meanA) - norm2(meanB));
    } else if (id == "concentricity-difference") {
      value = std::fabs(concentricityOf(moments_.unitSumA, meanA, count_) - concentricityOf(moments_.unitSumB, meanB, count_));
    } else {
      throw Error(ErrorCode::Internal, "no streamed formula for '" + id + "'");
    }
    return value;
  };
  for (std::size_t i = 0; i < measures_.size(); ++i) {
    const std::string& id = measures_[i].id;
    try {
      out[i].value = valueOf(i);
      if (!isFiniteValue(out[i].value)) throw Error(ErrorCode::Numerical, "'" + id + "' produced a non-finite value");
    } catch (...) {
      out[i].error = std::current_exception();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// State

std::map<std::string, Accumulator::Tensor> Accumulator::state() const {
  std::map<std::string, Tensor> out;
  auto vector = [&](const std::string& name, const std::vector<double>& v) { out[name] = Tensor{{v.size()}, v}; };
  out["count"] = Tensor{{1}, {count_}};
  out["batches"] = Tensor{{1}, {static_cast<double>(pushes_)}};
  vector("shift.a", moments_.shiftA);
  vector("shift.b", moments_.shiftB);
  vector("mean.a", moments_.meanA);
  vector("mean.b", moments_.meanB);
  if (needMoments_) {
    Matrix full = Matrix::copyOf(moments_.comoments);
    mirrorUpper(full);
    out["comoments"] = Tensor{{full.rows(), full.cols()}, std::vector<double>(full.data(), full.data() + full.size())};
  }
  if (needUnitSums_) {
    vector("unit-sum.a", moments_.unitSumA);
    vector("unit-sum.b", moments_.unitSumB);
  }
  if (needDiagonals_) {
    const KernelDiagonalSums& d = moments_.diagonals;
    out["diagonal.sums"] = Tensor{{3}, {d.aa, d.bb, d.ab}};
    vector("diagonal.av", d.av);
    vector("diagonal.bv", d.bv);
    vector("diagonal.bw", d.bw);
    vector("diagonal.aw", d.aw);
  }
  for (std::size_t i = 0; i < minibatches_.size(); ++i) {
    const Minibatch& m = minibatches_[i];
    const std::string prefix = "minibatch." + std::to_string(i) + ".";
    out[prefix + "sums"] = Tensor{{4}, {m.sums.xy, m.sums.xx, m.sums.yy, m.sums.batches}};
    out[prefix + "pending.a"] = Tensor{{m.pendingRows, colsA_}, m.pendingA};
    out[prefix + "pending.b"] = Tensor{{m.pendingRows, colsB_}, m.pendingB};
  }
  return out;
}

void Accumulator::restore(const std::map<std::string, Tensor>& tensors) {
  const std::map<std::string, Tensor> expected = state();  // names and (fixed) shapes of this configuration
  for (const auto& [name, tensor] : tensors) {
    if (expected.count(name) == 0) throw Error(ErrorCode::State, "the state holds an unexpected tensor '" + name + "'");
  }
  auto get = [&](const std::string& name) -> const Tensor& {
    const auto it = tensors.find(name);
    if (it == tensors.end()) throw Error(ErrorCode::State, "the state has no tensor '" + name + "'");
    std::size_t size = 1;
    for (std::size_t d : it->second.shape) size *= d;
    if (size != it->second.values.size()) throw Error(ErrorCode::State, "tensor '" + name + "' does not match its shape");
    for (double v : it->second.values) {
      if (!isFiniteValue(v)) throw Error(ErrorCode::State, "tensor '" + name + "' holds NaN or infinite values");
    }
    const bool pending = name.find(".pending.") != std::string::npos;
    const Tensor& want = expected.at(name);
    const bool shapeOk = pending ? it->second.shape.size() == 2 && it->second.shape[1] == want.shape[1]
                                 : it->second.shape == want.shape;
    if (!shapeOk) throw Error(ErrorCode::State, "tensor '" + name + "' has the wrong shape for this accumulator");
    return it->second;
  };
  Moments m;
  const double count = get("count").values[0];
  const double batches = get("batches").values[0];
  if (count < 0.0 || count != std::floor(count) || batches < 0.0 || batches != std::floor(batches)) {
    throw Error(ErrorCode::State, "the state's row or batch count is not a non-negative integer");
  }
  m.count = count;
  m.shiftA = get("shift.a").values;
  m.shiftB = get("shift.b").values;
  m.meanA = get("mean.a").values;
  m.meanB = get("mean.b").values;
  if (needMoments_) {
    const Tensor& c = get("comoments");
    m.comoments = Matrix(c.shape[0], c.shape[1], c.values);
    for (std::size_t i = 0; i < m.comoments.rows(); ++i) {
      if (m.comoments(i, i) < 0.0) throw Error(ErrorCode::State, "the state's co-moments have a negative diagonal");
    }
  }
  if (needUnitSums_) {
    m.unitSumA = get("unit-sum.a").values;
    m.unitSumB = get("unit-sum.b").values;
  }
  if (needDiagonals_) {
    const std::vector<double>& sums = get("diagonal.sums").values;
    if (sums[0] < 0.0 || sums[1] < 0.0 || sums[2] < 0.0) {
      throw Error(ErrorCode::State, "the state's kernel diagonal sums are negative");
    }
    m.diagonals.aa = sums[0];
    m.diagonals.bb = sums[1];
    m.diagonals.ab = sums[2];
    m.diagonals.av = get("diagonal.av").values;
    m.diagonals.bv = get("diagonal.bv").values;
    m.diagonals.bw = get("diagonal.bw").values;
    m.diagonals.aw = get("diagonal.aw").values;
  }
  std::vector<Minibatch> minibatches = minibatches_;
  for (std::size_t i = 0; i < minibatches.size(); ++i) {
    Minibatch& mb = minibatches[i];
    const std::string prefix = "minibatch." + std::to_string(i) + ".";
    const Tensor& sums = get(prefix + "sums");
    const Tensor& pa = get(prefix + "pending.a");
    const Tensor& pb = get(prefix + "pending.b");
    if (pa.shape[0] != pb.shape[0] || pa.shape[0] >= mb.batch || sums.values[3] < 0.0 ||
        sums.values[3] != std::floor(sums.values[3])) {
      throw Error(ErrorCode::State, "minibatch state " + std::to_string(i) + " is inconsistent");
    }
    mb.sums = MinibatchCkaSums{sums.values[0], sums.values[1], sums.values[2], sums.values[3]};
    mb.pendingRows = pa.shape[0];
    mb.pendingA = pa.values;
    mb.pendingB = pb.values;
  }
  moments_ = std::move(m);
  minibatches_.swap(minibatches);
  count_ = count;
  pushes_ = static_cast<std::size_t>(batches);
}

}  // namespace nnsim
