// RSM-based measures: compare the inputs' similarity structure (kernels, distance matrices).
//
// Every N × N object (kernels, centred kernels, distance matrices, condensed RDMs, their ranks,
// factors of hat operators) is memoised on its Representation, so compareMany over several measures
// of this family builds each one once per input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "distances.hpp"
#include "errors.hpp"
#include "measure.hpp"

namespace nnsim {
namespace {

const char* which(const MeasureContext& ctx, const Representation& r) { return &r == &ctx.a() ? "first" : "second"; }

void requireVariance(const MeasureContext& ctx, const Representation& r, Centering c, const char* measure) {
  if (r.isConstant(c)) {
    throw Error(ErrorCode::Degenerate,
                std::string(measure) + " is undefined: the " + which(ctx, r) + " representation " +
                    (c == Centering::Columns ? "has all rows equal (zero variance after centring)" : "is all zeros"));
  }
}

// Shortest round-trip spelling of a number, for memo keys of option-dependent quantities.
std::string keyNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

double frobeniusInner(MatrixView a, MatrixView b) { return dot(a.data, b.data, a.size()); }

// H K H with H = I − 11ᵀ/N (the centring of the biased HSIC, Gretton et al. 2005).
Matrix doubleCentered(MatrixView k) {
  const std::size_t n = k.rows;
  std::vector<double> rowMeans(n, 0.0);
  double grand = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (std::size_t j = 0; j < n; ++j) s += k(i, j);
    rowMeans[i] = s / static_cast<double>(n);
    grand += s;
  }
  grand /= static_cast<double>(n) * static_cast<double>(n);
  Matrix out = Matrix::uninitialized(n, n);
  // K symmetric: column means equal row means.
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) out(i, j) = k(i, j) - rowMeans[i] - rowMeans[j] + grand;
  }
  return out;
}

// U-centring (Székely & Rizzo 2014, Def. 1): zero the diagonal, then for i ≠ j
//   K̃_ij = K_ij − r_i/(N−2) − r_j/(N−2) + S/((N−1)(N−2)),  r = row sums, S = total (diagonal excluded),
// and 0 on the diagonal. ⟨K̃, L̃⟩_F / (N(N−3)) is the unbiased HSIC of Song et al. 2012 (Eq. 5), and
// ⟨·,·⟩ on U-centred matrices is an inner product, so the unbiased CKA lies in [−1, 1].
Matrix uCentered(MatrixView k) {
  const std::size_t n = k.rows;
  const double nd = static_cast<double>(n);
  std::vector<double> rowSums(n, 0.0);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) s += k(i, j);
    }
    rowSums[i] = s;
    total += s;
  }
  Matrix out = Matrix::uninitialized(n, n);
  const double constant = total / ((nd - 1.0) * (nd - 2.0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      out(i, j) = i == j ? 0.0 : k(i, j) - (rowSums[i] + rowSums[j]) / (nd - 2.0) + constant;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CKA (Kornblith et al. 2019)

// Median Euclidean distance over the distinct pairs i < j: the RBF bandwidth unit ("σ as a fraction
// of the median distance between examples", Kornblith et al. 2019 §6.1).
double medianDistance(const Representation& r) {
  return r.memo<double>("rsm:median-distance", [&] {
    const Matrix& d = euclideanDistances(r);
    const std::size_t n = r.rows();
    std::vector<double> values;
    values.reserve(n * (n - 1) / 2);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) values.push_back(d(i, j));
    }
    const std::size_t m = values.size();
    const std::size_t mid = m / 2;
    std::nth_element(values.begin(), values.begin() + mid, values.end());
    double median = values[mid];
    if (m % 2 == 0) median = 0.5 * (median + *std::max_element(values.begin(), values.begin() + mid));
    return median;
  });
}

// RBF kernel exp(−‖x_i − x_j‖² / (2σ²)) with σ = sigmaScale · median distance.
const Matrix& rbfKernel(const MeasureContext& ctx, const Representation& r, double sigmaScale) {
  return r.memo<Matrix>("rsm:rbf-kernel:" + keyNumber(sigmaScale), [&] {
    const double median = medianDistance(r);
    if (!(median > 0.0)) {
      throw Error(ErrorCode::Degenerate, std::string("RBF CKA is undefined: in the ") + which(ctx, r) +
                                             " representation at least half of the pairs of inputs coincide, so the "
                                             "median distance (the bandwidth unit) is 0");
    }
    const double sigma = sigmaScale * median;
    const double scale = -1.0 / (2.0 * sigma * sigma);
    Matrix k = Matrix::copyOf(squaredEuclideanDistances(r));
    for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] = std::exp(scale * k.data()[i]);
    return k;
  });
}

const Matrix& centeredRbfKernel(const MeasureContext& ctx, const Representation& r, double sigma, bool unbiased) {
  return r.memo<Matrix>(std::string(unbiased ? "rsm:rbf-kernel-u-centered:" : "rsm:rbf-kernel-centered:") + keyNumber(sigma),
                        [&] {
                          const Matrix& k = rbfKernel(ctx, r, sigma);
                          return unbiased ? uCentered(k) : doubleCentered(k);
                        });
}

// ‖x_i‖² of the column-centred rows: the diagonal of the centred linear kernel.
const std::vector<double>& centeredRowSquaredNorms(const Representation& r) {
  return r.memo<std::vector<double>>("rsm:centered-row-squared-norms", [&] {
    const MatrixView x = r.data(Centering::Columns);
    std::vector<double> s(x.rows);
    for (std::size_t i = 0; i < x.rows; ++i) s[i] = dot(x.row(i), x.row(i), x.cols);
    return s;
  });
}

// N(N−3)·HSIC_u(XXᵀ, YYᵀ) for column-centred X, Y, in feature space (Song et al. 2012, Eq. 5). With
// centred data K1 = 0, so with s = diag(K): tr(K̃L̃) = ‖XᵀY‖_F² − s_x·s_y, 1ᵀK̃1 = −Σs_x and
// 1ᵀK̃L̃1 = s_x·s_y. (U-centring removes additive row/column terms, so centring first changes nothing.)
double linearUnbiasedHsic(double crossSquaredNorm, const std::vector<double>& sx, const std::vector<double>& sy) {
  const double n = static_cast<double>(sx.size());
  const double diagonal = dot(sx.data(), sy.data(), sx.size());
  const double sumX = std::accumulate(sx.begin(), sx.end(), 0.0);
  const double sumY = std::accumulate(sy.begin(), sy.end(), 0.0);
  return crossSquaredNorm - diagonal + sumX * sumY / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * diagonal;
}

// CKA = HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)) (Kornblith et al. 2019, Eq. 3).
// Linear, biased: ‖YᵀX‖_F² / (‖XᵀX‖_F ‖YᵀY‖_F) on centred inputs (Eq. 4), from the pair's feature-space
// or row-space factors. RBF: N × N kernels with σ relative to the median distance, so the measure stays
// invariant to isotropic scaling. Unbiased: Song et al. 2012's HSIC estimator (needs N ≥ 4).
double cka(const MeasureContext& ctx) {
  const std::string kernel = ctx.options.choice("kernel", "linear", {"linear", "rbf"});
  const std::string estimator = ctx.options.choice("estimator", "biased", {"biased", "unbiased"});
  const double sigma = ctx.options.number("sigma", 1.0, 0.0, 1e6, true);
  const bool unbiased = estimator == "unbiased";
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, Centering::Columns, "CKA");
  if (unbiased && ctx.pair.rows() < 4) {
    throw Error(ErrorCode::TooFewRows, "the unbiased HSIC estimator needs at least 4 inputs (rows); got " +
                                           std::to_string(ctx.pair.rows()));
  }
  double cross, selfA, selfB;
  if (kernel == "linear" && !unbiased) {
    cross = ctx.pair.crossSquaredNorm(Centering::Columns);
    selfA = ctx.a().covarianceSquaredNorm(Centering::Columns);
    selfB = ctx.b().covarianceSquaredNorm(Centering::Columns);
  } else if (kernel == "linear") {
    const auto& sx = centeredRowSquaredNorms(ctx.a());
    const auto& sy = centeredRowSquaredNorms(ctx.b());
    cross = linearUnbiasedHsic(ctx.pair.crossSquaredNorm(Centering::Columns), sx, sy);
    selfA = linearUnbiasedHsic(ctx.a().covarianceSquaredNorm(Centering::Columns), sx, sx);
    selfB = linearUnbiasedHsic(ctx.b().covarianceSquaredNorm(Centering::Columns), sy, sy);
  } else {
    const Matrix& ka = centeredRbfKernel(ctx, ctx.a(), sigma, unbiased);
    const Matrix& kb = centeredRbfKernel(ctx, ctx.b(), sigma, unbiased);
    cross = frobeniusInner(ka, kb);
    selfA = frobeniusInner(ka, ka);
    selfB = frobeniusInner(kb, kb);
  }
  if (!(selfA > 0.0) || !(selfB > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("CKA is undefined: the ") + (selfA > 0.0 ? "second" : "first") +
                                           " representation has zero HSIC with itself under this estimator");
  }
  const double value = cross / (std::sqrt(selfA) * std::sqrt(selfB));
  return std::clamp(value, unbiased ? -1.0 : 0.0, 1.0);
}

}  // namespace

const std::vector<MeasureDef>& rsmMeasures() {
  static const std::vector<MeasureDef> list = {
      {"cka", cka, 2, false},
  };
  return list;
}

}  // namespace nnsim
