#include "representation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "column_scan.hpp"
#include "errors.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

namespace nnsim {

const char* centeringName(Centering c) { return c == Centering::Columns ? "centered" : "raw"; }

namespace {

// Rows per thread below which a pass over the matrix is not worth a thread.
std::size_t minRowsPerThread(std::size_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 20) / std::max<std::size_t>(1, cols)); }

struct ValidationPass {
  std::vector<double> means;
  double maxAbs = 0.0;
};

// One pass validates every entry and accumulates the column sums (so the means come for free) and the
// largest |entry| (scanColumns, column_scan.hpp); per-chunk partials are summed in row order (so the
// means do not depend on the threads' scheduling).
template <class T>
ValidationPass validate(const T* data, std::size_t rows, std::size_t d) {
  ValidationPass out;
  out.means.assign(d, 0.0);
  struct Partial {
    std::vector<double> sums;
    double maxAbs;
  };
  orderedReduce(
      rows, minRowsPerThread(d),
      [&](std::size_t begin, std::size_t end) {
        Partial partial{std::vector<double>(d, 0.0), 0.0};
        std::vector<double> columnMax(d, 0.0);
        scanColumns(
            data, begin, end, d, nullptr, partial.sums.data(), columnMax.data(),
            [](std::size_t i, std::size_t j, double v) {
              throw Error(ErrorCode::NonFinite, "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                                    (std::isnan(v) ? "NaN" : "infinite"));
            },
            [](std::size_t, const T*) {});
        for (double m : columnMax) partial.maxAbs = std::max(partial.maxAbs, m);
        return partial;
      },
      [&](const Partial& partial) {
        for (std::size_t j = 0; j < d; ++j) out.means[j] += partial.sums[j];
        out.maxAbs = std::max(out.maxAbs, partial.maxAbs);
      });
  for (double& m : out.means) m /= static_cast<double>(rows);
  return out;
}

ValidationPass validate(const SourceView& s) {
  return s.isSingle() ? validate(s.f32(), s.rows, s.cols) : validate(s.f64(), s.rows, s.cols);
}

// Σ_i (x_ij − c_j)² per column j (c = nullptr: no centring), read straight from the source. Two-pass
// form when centred: no cancellation, unlike Σx² − Nμ².
template <class T>
std::vector<double> columnSquareSums(const T* data, std::size_t rows, std::size_t d, const double* centre) {
  std::vector<double> total(d, 0.0);
  orderedReduce(
      rows, minRowsPerThread(d),
      [&](std::size_t begin, std::size_t end) {
        std::vector<double> sums(d, 0.0);  // per column: vectorisable, no loop-carried scalar
        for (std::size_t i = begin; i < end; ++i) {
          checkpoint();
          const T* r = data + i * d;
          for (std::size_t j = 0; j < d; ++j) {
            const double v = static_cast<double>(r[j]) - (centre != nullptr ? centre[j] : 0.0);
            sums[j] += v * v;
          }
        }
        return sums;
      },
      [&](const std::vector<double>& sums) {
        for (std::size_t j = 0; j < d; ++j) total[j] += sums[j];
      });
  return total;
}

std::vector<double> columnSquareSums(const MomentInput& in) {
  const SourceView& s = in.source;
  return s.isSingle() ? columnSquareSums(s.f32(), s.rows, s.cols, in.centre)
                      : columnSquareSums(s.f64(), s.rows, s.cols, in.centre);
}

// A float64 copy of the source (converted from float32 where needed), in pieces with cancellation points.
Matrix float64Copy(const SourceView& source) {
  Matrix copy = Matrix::uninitialized(source.rows, source.cols);
  copyCentredRows(MomentInput{source, nullptr}, 0, source.rows, copy.data(), source.cols, 0);
  return copy;
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

Representation::Representation(SourceView source) { initialize(source, nullptr); }

Representation::Representation(Matrix owned) : owned_(std::move(owned)) { initialize(owned_.view(), nullptr); }

Representation::Representation(Matrix owned, ForcedScale scale) : owned_(std::move(owned)) {
  initialize(owned_.view(), &scale);
}

std::unique_ptr<Representation> Representation::atScale(const Representation& source, int exponent) {
  Matrix copy = float64Copy(source.source());
  scaleByPowerOfTwo(copy.data(), copy.data(), copy.size(), source.scaleExponent() - exponent);
  std::unique_ptr<Representation> out(new Representation(std::move(copy), ForcedScale{exponent}));
  out->magnitude_ = source.magnitude_;
  return out;
}

Matrix gatherRows(const SourceView& source, const std::int32_t* rows, std::size_t count) {
  Matrix out = Matrix::uninitialized(count, source.cols);
  for (std::size_t i = 0; i < count; ++i) {
    if ((i & 0xff) == 0) checkpoint();
    const std::size_t r = static_cast<std::size_t>(rows[i]);
    if (source.isSingle()) {
      const float* from = source.f32() + r * source.cols;
      std::copy(from, from + source.cols, out.row(i));  // float32 → float64: exact
    } else {
      std::copy_n(source.f64() + r * source.cols, source.cols, out.row(i));
    }
  }
  return out;
}

std::unique_ptr<Representation> Representation::rowsOf(const Representation& source, const std::int32_t* rows,
                                                       std::size_t count) {
  // Read from the source as it is (float32 rows converted one by one): no float64 copy of the whole input.
  Matrix copy = gatherRows(source.source(), rows, count);
  return std::unique_ptr<Representation>(new Representation(std::move(copy), ForcedScale{source.scaleExponent()}));
}

void Representation::adoptCopy() {
  if (ownsData()) return;
  if (source_.isSingle()) {
    ownedSingle_.reset(new float[source_.size()]);
    constexpr std::size_t piece = std::size_t{1} << 19;
    for (std::size_t k = 0; k < source_.size(); k += piece) {
      if (k > 0) checkpoint();
      std::copy_n(source_.f32() + k, std::min(piece, source_.size() - k), ownedSingle_.get() + k);
    }
    source_ = SourceView(ownedSingle_.get(), source_.rows, source_.cols);
  } else {
    owned_ = Matrix::copyOf(source_.doubles());
    source_ = SourceView(owned_.view());
  }
  memo_.clear();
}

void Representation::initialize(SourceView view, const ForcedScale* forced) {
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
      // The rare case (float64 only, see the constructor): compute on a copy with its largest |entry| in
      // [1, 2) (see Magnitudes).
      scaleExponent_ = magnitude_;
      if (owned_.size() == 0) owned_ = Matrix::uninitialized(view.rows, view.cols);
      scaleByPowerOfTwo(view.f64(), owned_.data(), view.size(), -scaleExponent_);
      view = SourceView(owned_.view());
      pass = validate(view);  // the means of the scaled data (sums of the original may overflow)
    }
  }
  source_ = view;
  columnMeans_ = std::move(pass.means);
}

MatrixView Representation::raw() const {
  if (!source_.isSingle()) return source_.doubles();
  return memo<Matrix>("float64-copy", [&] { return float64Copy(source_); }).view();
}

std::size_t Representation::float64CopyBytes() const {
  return source_.isSingle() && !memo_.has("float64-copy") ? source_.size() * sizeof(double) : 0;
}

MomentInput Representation::momentInput(Centering c) const {
  // |x| < 2^(m+1) and |x − x̄| < 2^(m+2) for m = ilogb of source()'s largest |entry|: 'single' products
  // round (x − x̄)·2^-(m+1), below 2 in magnitude.
  const int exponent = magnitude_ == INT_MIN ? 0 : magnitude_ - scaleExponent_ + 1;
  if (c == Centering::Columns && hasCenteredData()) return {data(c), nullptr, exponent};
  const SourceView rows = source_.isSingle() && memo_.has("float64-copy") ? SourceView(raw()) : source_;
  return {rows, c == Centering::Columns ? columnMeans_.data() : nullptr, exponent};
}

MatrixView Representation::data(Centering c) const {
  if (c == Centering::None) return raw();
  return memo<Matrix>("centered", [&] {
    Matrix centered = Matrix::uninitialized(rows(), cols());
    copyCentredRows(MomentInput{source_, columnMeans_.data()}, 0, rows(), centered.data(), cols(), 0);
    return centered;
  }).view();
}

std::string Representation::squaredNormKey(Centering c) { return std::string("squared-norm:") + centeringName(c); }

double Representation::squaredNorm(Centering c) const {
  return memo<double>(squaredNormKey(c), [&] {
    // ‖X‖² = ‖X_c‖² + N‖x̄‖² adds two non-negative terms (no cancellation), so a known ‖X_c‖² (taken
    // by the product that copied the centred rows) or a cached float64 XᵀX of the centred rows (its
    // diagonal) gives both without another pass over the rows.
    const auto withMean = [&](double centred) {
      if (c == Centering::Columns) return centred;
      double mean = 0.0;
      for (double m : columnMeans_) mean += m * m;
      return centred + static_cast<double>(rows()) * mean;
    };
    if (c == Centering::None && memo_.has(squaredNormKey(Centering::Columns))) return withMean(squaredNorm(Centering::Columns));
    if (hasCovariance(Centering::Columns, Precision::Double)) {
      const Matrix& cov = covariance(Centering::Columns);
      double total = 0.0;
      for (std::size_t j = 0; j < cols(); ++j) total += cov(j, j);
      return withMean(total);
    }
    const MomentInput in = momentInput(c);
    if (!in.source.isSingle() && in.centre == nullptr) return frobeniusNormSquared(in.source.doubles());
    const std::vector<double> sums = columnSquareSums(in);
    return std::accumulate(sums.begin(), sums.end(), 0.0);
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

std::string Representation::covarianceKey(Centering c, Precision precision) {
  return std::string("covariance:") + centeringName(c) + ":" + precisionName(precision);
}

bool Representation::hasCovariance(Centering c, Precision precision) const { return memo_.has(covarianceKey(c, precision)); }

const Matrix& Representation::covariance(Centering c, Precision precision) const {
  return memo<Matrix>(covarianceKey(c, precision), [&] {
    std::vector<double> squares;
    Matrix out = momentsOf({momentInput(c)}, precision, &squares);
    mirrorUpper(out);
    // ‖X‖² of the rows just copied (float64, whatever the precision): no further pass for it.
    if (!squares.empty()) memo<double>(squaredNormKey(c), [&] { return squares[0]; });
    return out;
  });
}

double Representation::covarianceSquaredNorm(Centering c, Precision precision) const {
  return memo<double>(std::string("covariance-squared-norm:") + centeringName(c) + ":" + precisionName(precision), [&] {
    if (cols() <= rows()) return frobeniusNormSquared(covariance(c, precision).view());
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
    std::vector<double> sums = columnSquareSums(momentInput(c));
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

RepresentationPair::RepresentationPair(const Representation& a, const Representation& b, Precision precision)
    : a_(a), b_(b), precision_(precision) {
  if (a.rows() != b.rows()) {
    throw Error(ErrorCode::Shape, "the two representations must have the same number of rows (inputs): got " +
                                      std::to_string(a.rows()) + " and " + std::to_string(b.rows()));
  }
}

std::string RepresentationPair::crossKey(Centering c) const {
  return std::string("cross-factor:") + centeringName(c) + ":" + precisionName(precision_);
}

void RepresentationPair::secondMoments(Centering c) const {
  const bool featureSpace = a_.cols() <= rows() && b_.cols() <= rows();
  if (featureSpace && !memo_.has(crossKey(c)) && !a_.hasCovariance(c, precision_) && !b_.hasCovariance(c, precision_) &&
      &a_ != &b_) {
    memo<Matrix>(crossKey(c), [&] {
      const std::size_t da = a_.cols();
      const std::size_t db = b_.cols();
      std::vector<double> squares;
      const Matrix joint = momentsOf({a_.momentInput(c), b_.momentInput(c)}, precision_, &squares);
      // ‖X‖², ‖Y‖² of the rows just copied (float64, whatever the precision): no further pass for them.
      if (!squares.empty()) {
        a_.memo<double>(Representation::squaredNormKey(c), [&] { return squares[0]; });
        b_.memo<double>(Representation::squaredNormKey(c), [&] { return squares[1]; });
      }
      // Split the upper triangle of [XᵀX XᵀY; · YᵀY] into the three products.
      Matrix xx = Matrix::uninitialized(da, da);
      Matrix yy = Matrix::uninitialized(db, db);
      Matrix xy = Matrix::uninitialized(da, db);
      parallelFor(da + db, std::max<std::size_t>(1, (std::size_t{1} << 18) / (da + db)), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t i = lo; i < hi; ++i) {
          const double* from = joint.row(i);
          if (i < da) {
            std::copy(from + i, from + da, xx.row(i) + i);
            std::copy_n(from + da, db, xy.row(i));
          } else {
            std::copy(from + i, from + da + db, yy.row(i - da) + (i - da));
          }
        }
      });
      mirrorUpper(xx);
      mirrorUpper(yy);
      a_.memo<Matrix>(Representation::covarianceKey(c, precision_), [&] { return std::move(xx); });
      b_.memo<Matrix>(Representation::covarianceKey(c, precision_), [&] { return std::move(yy); });
      return xy;
    });
    return;
  }
  crossFactor(c);
  if (a_.cols() <= rows()) a_.covariance(c, precision_);
  if (b_.cols() <= rows()) b_.covariance(c, precision_);
}

MatrixView RepresentationPair::crossFactor(Centering c) const {
  return memo<Matrix>(crossKey(c), [&] {
    if (a_.cols() <= a_.rows() && b_.cols() <= b_.rows()) {
      // Both factors are Xᵀ (feature space): Xᵀ Y over the N inputs, centring blocks on the fly.
      Matrix out(a_.cols(), b_.cols());
      SquaredNorms squares;
      accumulateCross(a_.momentInput(c), b_.momentInput(c), 0, rows(), precision_, out, &squares);
      if (squares.valid) {
        // ‖X‖², ‖Y‖² of the blocks that were just copied: no further pass over the rows for them.
        a_.memo<double>(Representation::squaredNormKey(c), [&] { return squares.x; });
        b_.memo<double>(Representation::squaredNormKey(c), [&] { return squares.y; });
      }
      return out;
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
