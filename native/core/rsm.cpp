// RSM-based measures: compare the inputs' similarity structure (kernels, distance matrices).
//
// Every N × N object (kernels, centred kernels, distance matrices, condensed RDMs, their ranks,
// factors of hat operators) is memoised on its Representation, so compareMany over several measures
// of this family builds each one once per input.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "detachable.hpp"
#include "distances.hpp"
#include "errors.hpp"
#include "measure.hpp"
#include "random.hpp"
#include "rsm.hpp"
#include "run_control.hpp"
#include "sorting.hpp"

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

// Round-trip (%.17g) spelling of a number, for memo keys of option-dependent quantities.
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
    checkpoint();
    double s = 0.0;
    for (std::size_t j = 0; j < n; ++j) s += k(i, j);
    rowMeans[i] = s / static_cast<double>(n);
    grand += s;
  }
  grand /= static_cast<double>(n) * static_cast<double>(n);
  Matrix out = Matrix::uninitialized(n, n);
  // K symmetric: column means equal row means.
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
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
    checkpoint();
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
    checkpoint();
    for (std::size_t j = 0; j < n; ++j) {
      out(i, j) = i == j ? 0.0 : k(i, j) - (rowSums[i] + rowSums[j]) / (nd - 2.0) + constant;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CKA (Kornblith et al. 2019)

// Median Euclidean distance over the distinct pairs i < j: the unit of the relative bandwidth ("σ as a
// fraction of the median distance between examples", Kornblith et al. 2019 §6.1).
double medianDistance(const Representation& r) {
  return r.memo<double>("rsm:median-distance", [&] {
    const Matrix& d = euclideanDistances(r);
    const std::size_t n = r.rows();
    std::vector<double> values;
    values.reserve(n * (n - 1) / 2);
    for (std::size_t i = 0; i < n; ++i) {
      checkpoint();
      for (std::size_t j = i + 1; j < n; ++j) values.push_back(d(i, j));
    }
    const std::size_t m = values.size();
    const std::size_t mid = m / 2;
    nthElementWithCheckpoints(values.begin(), values.begin() + mid, values.end(), std::less<double>());
    double median = values[mid];
    if (m % 2 == 0) median = 0.5 * (median + *std::max_element(values.begin(), values.begin() + mid));
    return median;
  });
}

enum class Estimator { Biased, Unbiased, Lange, Minibatch };

const char* kernelName(CkaKernel k) { return k == CkaKernel::Rbf ? "rbf" : k == CkaKernel::Laplace ? "laplace" : "linear"; }

}  // namespace

CkaKernel ckaKernel(const Options& options) {
  const std::string& kernel = options.choice("kernel");
  return kernel == "rbf" ? CkaKernel::Rbf : kernel == "laplace" ? CkaKernel::Laplace : CkaKernel::Linear;
}

CkaBandwidth ckaBandwidth(const Options& options, CkaKernel kernel) {
  const double sigma = options.number("sigma");
  if (!options.has("bandwidth")) return {false, sigma};
  if (kernel == CkaKernel::Linear) {
    throw Error(ErrorCode::Option, "option 'bandwidth' applies to the 'rbf' and 'laplace' kernels, not to the linear kernel");
  }
  if (sigma != 1.0) {
    throw Error(ErrorCode::Option, "give either 'sigma' (relative to the median distance) or 'bandwidth' (absolute), not both");
  }
  return {true, options.number("bandwidth")};
}

namespace {

// An absolute bandwidth is in the units of the caller's inputs: it follows the representation to the
// scale it computes at (the magnitude rule; ckaScaling). A relative one is returned as it is. `name` says
// which representation in errors.
CkaBandwidth bandwidthAtScale(const char* name, const Representation& r, CkaKernel kernel, CkaBandwidth bandwidth) {
  if (!bandwidth.absolute) return bandwidth;
  const double sigma = std::ldexp(bandwidth.value, -r.scaleExponent());
  if (!(sigma > 0.0) || !std::isfinite(sigma)) {
    throw Error(ErrorCode::Numerical, std::string(kernelName(kernel)) + " CKA: the bandwidth " + keyNumber(bandwidth.value) +
                                          " is outside the double range relative to the " + name +
                                          " representation's entries: rescale the inputs or the bandwidth");
  }
  return {true, sigma};
}

// Radial kernel of one representation: RBF exp(−‖x_i − x_j‖² / (2σ²)) or Laplace exp(−‖x_i − x_j‖ / σ).
const Matrix& radialKernel(const char* name, const Representation& r, CkaKernel kernel, CkaBandwidth bandwidth) {
  double sigma = bandwidth.value;
  if (bandwidth.absolute) {
    sigma = bandwidthAtScale(name, r, kernel, bandwidth).value;
  } else {
    const double median = medianDistance(r);
    if (!(median > 0.0)) {
      throw Error(ErrorCode::Degenerate, std::string(kernelName(kernel)) + " CKA is undefined: in the " + name +
                                             " representation at least half of the pairs of inputs coincide, so the "
                                             "median distance (the bandwidth unit) is 0; give an absolute 'bandwidth'");
    }
    sigma *= median;
  }
  return r.memo<Matrix>(std::string("rsm:") + kernelName(kernel) + "-kernel:" + keyNumber(sigma), [&] {
    if (kernel == CkaKernel::Laplace) {
      Matrix k = Matrix::copyOf(euclideanDistances(r));
      for (std::size_t i = 0; i < k.rows(); ++i) {
        checkpoint();
        for (double* v = k.row(i); v != k.row(i) + k.cols(); ++v) *v = std::exp(-*v / sigma);
      }
      return k;
    }
    const double scale = -1.0 / (2.0 * sigma * sigma);
    Matrix k = Matrix::copyOf(squaredEuclideanDistances(r));
    for (std::size_t i = 0; i < k.rows(); ++i) {
      checkpoint();
      for (double* v = k.row(i); v != k.row(i) + k.cols(); ++v) *v = std::exp(scale * *v);
    }
    return k;
  });
}

// A radial kernel of one representation mapped into the space whose Frobenius inner product is the HSIC
// of the estimator (up to a constant factor): biased HKH (Gretton et al. 2005), unbiased the U-centred
// kernel (Song et al. 2012), Lange HKH with its diagonal set to 0. CKA is the cosine of the angle
// between two such matrices, and its arccos the angle.
const Matrix& estimatorMatrix(const char* name, const Representation& r, CkaKernel kernel, CkaBandwidth bandwidth,
                              Estimator estimator) {
  const char* form = estimator == Estimator::Biased ? "centered" : estimator == Estimator::Unbiased ? "u-centered" : "lange";
  const std::string scale = (bandwidth.absolute ? ":abs:" : ":rel:") + keyNumber(bandwidth.value);
  return r.memo<Matrix>(std::string("rsm:") + kernelName(kernel) + "-" + form + scale, [&] {
    const Matrix& k = radialKernel(name, r, kernel, bandwidth);
    if (estimator == Estimator::Unbiased) return uCentered(k);
    Matrix out = doubleCentered(k);
    if (estimator == Estimator::Lange) {
      for (std::size_t i = 0; i < out.rows(); ++i) out(i, i) = 0.0;
    }
    return out;
  });
}

// ‖x_i‖² of the column-centred rows: the diagonal of the centred linear kernel.
const std::vector<double>& centeredRowSquaredNorms(const Representation& r) {
  return r.memo<std::vector<double>>("rsm:centered-row-squared-norms", [&] {
    std::vector<double> s(r.rows());
    r.forEachRowBlock(Centering::Columns, [&](MatrixView x, std::size_t first) {
      for (std::size_t i = 0; i < x.rows; ++i) s[first + i] = dot(x.row(i), x.row(i), x.cols);
    });
    return s;
  });
}

// N(N−3)·HSIC_u(XXᵀ, YYᵀ) for column-centred X, Y, in feature space (Song et al. 2012, Eq. 5). With
// centred data K1 = 0, so with s = diag(K): tr(K̃L̃) = ‖XᵀY‖_F² − s_x·s_y, 1ᵀK̃1 = −Σs_x and
// 1ᵀK̃L̃1 = s_x·s_y. (U-centring removes additive row/column terms, so centring first changes nothing.)
double linearUnbiasedHsic(double crossSquaredNorm, double diagonal, double sumX, double sumY, double n) {
  return crossSquaredNorm - diagonal + sumX * sumY / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * diagonal;
}

void requireUnbiasedRows(double n) {
  if (n < 4.0) {
    throw Error(ErrorCode::TooFewRows, "the unbiased HSIC estimator needs at least 4 inputs (rows); got " +
                                           std::to_string(static_cast<std::size_t>(n)));
  }
}

struct CkaSettings {
  CkaKernel kernel;
  Estimator estimator;
  CkaBandwidth bandwidth;
  bool angular;
};

CkaSettings ckaSettings(const Options& options) {
  const CkaKernel kernel = ckaKernel(options);
  const std::string& estimatorOption = options.choice("estimator");
  const Estimator estimator = estimatorOption == "unbiased"    ? Estimator::Unbiased
                              : estimatorOption == "lange"     ? Estimator::Lange
                              : estimatorOption == "minibatch" ? Estimator::Minibatch
                                                               : Estimator::Biased;
  return {kernel, estimator, ckaBandwidth(options, kernel), options.choice("output") == "angular"};
}

// CKA from its three HSIC values: the cosine between the estimator's matrices, clamped to the range
// (only the biased estimator's matrices are PSD kernels with a non-negative inner product).
double ckaCosine(double cross, double selfA, double selfB, Estimator estimator) {
  if (!(selfA > 0.0) || !(selfB > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("CKA is undefined: the ") + (selfA > 0.0 ? "second" : "first") +
                                           " representation has zero HSIC with itself under this estimator");
  }
  return std::clamp(cross / (std::sqrt(selfA) * std::sqrt(selfB)), estimator == Estimator::Biased ? 0.0 : -1.0, 1.0);
}

// The three HSIC values CKA needs: cross = HSIC(K, L), and HSIC(K, K), HSIC(L, L) (up to a common factor).
struct HsicTriple {
  double cross = 0.0;
  double selfA = 0.0;
  double selfB = 0.0;
};

// Linear kernels in feature space, from ‖YᵀX‖_F², ‖XᵀX‖_F², ‖YᵀY‖_F² and the kernels' diagonal sums:
// biased ‖YᵀX‖_F² (Kornblith et al. Eq. 4), unbiased Song et al.'s Eq. 5, Lange's
// Σ_{i≠j} K̃_ij L̃_ij = ‖YᵀX‖_F² − Σ_i s_x(i)·s_y(i).
HsicTriple linearHsicFromSums(double cross, double selfA, double selfB, const LinearKernelDiagonals& d, Estimator estimator) {
  if (estimator == Estimator::Unbiased) {
    requireUnbiasedRows(d.n);
    return {linearUnbiasedHsic(cross, d.sumXY, d.sumX, d.sumY, d.n), linearUnbiasedHsic(selfA, d.sumXX, d.sumX, d.sumX, d.n),
            linearUnbiasedHsic(selfB, d.sumYY, d.sumY, d.sumY, d.n)};
  }
  if (estimator == Estimator::Lange) return {cross - d.sumXY, selfA - d.sumXX, selfB - d.sumYY};
  return {cross, selfA, selfB};
}

// The same from the pair in memory (the diagonal sums from the centred rows' squared norms).
HsicTriple linearHsic(const MeasureContext& ctx, Estimator estimator) {
  const double cross = ctx.pair.crossSquaredNorm(Centering::Columns);
  const double selfA = ctx.a().covarianceSquaredNorm(Centering::Columns, ctx.pair.precision());
  const double selfB = ctx.b().covarianceSquaredNorm(Centering::Columns, ctx.pair.precision());
  if (estimator == Estimator::Biased) return {cross, selfA, selfB};
  const auto& sx = centeredRowSquaredNorms(ctx.a());
  const auto& sy = centeredRowSquaredNorms(ctx.b());
  const std::size_t n = sx.size();
  LinearKernelDiagonals d;
  d.n = static_cast<double>(n);
  d.sumX = std::accumulate(sx.begin(), sx.end(), 0.0);
  d.sumY = std::accumulate(sy.begin(), sy.end(), 0.0);
  d.sumXY = dot(sx.data(), sy.data(), n);
  d.sumXX = dot(sx.data(), sx.data(), n);
  d.sumYY = dot(sy.data(), sy.data(), n);
  return linearHsicFromSums(cross, selfA, selfB, d, estimator);
}

// The angle between two matrices, 2·atan2(‖u − v‖, ‖u + v‖) for u, v scaled to unit Frobenius norm:
// accurate near 0 and π, where arccos of their cosine loses half the digits.
double angleBetween(const Matrix& a, const Matrix& b) {
  const double na = std::sqrt(frobeniusNormSquared(a));
  const double nb = std::sqrt(frobeniusNormSquared(b));
  double minus = 0.0, plus = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i % a.cols() == 0) checkpoint();
    const double u = a.data()[i] / na, v = b.data()[i] / nb;
    minus += (u - v) * (u - v);
    plus += (u + v) * (u + v);
  }
  return 2.0 * std::atan2(std::sqrt(minus), std::sqrt(plus));
}

// The angle of angleBetween for linear kernels without N × N memory: the estimator's matrices of
// K = X̃X̃ᵀ and L = ỸỸᵀ (HKH, its off-diagonal part, or the U-centred kernel, whose entries with centred
// data are K_ij + (s_i + s_j)/(N − 2) − Σs/((N − 1)(N − 2), s = diag K) are formed a block of rows at a
// time (two GEMMs per block), and ‖u ∓ v‖² accumulated; the squared norms are the HSIC self terms.
double linearKernelAngle(const MeasureContext& ctx, Estimator estimator, const HsicTriple& hsic) {
  const MatrixView x = ctx.a().data(Centering::Columns);
  const MatrixView y = ctx.b().data(Centering::Columns);
  const std::size_t n = x.rows;
  const double nd = static_cast<double>(n);
  const auto& sx = centeredRowSquaredNorms(ctx.a());
  const auto& sy = centeredRowSquaredNorms(ctx.b());
  const double totalX = std::accumulate(sx.begin(), sx.end(), 0.0);
  const double totalY = std::accumulate(sy.begin(), sy.end(), 0.0);
  const double ia = 1.0 / std::sqrt(hsic.selfA), ib = 1.0 / std::sqrt(hsic.selfB);
  const std::size_t block = std::max<std::size_t>(1, std::min<std::size_t>(n, (std::size_t{1} << 22) / n));
  double minus = 0.0, plus = 0.0;
  for (std::size_t start = 0; start < n; start += block) {
    ctx.control.throwIfCancelled();
    const std::size_t rows = std::min(block, n - start);
    const MatrixView xi(x.row(start), rows, x.cols), yi(y.row(start), rows, y.cols);
    const Matrix kx = multiply(xi, Trans::No, x, Trans::Yes);
    const Matrix ky = multiply(yi, Trans::No, y, Trans::Yes);
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t i = start + r;
      for (std::size_t j = 0; j < n; ++j) {
        double p = kx(r, j), q = ky(r, j);
        if (estimator != Estimator::Biased && i == j) continue;  // Lange and U-centring drop the diagonal
        if (estimator == Estimator::Unbiased) {
          p += (sx[i] + sx[j]) / (nd - 2.0) - totalX / ((nd - 1.0) * (nd - 2.0));
          q += (sy[i] + sy[j]) / (nd - 2.0) - totalY / ((nd - 1.0) * (nd - 2.0));
        }
        const double u = p * ia, v = q * ib;
        minus += (u - v) * (u - v);
        plus += (u + v) * (u + v);
      }
    }
  }
  return 2.0 * std::atan2(std::sqrt(minus), std::sqrt(plus));
}

}  // namespace

double MinibatchCkaSums::value() const {
  if (batches == 0.0) {
    throw Error(ErrorCode::TooFewRows, "minibatch CKA needs at least one minibatch of " +
                                           std::to_string(kMinMinibatchRows) + " or more rows");
  }
  if (!(xx > 0.0) || !(yy > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("minibatch CKA is undefined: the ") + (xx > 0.0 ? "second" : "first") +
                                           " representation has a non-positive mean HSIC with itself");
  }
  return std::clamp(xy / (std::sqrt(xx) * std::sqrt(yy)), -1.0, 1.0);
}

MinibatchHsic minibatchHsic(MatrixView x, MatrixView y, CkaKernel kernel, CkaBandwidth bandwidthX, CkaBandwidth bandwidthY,
                            const std::string& which) {
  const std::size_t b = x.rows;
  if (b < kMinMinibatchRows || y.rows != b) throw Error(ErrorCode::Internal, "minibatchHsic: needs 4 or more aligned rows");
  // The kernel of one input, from its rows centred on the minibatch mean (U-centring removes the terms a
  // translation adds, so centring changes no value and keeps the Gram expansion accurate).
  auto kernelOf = [&](MatrixView v, const char* side, CkaBandwidth bandwidth) {
    Matrix centred = Matrix::uninitialized(b, v.cols);
    std::vector<double> mean(v.cols, 0.0);
    for (std::size_t i = 0; i < b; ++i) {
      checkpoint();
      for (std::size_t j = 0; j < v.cols; ++j) mean[j] += v(i, j);
    }
    for (double& m : mean) m /= static_cast<double>(b);
    for (std::size_t i = 0; i < b; ++i) {
      checkpoint();
      for (std::size_t j = 0; j < v.cols; ++j) centred(i, j) = v(i, j) - mean[j];
    }
    Matrix k = gramOfRows(centred);
    if (kernel == CkaKernel::Linear) return uCentered(k);
    Matrix d2 = Matrix::uninitialized(b, b);
    for (std::size_t i = 0; i < b; ++i) {
      checkpoint();
      for (std::size_t j = 0; j < b; ++j) d2(i, j) = i == j ? 0.0 : std::max(0.0, k(i, i) + k(j, j) - 2.0 * k(i, j));
    }
    double sigma = bandwidth.value;
    if (!bandwidth.absolute) {
      std::vector<double> distances;
      distances.reserve(b * (b - 1) / 2);
      for (std::size_t i = 0; i < b; ++i) {
        checkpoint();
        for (std::size_t j = i + 1; j < b; ++j) distances.push_back(std::sqrt(d2(i, j)));
      }
      const std::size_t mid = distances.size() / 2;
      nthElementWithCheckpoints(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(mid), distances.end(),
                                std::less<double>());
      double median = distances[mid];
      if (distances.size() % 2 == 0) {
        median = 0.5 * (median + *std::max_element(distances.begin(), distances.begin() + static_cast<std::ptrdiff_t>(mid)));
      }
      if (!(median > 0.0)) {
        throw Error(ErrorCode::Degenerate, std::string("minibatch ") + kernelName(kernel) + " CKA is undefined: in " + which +
                                               " the " + side +
                                               " representation has at least half of its pairs of rows equal (median "
                                               "distance 0); give an absolute 'bandwidth'");
      }
      sigma *= median;
    }
    const double scale = -1.0 / (2.0 * sigma * sigma);
    for (std::size_t i = 0; i < b; ++i) {
      checkpoint();
      if (kernel == CkaKernel::Laplace) {
        for (std::size_t j = 0; j < b; ++j) d2(i, j) = std::exp(-std::sqrt(d2(i, j)) / sigma);
      } else {
        for (std::size_t j = 0; j < b; ++j) d2(i, j) = std::exp(scale * d2(i, j));
      }
    }
    return uCentered(d2);
  };
  const Matrix kx = kernelOf(x, "first", bandwidthX);
  const Matrix ky = kernelOf(y, "second", bandwidthY);
  // HSIC_1 = ⟨K̃, L̃⟩ / (b(b − 3)) with U-centred kernels (Song et al. 2012, Eq. 5; see uCentered).
  const double norm = static_cast<double>(b) * (static_cast<double>(b) - 3.0);
  return {frobeniusInner(kx, ky) / norm, frobeniusInner(kx, kx) / norm, frobeniusInner(ky, ky) / norm};
}

const Matrix& ckaCenteredKernel(const Representation& r, const Options& options) {
  const CkaSettings settings = ckaSettings(options);
  if (settings.estimator == Estimator::Minibatch) {
    throw Error(ErrorCode::Internal, "ckaCenteredKernel: the minibatch estimator has no N × N matrix");
  }
  if (settings.kernel != CkaKernel::Linear) {
    return estimatorMatrix("given", r, settings.kernel, settings.bandwidth, settings.estimator);
  }
  if (settings.estimator == Estimator::Biased) return r.gram(Centering::Columns);  // X_c X_cᵀ = H XXᵀ H
  if (settings.estimator == Estimator::Unbiased) {
    return r.memo<Matrix>("rsm:linear-u-centered", [&] { return uCentered(r.gram(Centering::Columns)); });
  }
  return r.memo<Matrix>("rsm:linear-lange", [&] {
    Matrix out = Matrix::copyOf(r.gram(Centering::Columns));
    for (std::size_t i = 0; i < out.rows(); ++i) out(i, i) = 0.0;
    return out;
  });
}

double ckaFromHsic(double cross, double selfA, double selfB, const Options& options) {
  const CkaSettings settings = ckaSettings(options);
  const double value = ckaCosine(cross, selfA, selfB, settings.estimator);
  return settings.angular ? std::acos(value) : value;
}

double linearCkaFromSums(double cross, double selfA, double selfB, const LinearKernelDiagonals& diagonals,
                         const Options& options) {
  const CkaSettings settings = ckaSettings(options);
  if (settings.kernel != CkaKernel::Linear || settings.estimator == Estimator::Minibatch) {
    throw Error(ErrorCode::Internal, "linearCkaFromSums: only the linear kernel's full-data estimators");
  }
  const HsicTriple h = linearHsicFromSums(cross, selfA, selfB, diagonals, settings.estimator);
  return ckaFromHsic(h.cross, h.selfA, h.selfB, options);
}

namespace {

// Minibatch CKA over consecutive minibatches of `batch` rows (a final partial minibatch of at least 4 rows
// counts as one; a smaller remainder is left out).
double minibatchCka(const MeasureContext& ctx, CkaKernel kernel, CkaBandwidth bandwidth, std::size_t batch) {
  const std::size_t n = ctx.pair.rows();
  const std::size_t count = (n + batch - 1) / batch;
  MinibatchCkaSums sums;
  Matrix xa = Matrix::uninitialized(std::min(batch, n), ctx.a().cols());
  Matrix xb = Matrix::uninitialized(std::min(batch, n), ctx.b().cols());
  for (std::size_t k = 0; k < count; ++k) {
    ctx.control.step(k, count);
    const std::size_t at = k * batch;
    const std::size_t rows = std::min(batch, n - at);
    if (rows < kMinMinibatchRows) break;
    copyCentredRows(MomentInput{ctx.a().source(), nullptr}, at, rows, xa.data(), xa.cols(), 0);
    copyCentredRows(MomentInput{ctx.b().source(), nullptr}, at, rows, xb.data(), xb.cols(), 0);
    sums.add(minibatchHsic(MatrixView(xa.data(), rows, xa.cols()), MatrixView(xb.data(), rows, xb.cols()), kernel,
                           bandwidthAtScale(which(ctx, ctx.a()), ctx.a(), kernel, bandwidth),
                           bandwidthAtScale(which(ctx, ctx.b()), ctx.b(), kernel, bandwidth),
                           "minibatch " + std::to_string(k) + " (rows " + std::to_string(at) + "–" +
                               std::to_string(at + rows - 1) + ")"));
  }
  return sums.value();
}

// CKA = HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)) (Kornblith et al. 2019, Eq. 3).
// Kernels: linear (in feature space unless N × N matrices are needed), RBF and Laplace (N × N, σ relative
// to the median distance, so the measure stays invariant to isotropic scaling, or absolute).
// Estimators: biased (Gretton et al. 2005), unbiased (Song et al. 2012; N ≥ 4), and the debiased HSIC of
// Lange et al. 2022: the centred kernel HKH with its diagonal removed, Σ_{i≠j} (HKH)_ij (HLH)_ij, so that
// no k(x_i, x_i) term enters; CKA is then the cosine between unit-norm off-diagonal centred kernels.
// output 'angular' returns arccos(CKA) (Williams et al. 2021; Lange et al. 2022): the angle between
// vectors of an inner-product space, a metric.
double cka(const MeasureContext& ctx) {
  const auto [kernel, estimator, bandwidth, angular] = ckaSettings(ctx.options);
  // XᵀX, YᵀY, XᵀY in one pass when possible, before the variance check, which then reads the norms off
  // their diagonals instead of passing over the rows again.
  if (kernel == CkaKernel::Linear && estimator != Estimator::Minibatch) ctx.pair.secondMoments(Centering::Columns);
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, Centering::Columns, "CKA");
  if (estimator == Estimator::Minibatch) {
    // No N × N matrix to take the angle from: arccos of the estimate (absolute error ~1e-8 near 0).
    const double value = minibatchCka(ctx, kernel, bandwidth, static_cast<std::size_t>(ctx.options.integer("batch")));
    return angular ? std::acos(value) : value;
  }
  if (estimator == Estimator::Unbiased) requireUnbiasedRows(static_cast<double>(ctx.pair.rows()));
  HsicTriple hsic;
  if (kernel == CkaKernel::Linear) {
    hsic = linearHsic(ctx, estimator);
  } else {
    const Matrix& ka = estimatorMatrix(which(ctx, ctx.a()), ctx.a(), kernel, bandwidth, estimator);
    const Matrix& kb = estimatorMatrix(which(ctx, ctx.b()), ctx.b(), kernel, bandwidth, estimator);
    hsic = {frobeniusInner(ka, kb), frobeniusInner(ka, ka), frobeniusInner(kb, kb)};
  }
  const double value = ckaCosine(hsic.cross, hsic.selfA, hsic.selfB, estimator);
  if (!angular) return value;
  // Near ±1, arccos amplifies the rounding of the cosine (1 − c = 1e-16 gives 1.5e-8 rad): the angle is
  // taken from the difference of the unit-norm matrices instead (tile by tile for linear kernels).
  if (kernel != CkaKernel::Linear) {
    return angleBetween(estimatorMatrix(which(ctx, ctx.a()), ctx.a(), kernel, bandwidth, estimator),
                        estimatorMatrix(which(ctx, ctx.b()), ctx.b(), kernel, bandwidth, estimator));
  }
  if (std::fabs(value) > 1.0 - 1e-6) return linearKernelAngle(ctx, estimator, hsic);
  return std::acos(value);
}

// ---------------------------------------------------------------------------------------------------
// Deconfounded CKA (Cui, Kumar, Marttinen, Kaski 2022, "Deconfounded representation similarity for
// comparison of neural networks", NeurIPS, arXiv:2202.00095): the similarity structure of the inputs
// themselves (K0, the input-similarity matrix) confounds CKA; regress each representation's kernel on it
// and compare what is left. With K = X̃X̃ᵀ the linear kernel of the column-centred data,
//   α = ⟨K, K0⟩_F / ⟨K0, K0⟩_F          (least squares of vec K on vec K0, no intercept, as the authors' code)
//   R = K − α K0, projected onto the PSD cone (negative eigenvalues set to 0; the authors' code does this)
//   dCKA = ⟨HR_XH, HR_YH⟩_F / (‖HR_XH‖_F ‖HR_YH‖_F).
// K0 is symmetrised, (K0 + K0ᵀ)/2, after the symmetry check of the option, and scaled by a power of two. Scaling K scales α and R:
// dCKA keeps CKA's invariances (orthogonal, permutation, isotropic scaling, translation).
// H R H for one representation, and ‖K‖_F² of its kernel (the scale the residual is judged against).
struct DeconfoundedKernel {
  Matrix centredResidual;
  double kernelSquaredNorm = 0.0;
};

DeconfoundedKernel deconfoundedKernel(const Representation& r, const Matrix& inputSimilarity, double inputSquaredNorm, bool psd) {
  const Matrix& k = r.gram(Centering::Columns);
  const double alpha = frobeniusInner(k, inputSimilarity) / inputSquaredNorm;
  Matrix residual = Matrix::uninitialized(k.rows(), k.cols());
  for (std::size_t i = 0; i < residual.rows(); ++i) {
    checkpoint();
    for (std::size_t j = 0; j < residual.cols(); ++j) residual(i, j) = k(i, j) - alpha * inputSimilarity(i, j);
  }
  if (psd) residual = symmetricFunction(residual, [](double lambda) { return std::max(lambda, 0.0); });
  return {doubleCentered(residual), frobeniusNormSquared(k)};
}

double deconfoundedCka(const MeasureContext& ctx) {
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, Centering::Columns, "dCKA");
  const MatrixView given = ctx.matrices->matrix("inputSimilarity");
  const std::size_t n = given.rows;
  // Only K0's direction matters (α absorbs its scale): it is scaled by a power of two to a largest entry
  // in [1, 2), so ⟨K0, K0⟩ neither overflows nor underflows whatever the units of the given matrix.
  double largest = 0.0;
  for (std::size_t i = 0; i < given.size(); ++i) largest = std::max(largest, std::fabs(given.data[i]));
  const int exponent = largest > 0.0 ? std::ilogb(largest) : 0;
  Matrix inputSimilarity = Matrix::uninitialized(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
    for (std::size_t j = 0; j < n; ++j) {
      inputSimilarity(i, j) = std::ldexp(0.5 * given(i, j), -exponent) + std::ldexp(0.5 * given(j, i), -exponent);
    }
  }
  const double inputSquaredNorm = frobeniusNormSquared(inputSimilarity);
  requirePositive(inputSquaredNorm, "dCKA is undefined: the input-similarity matrix is all zeros");
  const bool psd = ctx.options.flag("psd");
  const DeconfoundedKernel da = deconfoundedKernel(ctx.a(), inputSimilarity, inputSquaredNorm, psd);
  const DeconfoundedKernel db = deconfoundedKernel(ctx.b(), inputSimilarity, inputSquaredNorm, psd);
  const Matrix& ra = da.centredResidual;
  const Matrix& rb = db.centredResidual;
  const double selfA = frobeniusInner(ra, ra), selfB = frobeniusInner(rb, rb);
  // A residual below 1e-10 of its kernel's norm is the rounding of K − αK0 when K0 explains K exactly.
  constexpr double kNoise = 1e-20;  // (1e-10)² on squared norms
  if (!(selfA > kNoise * da.kernelSquaredNorm) || !(selfB > kNoise * db.kernelSquaredNorm)) {
    throw Error(ErrorCode::Degenerate, std::string("dCKA is undefined: the input similarity explains the ") +
                                           (selfA > kNoise * da.kernelSquaredNorm ? "second" : "first") +
                                           " representation's kernel completely (nothing is left after deconfounding)");
  }
  return std::clamp(frobeniusInner(ra, rb) / (std::sqrt(selfA) * std::sqrt(selfB)), psd ? 0.0 : -1.0, 1.0);
}

// ---------------------------------------------------------------------------------------------------
// RSM norm difference (Shahbazi et al. 2021; ReSi's RSMNormDifference): ‖S − S'‖ for the N × N Euclidean (or cosine)
// distance matrices. The spectral norm (ReSi's np.linalg.norm(·, 2)) is the largest |eigenvalue| of the
// symmetric difference; a norm of a difference of representation-wise maps, hence a pseudo-metric.

// The two extreme eigenpairs of the Lanczos tridiagonal T_k (diagonal alpha, off-diagonal beta): each
// Ritz value with the last component of its unit eigenvector (for the residual bound).
struct RitzValue {
  double value = 0.0;
  double lastComponent = 0.0;
};

std::pair<RitzValue, RitzValue> extremeRitzValues(const std::vector<double>& alpha, const std::vector<double>& beta) {
  const lapack_int k = static_cast<lapack_int>(alpha.size());
  RitzValue ends[2];
  for (int end = 0; end < 2; ++end) {
    const lapack_int index = end == 0 ? 1 : k;
    std::vector<double> d(alpha), e(beta.begin(), beta.begin() + (k - 1));
    e.push_back(0.0);
    std::vector<double> z(static_cast<std::size_t>(k));
    std::vector<lapack_int> support(2);
    lapack_int found = 0;
    double w = 0.0;
    const lapack_int info = LAPACKE_dstevr(LAPACK_COL_MAJOR, 'V', 'I', k, d.data(), e.data(), 0.0, 0.0, index, index,
                                           0.0, &found, &w, z.data(), k, support.data());
    if (info != 0 || found != 1) throw Error(ErrorCode::Numerical, "dstevr failed on the Lanczos tridiagonal matrix");
    ends[end] = {w, z.back()};
  }
  return {ends[0], ends[1]};
}

}  // namespace

// Largest |eigenvalue| of a symmetric N × N matrix by Lanczos with full reorthogonalisation (Golub & Van
// Loan, Matrix Computations, §10.1): O(N²) per step, and the extreme eigenvalues converge in a few
// dozen steps, against O(N³) for a full eigendecomposition. A Ritz pair (θ, y) with residual
// ‖Sy − θy‖ = β_k·|e_kᵀs| has an eigenvalue within that residual of θ; we stop when it is below
// 1e-12·|θ| at the dominant end of the spectrum (and the other end is settled well inside that
// magnitude), on an invariant subspace (β_k ≈ 0), or after N steps (then T_N is similar to S). The start
// vector is a fixed pseudo-random unit vector, so the result is deterministic, and S and −S (the two
// argument orders of the measure) run mirrored iterations: the same β, negated α.
double symmetricSpectralNorm(const Matrix& s, RunControl& control) {
  const std::size_t n = s.rows();
  const int ni = static_cast<int>(n);
  std::vector<std::vector<double>> basis;
  std::vector<double> alpha, beta;
  std::vector<double> q(n);
  Random random(0x5eed5eedULL);
  for (double& v : q) v = random.uniform() - 0.5;
  const double qNorm = std::sqrt(dot(q.data(), q.data(), n));
  for (double& v : q) v /= qNorm;
  double scale = 0.0;  // running estimate of ‖S‖ for the breakdown test
  std::vector<double> w(n);
  for (std::size_t k = 0; k < n; ++k) {
    control.throwIfCancelled();  // each step is O(N²)
    basis.push_back(q);
    cblas_dsymv(CblasRowMajor, CblasUpper, ni, 1.0, s.data(), ni, q.data(), 1, 0.0, w.data(), 1);
    alpha.push_back(dot(q.data(), w.data(), n));
    // Full reorthogonalisation, twice ("twice is enough", Parlett): keeps the basis orthonormal to roundoff.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& b : basis) {
        const double c = dot(b.data(), w.data(), n);
        cblas_daxpy(ni, -c, b.data(), 1, w.data(), 1);
      }
    }
    const double b = std::sqrt(dot(w.data(), w.data(), n));
    scale = std::max(scale, std::fabs(alpha.back()) + b);
    const auto [lowest, highest] = extremeRitzValues(alpha, beta);
    const bool highDominates = std::fabs(highest.value) >= std::fabs(lowest.value);
    const RitzValue& dominant = highDominates ? highest : lowest;
    const RitzValue& other = highDominates ? lowest : highest;
    const double norm = std::fabs(dominant.value);
    // The dominant end must have converged (its eigenvalue is the answer); the other end only far enough
    // that it cannot overtake: its residual is a small share of the gap between the two magnitudes.
    const double gap = norm - std::fabs(other.value);
    const bool converged = b * std::fabs(dominant.lastComponent) <= 1e-12 * norm &&
                           b * std::fabs(other.lastComponent) <= std::max(1e-2 * gap, 1e-12 * norm);
    if (b <= 1e-14 * scale || converged || k + 1 == n) return norm;
    beta.push_back(b);
    for (std::size_t i = 0; i < n; ++i) q[i] = w[i] / b;
  }
  return 0.0;  // n == 0 is impossible (Representation needs rows >= 1)
}

namespace {

// Euclidean RSMs scale with both inputs; cosine ones do not.
ScaleRule rsmNormDifferenceScaling(const Options& options) {
  return options.choice("rsm") == "cosine" ? ScaleRule{} : ScaleRule{ScaleRule::Homogeneous, 1};
}

double rsmNormDifference(const MeasureContext& ctx) {
  const Metric metric = ctx.options.choice("rsm") == "cosine" ? Metric::Cosine : Metric::Euclidean;
  const bool spectral = ctx.options.choice("norm") == "spectral";
  const Matrix& sa = pairwiseDistances(ctx.a(), metric);
  const Matrix& sb = pairwiseDistances(ctx.b(), metric);
  Matrix diff = Matrix::uninitialized(sa.rows(), sa.cols());
  for (std::size_t i = 0; i < diff.rows(); ++i) {
    checkpoint();
    for (std::size_t j = 0; j < diff.cols(); ++j) diff(i, j) = sa(i, j) - sb(i, j);
  }
  if (!spectral) return std::sqrt(frobeniusNormSquared(diff));
  return symmetricSpectralNorm(diff, ctx.control);
}

// ---------------------------------------------------------------------------------------------------
// Distance correlation (Székely, Rizzo, Bakirov 2007, Def. 4 with the V-statistics of §2.2):
//   dCor² = dCov²(X, Y) / sqrt(dCov²(X, X) dCov²(Y, Y)),  dCov² = mean(A ⊙ B),
// A, B the double-centred Euclidean distance matrices. Returns dCor (the square root), as ReSi.
const Matrix& doubleCenteredDistances(const Representation& r) {
  return r.memo<Matrix>("rsm:double-centered-distances", [&] { return doubleCentered(euclideanDistances(r)); });
}

double distanceCorrelation(const MeasureContext& ctx) {
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, Centering::Columns, "Distance correlation");
  const Matrix& da = doubleCenteredDistances(ctx.a());
  const Matrix& db = doubleCenteredDistances(ctx.b());
  // dCov²(X, Y) ≥ 0 in exact arithmetic (it is a weighted L2 norm of characteristic functions, Thm. 1).
  const double cross = std::max(0.0, frobeniusInner(da, db));
  const double selfA = frobeniusInner(da, da);
  const double selfB = frobeniusInner(db, db);
  requirePositive(selfA * selfB, "Distance correlation is undefined: a representation has zero distance variance");
  return std::min(1.0, std::sqrt(cross / (std::sqrt(selfA) * std::sqrt(selfB))));
}

// ---------------------------------------------------------------------------------------------------
// RSA (Kriegeskorte, Mur, Bandettini 2008): correlate the condensed upper triangles (i < j, row-major)
// of the two representational dissimilarity matrices.

enum class Inner { Correlation, Euclidean, Cosine };

Inner parseInner(const Options& options) {
  const std::string inner = options.choice("inner");
  return inner == "correlation" ? Inner::Correlation : inner == "euclidean" ? Inner::Euclidean : Inner::Cosine;
}

const char* innerName(Inner inner) {
  return inner == Inner::Correlation ? "correlation" : inner == Inner::Euclidean ? "euclidean" : "cosine";
}

// The condensed RDM (entries (i, j), i < j, in row-major order: scipy's squareform) with the ranks of its
// entries (1..M, ties at their average rank: scipy.stats.rankdata 'average'). Ties are exact: the
// entries are sorted by their Gram-matrix values, and every run of entries whose rounding-error
// intervals (screenBound) overlap is settled by exact distances (ExactDistance), so the order, the ties
// and the values of those entries are the exact distances' — equal distances (integer inputs,
// duplicated rows) stay equal instead of being split by roundoff.
struct Rdm {
  std::vector<double> values;
  std::vector<double> ranks;
};

const Rdm& exactRdm(const Representation& r, Inner inner) {
  return r.memo<Rdm>(std::string("rsm:rdm:") + innerName(inner), [&] {
    // Euclidean entries are ordered and settled as squared distances (sqrt is monotone).
    const Metric metric = inner == Inner::Correlation ? Metric::Correlation
                          : inner == Inner::Euclidean ? Metric::SquaredEuclidean
                                                      : Metric::Cosine;
    Matrix correlation;
    const Matrix& full = metric == Metric::Correlation ? (correlation = correlationDistances(r))
                                                       : pairwiseDistances(r, metric);
    const std::size_t n = r.rows();
    const std::size_t m = n * (n - 1) / 2;
    // (value, i·2³² + j): contiguous keys sort several times faster than an index permutation, and the
    // packed pair orders like the condensed position.
    std::vector<std::pair<double, std::uint64_t>> sorted;
    sorted.reserve(m);
    Rdm rdm;
    rdm.values.reserve(m);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        sorted.emplace_back(full(i, j), (std::uint64_t{i} << 32) | j);
        rdm.values.push_back(metric == Metric::SquaredEuclidean ? std::sqrt(full(i, j)) : full(i, j));
      }
    }
    if (metric == Metric::Correlation) correlation = Matrix();
    const auto rowOf = [](std::uint64_t key) { return static_cast<std::size_t>(key >> 32); };
    const auto colOf = [](std::uint64_t key) { return static_cast<std::size_t>(key & 0xffffffffULL); };
    std::unique_ptr<ExactDistance> exact;
    // Inputs so large that the Gram values overflow: no screen to trust, every entry exact.
    const bool screenable = std::all_of(sorted.begin(), sorted.end(), [](const auto& e) { return std::isfinite(e.first); });
    const auto position = [n](std::size_t i, std::size_t j) { return i * n - i * (i + 1) / 2 + (j - i - 1); };
    // An entry settled exactly: its key and its condensed value.
    const auto settle = [&](std::pair<double, std::uint64_t>& entry) {
      const std::size_t i = rowOf(entry.second), j = colOf(entry.second);
      entry.first = (*exact)(i, j);
      rdm.values[position(i, j)] = metric == Metric::SquaredEuclidean ? std::sqrt(entry.first) : entry.first;
    };
    if (!screenable) {
      exact = std::make_unique<ExactDistance>(r, metric);
      for (auto& entry : sorted) settle(entry);
    }
    std::sort(sorted.begin(), sorted.end());
    const ScreenBound& bound = screenBound(r, metric);
    const auto allowance = [&](std::uint64_t key) { return bound(rowOf(key), colOf(key)); };
    for (std::size_t start = 0; screenable && start < m;) {
      // A run: each next entry's interval reaches back into the run's union of intervals.
      double reach = sorted[start].first + allowance(sorted[start].second);
      std::size_t end = start + 1;
      while (end < m && !(sorted[end].first - allowance(sorted[end].second) > reach)) {
        reach = std::max(reach, sorted[end].first + allowance(sorted[end].second));
        ++end;
      }
      if (end - start > 1) {
        if (!exact) exact = std::make_unique<ExactDistance>(r, metric);
        for (std::size_t p = start; p < end; ++p) settle(sorted[p]);
        std::sort(sorted.begin() + static_cast<std::ptrdiff_t>(start), sorted.begin() + static_cast<std::ptrdiff_t>(end));
      }
      start = end;
    }
    rdm.ranks.resize(m);
    // Ranks of the final values (sqrt for Euclidean: it may merge distinct squares, as scipy's pdist would).
    const auto finalValue = [&](std::size_t p) { return metric == Metric::SquaredEuclidean ? std::sqrt(sorted[p].first) : sorted[p].first; };
    for (std::size_t start = 0; start < m;) {
      std::size_t end = start + 1;
      const double value = finalValue(start);
      while (end < m && finalValue(end) == value) ++end;
      const double average = 0.5 * static_cast<double>(start + 1 + end);  // mean of ranks start+1 … end
      for (std::size_t p = start; p < end; ++p) {
        rdm.ranks[position(rowOf(sorted[p].second), colOf(sorted[p].second))] = average;
      }
      start = end;
    }
    return rdm;
  });
}

double pearson(const std::vector<double>& x, const std::vector<double>& y, const char* what) {
  const std::size_t m = x.size();
  const double meanX = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(m);
  const double meanY = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(m);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    if ((i & 0xffff) == 0) checkpoint();
    const double dx = x[i] - meanX;
    const double dy = y[i] - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0.0) || !(syy > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("RSA is undefined: all ") + what + " of the " +
                                           (sxx > 0.0 ? "second" : "first") +
                                           " representation are equal (a constant RDM has no correlation)");
  }
  return std::clamp(sxy / (std::sqrt(sxx) * std::sqrt(syy)), -1.0, 1.0);
}

std::int64_t tiedPairs(std::int64_t t) { return t * (t - 1) / 2; }

// Sorts keys[lo, hi) ascending with a stable merge sort and returns the number of inversions
// (pairs p < q with keys[p] > keys[q]; equal keys are not inversions).
std::int64_t sortCountingInversions(std::vector<double>& keys, std::vector<double>& buffer, std::size_t lo,
                                    std::size_t hi) {
  if (hi - lo < 2) return 0;
  const std::size_t mid = lo + (hi - lo) / 2;
  std::int64_t swaps = sortCountingInversions(keys, buffer, lo, mid) + sortCountingInversions(keys, buffer, mid, hi);
  std::size_t p = lo, q = mid, out = lo;
  while (p < mid && q < hi) {
    if ((out & 0xffff) == 0) checkpoint();
    if (keys[q] < keys[p]) {
      swaps += static_cast<std::int64_t>(mid - p);
      buffer[out++] = keys[q++];
    } else {
      buffer[out++] = keys[p++];
    }
  }
  while (p < mid) buffer[out++] = keys[p++];
  while (q < hi) buffer[out++] = keys[q++];
  std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(lo), buffer.begin() + static_cast<std::ptrdiff_t>(hi),
            keys.begin() + static_cast<std::ptrdiff_t>(lo));
  return swaps;
}

}  // namespace

// Kendall's τ_b in O(M log M) (Knight 1966): sort by (x, y), count the x ties and joint ties, then
// count the discordant pairs as the inversions of y in that order with a merge sort, and the y ties.
//   τ_b = (n0 − n1 − n2 + n3 − 2·swaps) / sqrt((n0 − n1)(n0 − n2)).
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t m = x.size();
  std::vector<std::pair<double, double>> xy;  // sorted by (x, y), contiguous
  resizeWithCheckpoints(xy, m);
  for (std::size_t p = 0; p < m; ++p) xy[p] = {x[p], y[p]};
  sortWithCheckpoints(xy.begin(), xy.end(), std::less<std::pair<double, double>>());
  std::int64_t tiesX = 0, tiesXY = 0;
  for (std::size_t start = 0; start < m;) {
    std::size_t end = start + 1;
    while (end < m && xy[end].first == xy[start].first) ++end;
    tiesX += tiedPairs(static_cast<std::int64_t>(end - start));
    for (std::size_t s = start; s < end;) {
      std::size_t e = s + 1;
      while (e < end && xy[e].second == xy[s].second) ++e;
      tiesXY += tiedPairs(static_cast<std::int64_t>(e - s));
      s = e;
    }
    start = end;
  }
  std::vector<double> keys, buffer;
  resizeWithCheckpoints(keys, m);
  resizeWithCheckpoints(buffer, m);
  for (std::size_t p = 0; p < m; ++p) keys[p] = xy[p].second;
  const std::int64_t swaps = sortCountingInversions(keys, buffer, 0, m);
  std::int64_t tiesY = 0;
  for (std::size_t start = 0; start < m;) {
    std::size_t end = start + 1;
    while (end < m && keys[end] == keys[start]) ++end;
    tiesY += tiedPairs(static_cast<std::int64_t>(end - start));
    start = end;
  }
  const std::int64_t n0 = tiedPairs(static_cast<std::int64_t>(m));
  if (n0 == tiesX || n0 == tiesY) {
    throw Error(ErrorCode::Degenerate, std::string("RSA is undefined: all dissimilarities of the ") +
                                           (n0 == tiesX ? "first" : "second") + " representation are equal");
  }
  const double numerator = static_cast<double>(n0 - tiesX - tiesY + tiesXY - 2 * swaps);
  const double denominator = std::sqrt(static_cast<double>(n0 - tiesX)) * std::sqrt(static_cast<double>(n0 - tiesY));
  return std::clamp(numerator / denominator, -1.0, 1.0);
}

const std::vector<double>& rsaVector(const Representation& r, const Options& options) {
  const Rdm& rdm = exactRdm(r, parseInner(options));
  return options.choice("outer") == "spearman" ? rdm.ranks : rdm.values;
}

double rsaCorrelation(const std::vector<double>& x, const std::vector<double>& y, const Options& options) {
  const std::string outer = options.choice("outer");
  if (outer == "spearman") return pearson(x, y, "dissimilarity ranks");
  if (outer == "pearson") return pearson(x, y, "dissimilarities");
  return kendallTauB(x, y);
}

namespace {

double rsa(const MeasureContext& ctx) {
  const std::vector<double>& x = rsaVector(ctx.a(), ctx.options);
  ctx.control.throwIfCancelled();
  const std::vector<double>& y = rsaVector(ctx.b(), ctx.options);
  return rsaCorrelation(x, y, ctx.options);
}

// ---------------------------------------------------------------------------------------------------
// Normalized Bures similarity (Tang et al. 2020): F(K, L) / sqrt(tr K · tr L) with the fidelity
// F = tr((K^{1/2} L K^{1/2})^{1/2}) of the linear kernels K = XXᵀ, L = YYᵀ. The nonzero eigenvalues of
// K^{1/2} L K^{1/2} are the squared singular values of XᵀY, so F = ‖XᵀY‖_* and no N × N root is needed:
// NBS = ‖XᵀY‖_* / (‖X‖_F ‖Y‖_F), and arccos(NBS) is the angular shape metric (Williams et al. 2021).
double bures(const MeasureContext& ctx) {
  const Centering c = ctx.options.flag("center") ? Centering::Columns : Centering::None;
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, c, "Normalized Bures similarity");
  const double value = ctx.pair.nuclearNorm(c) / (std::sqrt(ctx.a().squaredNorm(c)) * std::sqrt(ctx.b().squaredNorm(c)));
  return std::clamp(value, 0.0, 1.0);
}

// ---------------------------------------------------------------------------------------------------
// Eigenspace overlap score (May et al. 2019, Def. 1): ‖UᵀU'‖_F² / max(D, D'), U, U' orthonormal bases
// of the column spaces (left singular vectors up to the numerical rank, numpy's matrix_rank tolerance).
// Uncentred by default, as the paper and ReSi; X(X) gives rank/max(D, D').
double eigenspaceOverlap(const MeasureContext& ctx) {
  const Centering c = ctx.options.flag("center") ? Centering::Columns : Centering::None;
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, c, "Eigenspace overlap");
  const Matrix& ua = ctx.a().columnSpaceBasis(c);
  const Matrix& ub = ctx.b().columnSpaceBasis(c);
  const Matrix overlap = multiply(ua, Trans::Yes, ub, Trans::No);
  const double width = static_cast<double>(std::max(ctx.a().cols(), ctx.b().cols()));
  return std::clamp(frobeniusNormSquared(overlap) / width, 0.0, 1.0);
}

// ---------------------------------------------------------------------------------------------------
// GULP (Boix-Adserà, Lawrence, Stepaniants, Rigollet 2022): the distance between the λ-ridge linear
// predictors fitted on the two representations, over all bounded regression targets. With the inputs
// column-centred and scaled so that tr Σ = 1 (Σ = XᵀX/N), the squared distance is
//   d² = tr(Σ_a Σ_a,λ⁻¹ Σ_a Σ_a,λ⁻¹) + tr(Σ_b …) − 2 tr(Σ_a,λ⁻¹ Σ_ab Σ_b,λ⁻¹ Σ_ba)   (Thm. 1 / GULP's
// predictor_dist) = ‖P_a − P_b‖_F², P = X (XᵀX + NλI)⁺ Xᵀ the ridge hat operator. With X = U S Vᵀ,
// P = U diag(f) Uᵀ, f_i = w_i / (w_i + λ), w_i = s_i² / Σ s_j² (f = 1 on the numerical rank when λ = 0,
// where P is the projector onto the column space and d² = r_a + r_b − 2‖U_aᵀU_b‖_F²).
struct GulpFactor {
  Matrix scaledBasis;         // U diag(sqrt f), N × r
  double squaredWeights = 0;  // Σ f_i² = ‖P‖_F²
};

const GulpFactor& gulpFactor(const Representation& r, double lambda) {
  return r.memo<GulpFactor>("rsm:gulp-factor:" + keyNumber(lambda), [&] {
    const Svd& svd = r.svd(Centering::Columns);
    // Directions below numpy's rank tolerance are roundoff of a rank-deficient input: excluded, so an
    // exactly rank-deficient input does not count noise directions (ReSi's value jumps there).
    const std::size_t rank = numericalRank(svd.s, r.rows(), r.cols());
    double total = 0.0;
    for (std::size_t i = 0; i < rank; ++i) total += svd.s[i] * svd.s[i];
    GulpFactor out;
    out.scaledBasis = Matrix::uninitialized(r.rows(), rank);
    std::vector<double> roots(rank);
    for (std::size_t i = 0; i < rank; ++i) {
      const double w = svd.s[i] * svd.s[i] / total;
      const double f = lambda > 0.0 ? w / (w + lambda) : 1.0;
      roots[i] = std::sqrt(f);
      out.squaredWeights += f * f;
    }
    for (std::size_t i = 0; i < r.rows(); ++i) {
      if ((i & 0xff) == 0) checkpoint();
      for (std::size_t j = 0; j < rank; ++j) out.scaledBasis(i, j) = svd.u(i, j) * roots[j];
    }
    return out;
  });
}

// ‖V_a V_aᵀ − V_b V_bᵀ‖_F formed explicitly (absolute error ~eps instead of the closed form's
// ~sqrt(eps) after cancellation): in an orthonormal basis Q of span[V_a V_b] when that is smaller than N.
double hatDifferenceNorm(const Matrix& va, const Matrix& vb) {
  const std::size_t n = va.rows();
  const std::size_t k = va.cols() + vb.cols();
  if (k >= n) {
    Matrix diff = gramOfRows(va);
    const Matrix pb = gramOfRows(vb);
    for (std::size_t i = 0; i < diff.size(); ++i) diff.data()[i] -= pb.data()[i];
    return std::sqrt(frobeniusNormSquared(diff));
  }
  Matrix joint = Matrix::uninitialized(n, k);
  for (std::size_t i = 0; i < n; ++i) {
    std::copy_n(va.row(i), va.cols(), joint.row(i));
    std::copy_n(vb.row(i), vb.cols(), joint.row(i) + va.cols());
  }
  const Matrix q = thinQr(joint).q;
  Matrix diff = gramOfRows(multiply(q, Trans::Yes, va, Trans::No));
  const Matrix pb = gramOfRows(multiply(q, Trans::Yes, vb, Trans::No));
  for (std::size_t i = 0; i < diff.size(); ++i) diff.data()[i] -= pb.data()[i];
  return std::sqrt(frobeniusNormSquared(diff));
}

double gulp(const MeasureContext& ctx) {
  const double lambda = ctx.options.number("lambda");
  for (const Representation* r : {&ctx.a(), &ctx.b()}) requireVariance(ctx, *r, Centering::Columns, "GULP");
  const GulpFactor& fa = gulpFactor(ctx.a(), lambda);
  const GulpFactor& fb = gulpFactor(ctx.b(), lambda);
  const Matrix cross = multiply(fa.scaledBasis, Trans::Yes, fb.scaledBasis, Trans::No);
  const double scale = fa.squaredWeights + fb.squaredWeights;
  const double d2 = scale - 2.0 * frobeniusNormSquared(cross);
  // Below this share of ‖P_a‖² + ‖P_b‖² the closed form has lost most digits to cancellation.
  if (d2 > 1e-6 * scale) return std::sqrt(d2);
  return hatDifferenceNorm(fa.scaledBasis, fb.scaledBasis);
}

// ---------------------------------------------------------------------------------------------------
// Riemannian distance (Shahbazi et al. 2021, Eq. 3): the affine-invariant geodesic distance between
// the SPD kernels K = XXᵀ and L = YYᵀ, sqrt(Σ log² λ_i(K⁻¹L)) = ‖log(K^{-1/2} L K^{-1/2})‖_F.
// With Cholesky factors K = C_K C_Kᵀ, L = C_L C_Lᵀ, the λ_i are the squared singular values of
// Z = C_K⁻¹ C_L (Z Zᵀ = C_K⁻¹ L C_K⁻ᵀ is similar to K⁻¹L); the singular values of Z are accurate to
// eps·σ_max, a square better than the eigenvalues of Z Zᵀ. Cost ≈ 4N³/3 per pair plus N³/3 per input.
// XXᵀ is singular unless N ≤ D and X has full row rank; `regularization` ε adds ε·(tr K / N)·I to each
// kernel (a shrinkage towards the mean eigenvalue, so the setting is scale-free).
struct KernelCholesky {
  Matrix factor;  // lower triangular C with K = C Cᵀ (upper part zero)
  bool positiveDefinite = false;
};

const Matrix& kernelCholesky(const MeasureContext& ctx, const Representation& r, double epsilon) {
  const KernelCholesky& cholesky = r.memo<KernelCholesky>("rsm:riemannian-cholesky:" + keyNumber(epsilon), [&] {
    KernelCholesky out;
    Matrix k = Matrix::copyOf(r.gram(Centering::None));
    const std::size_t n = k.rows();
    const lapack_int ln = static_cast<lapack_int>(n);
    double trace = 0.0;
    for (std::size_t i = 0; i < n; ++i) trace += k(i, i);
    for (std::size_t i = 0; i < n; ++i) k(i, i) += epsilon * trace / static_cast<double>(n);
    const double cube = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
    auto [info, rcond, factor] = detachable(cube, [ln, k = std::move(k)]() mutable {
      const double norm1 = LAPACKE_dlansy(LAPACK_ROW_MAJOR, '1', 'L', ln, k.data(), ln);
      const lapack_int status = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', ln, k.data(), ln);
      double reciprocal = 0.0;
      if (status == 0 && LAPACKE_dpocon(LAPACK_ROW_MAJOR, 'L', ln, k.data(), ln, norm1, &reciprocal) != 0) reciprocal = 0.0;
      return std::make_tuple(status, reciprocal, std::move(k));
    });
    k = std::move(factor);
    // A reciprocal condition number below N·eps means K is singular up to roundoff (numpy's rank rule).
    out.positiveDefinite = info == 0 && rcond > static_cast<double>(n) * 2.220446049250313e-16;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) k(i, j) = 0.0;  // keep the lower factor only
    }
    out.factor = std::move(k);
    return out;
  });
  if (!cholesky.positiveDefinite) {
    throw Error(ErrorCode::Degenerate,
                std::string("Riemannian distance needs positive definite kernels XXᵀ: the ") + which(ctx, r) +
                    " representation's kernel is singular (N = " + std::to_string(r.rows()) + " inputs, D = " +
                    std::to_string(r.cols()) + " features; it needs N ≤ D and linearly independent inputs). " +
                    "Set the option 'regularization' (e.g. 0.01) to add a multiple of the identity.");
  }
  return cholesky.factor;
}

double riemannian(const MeasureContext& ctx) {
  const double epsilon = ctx.options.number("regularization");
  const Matrix& ca = kernelCholesky(ctx, ctx.a(), epsilon);
  const Matrix& cb = kernelCholesky(ctx, ctx.b(), epsilon);
  ctx.control.throwIfCancelled();
  const std::size_t n = ca.rows();
  Matrix z = Matrix::copyOf(cb);
  // By blocks of columns of Z (each ~2·10^8 flops), with a cancellation point between them.
  const std::size_t block = std::max<std::size_t>(64, static_cast<std::size_t>(2e8 / (static_cast<double>(n) * static_cast<double>(n))));
  for (std::size_t j = 0; j < n; j += block) {
    checkpoint();
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, static_cast<int>(n),
                static_cast<int>(std::min(block, n - j)), 1.0, ca.data(), static_cast<int>(n), z.data() + j,
                static_cast<int>(n));
  }
  double sum = 0.0;
  for (const double s : singularValues(z)) {
    if (!(s > 0.0)) {
      throw Error(ErrorCode::Numerical, "Riemannian distance: K⁻¹L is numerically singular (kernels too ill-conditioned)");
    }
    const double logLambda = 2.0 * std::log(s);
    sum += logLambda * logLambda;
  }
  return std::sqrt(sum);
}

// ---------------------------------------------------------------------------------------------------
// Working memory (MemoryEstimate) of each measure; per input unless noted, both inputs' memoised
// quantities counted together. N × N matrices dominate wherever they appear.

double squareOf(const MemoryShape& s) { return memory::matrix(static_cast<double>(s.rows), static_cast<double>(s.rows)); }
double dataOf(const MemoryShape& s, std::size_t cols) { return memory::matrix(static_cast<double>(s.rows), static_cast<double>(cols)); }

// An absolute bandwidth is in the inputs' units (the kernel follows each input's scale); otherwise CKA
// is invariant to scaling.
ScaleRule ckaScaling(const Options& options) { return options.has("bandwidth") ? ScaleRule{ScaleRule::OwnScale, 0} : ScaleRule{}; }

// Linear biased: the D × D′ cross product (or the row-space factors) and the two covariances (or, for
// D > N, the N × N Gram of the R factor). Unbiased and Lange add the centred copies, and the angular
// output near 0 two blocks of kernel rows (at most 2²² entries each). RBF and Laplace: per input the
// centred copy, squared and plain distance matrices, the median's condensed copy, the kernel and its
// estimator's form (centred, U-centred or centred without diagonal).
double ckaMemory(const MemoryShape& s, const Options& options) {
  const std::string kernel = options.choice("kernel");
  const bool biased = options.choice("estimator") == "biased";
  const double n = static_cast<double>(s.rows);
  if (options.choice("estimator") == "minibatch") {
    // The two row blocks of a minibatch of b rows and one centred copy; the first side's U-centred kernel
    // while the second's is built (Gram, output, and for RBF and Laplace the squared distances and the
    // pairs' list).
    const double b = std::min(n, static_cast<double>(options.integer("batch")));
    const double da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
    return memory::matrix(b, da) + memory::matrix(b, db) + memory::matrix(b, std::max(da, db)) +
           (kernel != "linear" ? 4.5 : 3.0) * memory::matrix(b, b);
  }
  if (kernel != "linear") return dataOf(s, s.colsA) + dataOf(s, s.colsB) + 2 * 4.5 * squareOf(s);
  const auto self = [&](double d) { return d <= n ? memory::matrix(d, d) : memory::rowSpaceFactor(n, d) + memory::matrix(n, n); };
  double bytes = memory::crossFactor(n, static_cast<double>(s.colsA), static_cast<double>(s.colsB)) +
                 self(static_cast<double>(s.colsA)) + self(static_cast<double>(s.colsB));
  if (!biased || options.choice("output") == "angular") bytes += dataOf(s, s.colsA) + dataOf(s, s.colsB);
  if (options.choice("output") == "angular") bytes += 2 * std::min(squareOf(s), memory::matrix(4194304.0 + n, 1));
  return bytes;
}

// dCKA, at its peak (N × N matrices): the binding's copy of the input similarity and its symmetrised
// scaled copy, both inputs' Gram matrices, the first input's deconfounded kernel while the second's is
// formed: its residual and the eigendecomposition of the PSD projection (dsyevr's copy, its
// eigenvectors and their row-major copy); plus the centred copies of the inputs and dsyevr's O(N)
// workspace.
double deconfoundedCkaMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows);
  return dataOf(s, s.colsA) + dataOf(s, s.colsB) + 9 * squareOf(s) + memory::matrix(n, 32);
}

// Both distance matrices (squared and plain; cosine: the unit rows and similarities), their difference,
// and the Lanczos basis (one N-vector per step; a few dozen steps in practice, bounded here by 1000).
double rsmNormDifferenceMemory(const MemoryShape& s, const Options& options) {
  const double steps = std::min(static_cast<double>(s.rows), 1000.0);
  const double copies = options.choice("rsm") == "cosine" ? s.float64CopyBytes : 0.0;  // unit rows from float64 rows
  return 5 * squareOf(s) + dataOf(s, s.colsA) + dataOf(s, s.colsB) + memory::matrix(static_cast<double>(s.rows), steps + 2) +
         copies;
}

// Per input: the screened N × N matrix and its centred or unit rows, the sorted (value, pair) keys
// (16 bytes per pair), the condensed values and ranks, exact distances' scaled rows (correlation).
// Kendall adds its pairs, keys and merge buffer (32 bytes per pair).
double rsaMemory(const MemoryShape& s, const Options& options) {
  const bool kendall = options.choice("outer") == "kendall";
  const double pairs = 0.5 * static_cast<double>(s.rows) * static_cast<double>(s.rows);
  const double side = squareOf(s) + 32.0 * pairs;
  return 2 * side + 2 * (dataOf(s, s.colsA) + dataOf(s, s.colsB)) + (kendall ? 32.0 * pairs : 0.0) + s.float64CopyBytes;
}

// Per input: centred copy, squared and plain distances, the double-centred matrix.
double distanceCorrelationMemory(const MemoryShape& s, const Options&) {
  return 6 * squareOf(s) + dataOf(s, s.colsA) + dataOf(s, s.colsB);
}

double buresMemory(const MemoryShape& s, const Options& options) {
  // Uncentred inputs with D > N go through row-space factors of float64 copies of float32 inputs.
  const bool copies = !options.flag("center") && (s.colsA > s.rows || s.colsB > s.rows);
  return memory::crossFactor(static_cast<double>(s.rows), static_cast<double>(s.colsA), static_cast<double>(s.colsB)) +
         (copies ? s.float64CopyBytes : 0.0);
}

// The thin SVD of each input (centred copy with center: true) and its column-space basis, and the r × r′ overlap.
double eigenspaceOverlapMemory(const MemoryShape& s, const Options& options) {
  const double n = static_cast<double>(s.rows);
  const auto side = [&](double d) { return memory::centredSvd(n, d) + memory::matrix(n, std::min(n, d)); };
  return side(static_cast<double>(s.colsA)) + side(static_cast<double>(s.colsB)) +
         memory::matrix(std::min(n, static_cast<double>(s.colsA)), std::min(n, static_cast<double>(s.colsB))) +
         (options.flag("center") ? 0.0 : s.float64CopyBytes);  // the uncentred SVD of float64 copies
}

// The centred SVD and scaled basis of each input, and the explicit hat difference in the joint basis
// (N × N when the two bases together span N or more directions).
double gulpMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows);
  const double ra = std::min(n, static_cast<double>(s.colsA)), rb = std::min(n, static_cast<double>(s.colsB));
  const double joint = ra + rb;
  const double difference = joint >= n ? 2 * memory::matrix(n, n) : 3 * memory::matrix(n, joint) + 2 * memory::matrix(joint, joint);
  return memory::centredSvd(n, static_cast<double>(s.colsA)) + memory::centredSvd(n, static_cast<double>(s.colsB)) +
         memory::matrix(n, joint) + memory::matrix(ra, rb) + difference;
}

// Per input the Gram matrix and its Cholesky factor; for the pair C_K⁻¹C_L and its singular values.
double riemannianMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows);
  return 4 * squareOf(s) + memory::matrix(n, n) + memory::thinSvd(n, n) + s.float64CopyBytes;
}

}  // namespace

const std::vector<MeasureDef>& rsmMeasures() {
  static const std::vector<MeasureDef> list = {
      MeasureDef("cka", cka)
          .withMinRows(2)
          .option(enumOption("kernel", {"linear", "rbf", "laplace"}, "linear"))
          .option(enumOption("estimator", {"biased", "unbiased", "lange", "minibatch"}, "biased"))
          .option(numberOption("sigma", 1.0).above(0.0).atMost(1e6))
          .option(integerOption("batch", 256).atLeast(4).atMost(1 << 20))
          .option(numberOption("bandwidth").above(0.0))
          .option(enumOption("output", {"similarity", "angular"}, "similarity"))
          .withScaling(ckaScaling)
          .withMemory(ckaMemory),
      MeasureDef("dcka", deconfoundedCka)
          .withMinRows(2)
          .matrixOption(symmetricMatrixOption("inputSimilarity").isRequired())
          .option(booleanOption("psd", true))
          .withMemory(deconfoundedCkaMemory),
      MeasureDef("rsm-norm-difference", rsmNormDifference)
          .withMinRows(2)
          .option(enumOption("rsm", {"euclidean", "cosine"}, "euclidean"))
          .option(enumOption("norm", {"spectral", "frobenius"}, "spectral"))
          .withScaling(rsmNormDifferenceScaling)
          .withMemory(rsmNormDifferenceMemory),
      MeasureDef("rsa", rsa)
          .withMinRows(3)
          .option(enumOption("inner", {"correlation", "euclidean", "cosine"}, "correlation"))
          .option(enumOption("outer", {"spearman", "pearson", "kendall"}, "spearman"))
          .withMemory(rsaMemory),
      MeasureDef("distance-correlation", distanceCorrelation).withMinRows(2).withMemory(distanceCorrelationMemory),
      MeasureDef("bures", bures).withMinRows(2).option(booleanOption("center", true)).withMemory(buresMemory),
      MeasureDef("eigenspace-overlap", eigenspaceOverlap)
          .option(booleanOption("center", false))
          .withMemory(eigenspaceOverlapMemory),
      MeasureDef("gulp", gulp)
          .withMinRows(2)
          .option(numberOption("lambda", 0.0).atLeast(0.0).atMost(1e12))
          .withMemory(gulpMemory),
      MeasureDef("riemannian", riemannian)
          .option(numberOption("regularization", 0.0).atLeast(0.0).atMost(1e6))
          .withScaling(homogeneousOfDegree0)
          .withMemory(riemannianMemory),
  };
  return list;
}

}  // namespace nnsim
