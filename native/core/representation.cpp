#include "representation.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "errors.hpp"
#include "parallel.hpp"

namespace nnsim {

const char* centeringName(Centering c) { return c == Centering::Columns ? "centered" : "raw"; }

namespace {

// Rows per thread below which a pass over the matrix is not worth a thread.
std::size_t minRowsPerThread(std::size_t cols) { return std::max<std::size_t>(1, (std::size_t{1} << 20) / std::max<std::size_t>(1, cols)); }

bool isFiniteValue(double v) { return std::fabs(v) <= std::numeric_limits<double>::max(); }  // false for NaN, ±inf
bool isFiniteValue(float v) { return std::fabs(v) <= FLT_MAX; }

// One pass that validates every entry and returns the column sums, summed per chunk and then in row
// order (so the means do not depend on the thread count's scheduling).
template <class T>
std::vector<double> validatedColumnSums(const T* data, std::size_t rows, std::size_t d) {
  std::vector<double> total(d, 0.0);
  orderedReduce(
      rows, minRowsPerThread(d),
      [&](std::size_t begin, std::size_t end) {
        std::vector<double> sums(d, 0.0);
        for (std::size_t i = begin; i < end; ++i) {
          const T* r = data + i * d;
          // Column-wise accumulations (no loop-carried scalar) so the compiler vectorises the pass.
          bool finite = true;
          for (std::size_t j = 0; j < d; ++j) {
            sums[j] += static_cast<double>(r[j]);
            finite &= isFiniteValue(r[j]);
          }
          if (!finite) {
            for (std::size_t j = 0; j < d; ++j) {
              if (!isFiniteValue(r[j])) {
                throw Error(ErrorCode::NonFinite, "entry (" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                                      (std::isnan(r[j]) ? "NaN" : "infinite"));
              }
            }
          }
        }
        return sums;
      },
      [&](const std::vector<double>& sums) {
        for (std::size_t j = 0; j < d; ++j) total[j] += sums[j];
      });
  return total;
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

}  // namespace

Representation::Representation(SourceView source) : source_(source) {
  if (source.rows == 0 || source.cols == 0) {
    throw Error(ErrorCode::Shape, "a representation needs at least one row and one column (got " +
                                      std::to_string(source.rows) + " x " + std::to_string(source.cols) + ")");
  }
  if (source.data == nullptr) throw Error(ErrorCode::Internal, "representation has no data");
  columnMeans_ = source.isSingle() ? validatedColumnSums(source.f32(), source.rows, source.cols)
                                   : validatedColumnSums(source.f64(), source.rows, source.cols);
  for (double& m : columnMeans_) m /= static_cast<double>(source.rows);
}

MatrixView Representation::raw() const {
  if (!source_.isSingle()) return source_.doubles();
  return memo<Matrix>("float64-copy", [&] {
    Matrix copy = Matrix::uninitialized(rows(), cols());
    copyCentredRows(MomentInput{source_, nullptr}, 0, rows(), copy.data(), cols(), 0);
    return copy;
  }).view();
}

std::size_t Representation::float64CopyBytes() const {
  return source_.isSingle() && !memo_.has("float64-copy") ? source_.size() * sizeof(double) : 0;
}

MomentInput Representation::momentInput(Centering c) const {
  if (c == Centering::Columns && hasCenteredData()) return {data(c), nullptr};
  const SourceView rows = source_.isSingle() && memo_.has("float64-copy") ? SourceView(raw()) : source_;
  return {rows, c == Centering::Columns ? columnMeans_.data() : nullptr};
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
    // A cached XᵀX of the centred rows holds it on its diagonal; ‖X‖² = ‖X_c‖² + N‖x̄‖² adds two
    // non-negative terms (no cancellation). Otherwise one pass over the rows.
    if (hasCovariance(Centering::Columns, Precision::Double)) {
      const Matrix& cov = covariance(Centering::Columns);
      double total = 0.0;
      for (std::size_t j = 0; j < cols(); ++j) total += cov(j, j);
      if (c == Centering::None) {
        double mean = 0.0;
        for (double m : columnMeans_) mean += m * m;
        total += static_cast<double>(rows()) * mean;
      }
      return total;
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
    Matrix out(cols(), cols());
    accumulateMoments({momentInput(c)}, 0, rows(), precision, out);
    mirrorUpper(out);
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
  return memo<Matrix>(std::string("column-space-basis:") + centeringName(c), [&] {
    const Svd& decomposition = svd(c);
    const std::size_t r = numericalRank(decomposition.s, rows(), cols());
    Matrix basis = Matrix::uninitialized(rows(), r);
    for (std::size_t i = 0; i < rows(); ++i) {
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
      Matrix joint(da + db, da + db);
      accumulateMoments({a_.momentInput(c), b_.momentInput(c)}, 0, rows(), precision_, joint);
      // Split the upper triangle of [XᵀX XᵀY; · YᵀY] into the three products.
      Matrix xx = Matrix::uninitialized(da, da);
      Matrix yy = Matrix::uninitialized(db, db);
      Matrix xy = Matrix::uninitialized(da, db);
      for (std::size_t i = 0; i < da; ++i) {
        for (std::size_t j = i; j < da; ++j) xx(i, j) = xx(j, i) = joint(i, j);
        for (std::size_t j = 0; j < db; ++j) xy(i, j) = joint(i, da + j);
      }
      for (std::size_t i = 0; i < db; ++i) {
        for (std::size_t j = i; j < db; ++j) yy(i, j) = yy(j, i) = joint(da + i, da + j);
      }
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
      accumulateCross(a_.momentInput(c), b_.momentInput(c), 0, rows(), precision_, out, nullptr, &squares);
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
