#include "representation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <string>

#include "errors.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

namespace nnsim {

const char* centeringName(Centering c) { return c == Centering::Columns ? "centered" : "raw"; }

namespace {

// Rows per thread below which a pass over the matrix is not worth a thread.
std::size_t minRowsPerThread(std::size_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 20) / std::max<std::size_t>(1, cols)); }

}  // namespace

namespace {

struct ValidationPass {
  std::vector<double> means;
  double maxAbs = 0.0;
};

// One pass validates every entry and accumulates the column sums (so the means come for free) and the
// largest |entry|.
ValidationPass validate(MatrixView raw) {
  const std::size_t d = raw.cols;
  struct Partial {
    std::vector<double> sums;
    double maxAbs;
  };
  std::map<std::size_t, Partial> partials;  // by first row: summed in a fixed order
  std::mutex partialMutex;
  parallelFor(raw.rows, minRowsPerThread(d), [&](std::size_t begin, std::size_t end) {
    std::vector<double> sums(d, 0.0);
    double maxAbs = 0.0;
    for (std::size_t i = begin; i < end; ++i) {
      checkpoint();
      const double* r = raw.row(i);
      // Column-wise accumulations (no loop-carried scalar) so the compiler vectorises the pass.
      bool finite = true;
      for (std::size_t j = 0; j < d; ++j) {
        sums[j] += r[j];
        const double a = std::fabs(r[j]);
        finite &= a <= std::numeric_limits<double>::max();  // false for NaN and ±inf
        maxAbs = std::max(maxAbs, a);
      }
      if (!finite) {
        for (std::size_t j = 0; j < d; ++j) {
          if (!std::isfinite(r[j])) {
            throw Error(ErrorCode::NonFinite, "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                                  (std::isnan(r[j]) ? "NaN" : "infinite"));
          }
        }
      }
    }
    std::lock_guard<std::mutex> lock(partialMutex);
    partials.emplace(begin, Partial{std::move(sums), maxAbs});
  });
  ValidationPass out;
  out.means.assign(d, 0.0);
  for (const auto& [begin, partial] : partials) {
    for (std::size_t j = 0; j < d; ++j) out.means[j] += partial.sums[j];
    out.maxAbs = std::max(out.maxAbs, partial.maxAbs);
  }
  for (double& m : out.means) m /= static_cast<double>(raw.rows);
  return out;
}

}  // namespace

void scaleByPowerOfTwo(const double* from, double* to, std::size_t count, int exponent) {
  // Two factors, each a normal power of two, cover every exponent a finite double can need; products
  // with powers of two are exact unless the result is subnormal.
  const double first = std::ldexp(1.0, exponent / 2);
  const double second = std::ldexp(1.0, exponent - exponent / 2);
  parallelFor(count, std::size_t{1} << 20, [&](std::size_t begin, std::size_t end) {
    for (std::size_t k = begin; k < end; ++k) to[k] = from[k] * first * second;
  });
}

Representation::Representation(MatrixView raw) { initialize(raw, nullptr); }

Representation::Representation(Matrix owned) : owned_(std::move(owned)) { initialize(owned_.view(), nullptr); }

Representation::Representation(Matrix owned, ForcedScale scale) : owned_(std::move(owned)) {
  initialize(owned_.view(), &scale);
}

std::unique_ptr<Representation> Representation::atScale(const Representation& source, int exponent) {
  Matrix copy = Matrix::uninitialized(source.rows(), source.cols());
  scaleByPowerOfTwo(source.raw().data, copy.data(), copy.size(), source.scaleExponent() - exponent);
  std::unique_ptr<Representation> out(new Representation(std::move(copy), ForcedScale{exponent}));
  out->magnitude_ = source.magnitude_;
  return out;
}

std::unique_ptr<Representation> Representation::rowsOf(const Representation& source, const std::int32_t* rows,
                                                       std::size_t count) {
  const MatrixView from = source.raw();
  Matrix copy = Matrix::uninitialized(count, from.cols);
  for (std::size_t i = 0; i < count; ++i) std::copy_n(from.row(static_cast<std::size_t>(rows[i])), from.cols, copy.row(i));
  return std::unique_ptr<Representation>(new Representation(std::move(copy), ForcedScale{source.scaleExponent()}));
}

void Representation::adoptCopy() {
  if (ownsData()) return;
  owned_ = Matrix::copyOf(raw_);
  raw_ = owned_.view();
  memo_.clear();
}

void Representation::initialize(MatrixView view, const ForcedScale* forced) {
  if (view.rows == 0 || view.cols == 0) {
    throw Error(ErrorCode::Shape, "a representation needs at least one row and one column (got " +
                                      std::to_string(view.rows) + " x " + std::to_string(view.cols) + ")");
  }
  if (view.data == nullptr) throw Error(ErrorCode::Internal, "representation has no data");
  ValidationPass pass = validate(view);
  if (forced != nullptr) {
    scaleExponent_ = forced->exponent;
    magnitude_ = pass.maxAbs > 0.0 ? std::ilogb(pass.maxAbs) + scaleExponent_ : INT_MIN;
  } else {
    magnitude_ = pass.maxAbs > 0.0 ? std::ilogb(pass.maxAbs) : INT_MIN;
    const bool safe = pass.maxAbs == 0.0 || (magnitude_ >= -kSafeExponent && magnitude_ < kSafeExponent);
    if (!safe) {
      // The rare case: compute on a copy with its largest |entry| in [1, 2) (see Magnitudes).
      scaleExponent_ = magnitude_;
      if (owned_.size() == 0) owned_ = Matrix::uninitialized(view.rows, view.cols);
      scaleByPowerOfTwo(view.data, owned_.data(), view.size(), -scaleExponent_);
      view = owned_.view();
      pass = validate(view);  // the means of the scaled data (sums of the original may overflow)
    }
  }
  raw_ = view;
  columnMeans_ = std::move(pass.means);
}

MatrixView Representation::data(Centering c) const {
  if (c == Centering::None) return raw_;
  return memo<Matrix>("centered", [&] {
    const auto& means = columnMeans();
    Matrix centered = Matrix::uninitialized(rows(), cols());
    parallelFor(rows(), minRowsPerThread(cols()), [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        checkpoint();
        const double* src = raw_.row(i);
        double* dst = centered.row(i);
        for (std::size_t j = 0; j < cols(); ++j) dst[j] = src[j] - means[j];
      }
    });
    return centered;
  }).view();
}

double Representation::squaredNorm(Centering c) const {
  return memo<double>(std::string("squared-norm:") + centeringName(c), [&] {
    if (c == Centering::None || hasCenteredData()) return frobeniusNormSquared(data(c));
    // Σ (x_ij − μ_j)² in a read-only pass (no centred copy); fixed-order sum of per-chunk partials.
    // Two-pass form: no cancellation, unlike Σx² − Nμ².
    std::map<std::size_t, double> partial;
    std::mutex partialMutex;
    const std::size_t d = cols();
    const double* means = columnMeans_.data();
    parallelFor(rows(), minRowsPerThread(d), [&](std::size_t begin, std::size_t end) {
      std::vector<double> columnSums(d, 0.0);  // per column: vectorisable, no loop-carried scalar
      for (std::size_t i = begin; i < end; ++i) {
        checkpoint();
        const double* r = raw_.row(i);
        for (std::size_t j = 0; j < d; ++j) {
          const double v = r[j] - means[j];
          columnSums[j] += v * v;
        }
      }
      double sum = 0.0;
      for (double v : columnSums) sum += v;
      std::lock_guard<std::mutex> lock(partialMutex);
      partial.emplace(begin, sum);
    });
    double total = 0.0;
    for (const auto& [begin, sum] : partial) total += sum;
    return total;
  });
}

const RowSpaceFactor& Representation::rowSpaceFactor(Centering c) const {
  return memo<RowSpaceFactor>(std::string("row-space-factor:") + centeringName(c), [&] {
    const MatrixView x = data(c);
    RowSpaceFactor f;
    if (x.cols <= x.rows) {
      f.matrix = x;
      f.trans = Trans::Yes;
    } else {
      const Matrix& r = memo<Matrix>(std::string("r-factor:") + centeringName(c), [&] { return rFactorOfTranspose(x); });
      f.matrix = r.view();
      f.trans = Trans::No;
    }
    return f;
  });
}

namespace {

// The means to subtract for `c`, or none: lets centeredCrossProduct work from the raw data.
const std::vector<double>& meansFor(const Representation& r, Centering c) {
  static const std::vector<double> none;
  return c == Centering::Columns && !r.hasCenteredData() ? r.columnMeans() : none;
}

MatrixView sourceFor(const Representation& r, Centering c) {
  return c == Centering::Columns && r.hasCenteredData() ? r.data(c) : r.raw();
}

}  // namespace

const Matrix& Representation::covariance(Centering c) const {
  return memo<Matrix>(std::string("covariance:") + centeringName(c),
                      [&] { return centeredCrossProduct(sourceFor(*this, c), meansFor(*this, c), nullptr, {}); });
}

double Representation::covarianceSquaredNorm(Centering c) const {
  return memo<double>(std::string("covariance-squared-norm:") + centeringName(c), [&] {
    if (cols() <= rows()) return frobeniusNormSquared(covariance(c).view());
    // D > N: R Rᵀ (N × N) has the non-zero spectrum of XᵀX at a fraction of the cost.
    return frobeniusNormSquared(gramOfRows(rowSpaceFactor(c).matrix).view());
  });
}

const Matrix& Representation::gram(Centering c) const {
  return memo<Matrix>(std::string("gram:") + centeringName(c), [&] { return gramOfRows(data(c)); });
}

const Svd& Representation::svd(Centering c) const {
  return memo<Svd>(std::string("svd:") + centeringName(c), [&] { return thinSvd(data(c)); });
}

const Matrix& Representation::columnSpaceBasis(Centering c) const {
  const Svd& full = svd(c);
  // Full rank: the basis is U itself, not an N × min(N, D) copy of it.
  if (numericalRank(full.s, rows(), cols()) == full.u.cols()) return full.u;
  return memo<Matrix>(std::string("column-space-basis:") + centeringName(c), [&] {
    const Svd& decomposition = svd(c);
    const std::size_t r = numericalRank(decomposition.s, rows(), cols());
    Matrix basis = Matrix::uninitialized(rows(), r);
    for (std::size_t i = 0; i < rows(); ++i) {
      if ((i & 0xff) == 0) checkpoint();
      for (std::size_t j = 0; j < r; ++j) basis(i, j) = decomposition.u(i, j);
    }
    return basis;
  });
}

const std::vector<double>& Representation::columnNorms(Centering c) const {
  return memo<std::vector<double>>(std::string("column-norms:") + centeringName(c), [&] {
    const std::size_t d = cols();
    const bool center = c == Centering::Columns;
    std::vector<double> sums(d, 0.0);
    for (std::size_t i = 0; i < rows(); ++i) {
      checkpoint();
      const double* r = raw_.row(i);
      for (std::size_t j = 0; j < d; ++j) {
        const double v = center ? r[j] - columnMeans_[j] : r[j];
        sums[j] += v * v;
      }
    }
    for (double& v : sums) v = std::sqrt(v);
    return sums;
  });
}

bool Representation::isConstant(Centering c) const {
  const double raw = squaredNorm(Centering::None);
  if (c == Centering::None) return raw == 0.0;
  // 1e-13 relative: variation below this is not resolved by float64 arithmetic on the raw values.
  constexpr double kRelativeFloor = 1e-13;
  return squaredNorm(Centering::Columns) <= kRelativeFloor * kRelativeFloor * raw;
}

RepresentationPair::RepresentationPair(const Representation& a, const Representation& b) : a_(a), b_(b) {
  if (a.rows() != b.rows()) {
    throw Error(ErrorCode::Shape, "the two representations must have the same number of rows (inputs): got " +
                                      std::to_string(a.rows()) + " and " + std::to_string(b.rows()));
  }
}

MatrixView RepresentationPair::crossFactor(Centering c) const {
  return memo<Matrix>(std::string("cross-factor:") + centeringName(c), [&] {
    if (a_.cols() <= a_.rows() && b_.cols() <= b_.rows()) {
      // Both factors are Xᵀ (feature space): Xᵀ Y over the N inputs, centring blocks on the fly.
      const MatrixView y = sourceFor(b_, c);
      return centeredCrossProduct(sourceFor(a_, c), meansFor(a_, c), &y, meansFor(b_, c));
    }
    const RowSpaceFactor& fa = a_.rowSpaceFactor(c);
    const RowSpaceFactor& fb = b_.rowSpaceFactor(c);
    const Trans tb = fb.trans == Trans::Yes ? Trans::No : Trans::Yes;
    return multiply(fa.matrix, fa.trans, fb.matrix, tb);
  }).view();
}

const std::vector<double>& RepresentationPair::crossSingularValues(Centering c) const {
  return memo<std::vector<double>>(std::string("cross-singular-values:") + centeringName(c),
                                   [&] { return singularValues(crossFactor(c)); });
}

double RepresentationPair::nuclearNorm(Centering c) const {
  const auto& s = crossSingularValues(c);
  return std::accumulate(s.begin(), s.end(), 0.0);
}

double RepresentationPair::crossSquaredNorm(Centering c) const {
  return memo<double>(std::string("cross-squared-norm:") + centeringName(c),
                      [&] { return frobeniusNormSquared(crossFactor(c)); });
}

}  // namespace nnsim
