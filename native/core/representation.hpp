// Prepared representations: an N x D matrix (a zero-copy view of the caller's float64 or float32 memory)
// plus the quantities that several measures derive from it, each computed lazily and at most once.
//
// Float32 sources are read where they lie. Sufficient statistics (column means, norms, XᵀX, XᵀY, the
// finite check) read them through bounded float64 row blocks and accumulate in float64; only measures
// that need the whole matrix in float64 (an SVD of the data, N × N distances, k-NN lists …) make a
// float64 copy, once, through raw() (float64CopyBytes() says how large it is).
//
// A measure never centres, factors or multiplies a representation itself when a shared quantity
// exists here; family files add their own derived quantities through memo() (e.g. k-NN lists).
#pragma once

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cache.hpp"
#include "linalg.hpp"
#include "matrix.hpp"
#include "moments.hpp"

namespace nnsim {

enum class Centering { None, Columns };

// F with F Fᵀ = Xᵀ X up to an orthogonal change of basis on the right, stored compactly:
//   D <= N: F = Xᵀ (we keep X and a transpose flag, nothing is copied);
//   D >  N: F = R (N x N) from the QR factorisation Xᵀ = Q R, so X Xᵀ = Rᵀ R.
// For two representations of the same N inputs, Xᵀ Y = Q_x F_x F_yᵀ Q_yᵀ, so F_x F_yᵀ has the singular
// values and Frobenius norm of the cross-covariance Xᵀ Y at the cost of a min(D, N)-sized product.
struct RowSpaceFactor {
  MatrixView matrix;
  Trans trans = Trans::No;  // factor = trans == Yes ? matrixᵀ : matrix
  std::size_t rank() const { return trans == Trans::Yes ? matrix.cols : matrix.rows; }
};

// Rows `rows[0 … count)` of `source` (indices in [0, N), in that order) as a float64 matrix (float32 rows
// converted, exactly).
Matrix gatherRows(const SourceView& source, const std::int32_t* rows, std::size_t count);

// Magnitudes. Products, Gram matrices and squared distances of entries above ~1e154 overflow and of
// entries below ~1e-154 underflow, and LAPACK can spin for ever on the resulting infinities. So a
// representation whose largest |entry| lies outside [2^-kSafeExponent, 2^kSafeExponent) is computed on
// a copy scaled by an exact power of two, 2^-e with e = ilogb(max |entry|) (its largest |entry| is then
// in [1, 2)); inside that range nothing is copied (e = 0). Squares of safe entries summed over any
// N, D ≤ 2^31 stay far inside the double range. Each measure declares how its value responds to the
// scaling (MeasureDef::scaling in measure.hpp), and the runner undoes it or refuses.
class Representation {
 public:
  static constexpr int kSafeExponent = 200;

  // Validates the source: rows >= 1, cols >= 1, every entry finite. The memory must outlive this object
  // (unless the magnitude rule made a scaled copy). A float32 source is always inside the safe range
  // (float32's finite magnitudes lie in [2^-149, 2^128)), so it is never copied for the magnitude rule.
  explicit Representation(SourceView source);
  explicit Representation(MatrixView raw) : Representation(SourceView(raw)) {}
  // The same over a matrix it takes over (a scaled copy, if one is needed, is made in place).
  explicit Representation(Matrix owned);
  // A float64 copy of `source` at the given scale exponent: raw() = 2^-exponent × the caller's matrix (for
  // measures that need both inputs of a pair at one scale).
  static std::unique_ptr<Representation> atScale(const Representation& source, int exponent);
  // Rows `rows[0 … count)` of `source` (indices in [0, N), in that order, repeats allowed), at the
  // source's scale, as float64: raw() = those rows of source.raw(), scaleExponent() = source's. The permuted,
  // resampled and held-out copies of an input (inference.cpp), which each measure's scale rule then
  // treats as it treats the input itself.
  static std::unique_ptr<Representation> rowsOf(const Representation& source, const std::int32_t* rows, std::size_t count);

  // The data the core computes on (float64 or float32): the caller's matrix, scaled by 2^-scaleExponent()
  // when the magnitude rule copied it (see Magnitudes).
  SourceView source() const { return source_; }
  // X in float64: source() itself for a float64 source; for a float32 source a float64 copy made on
  // first use and kept (float64CopyBytes() bytes). Sufficient-statistics paths never call it.
  MatrixView raw() const;
  // Bytes raw() allocates on first use: N·D·8 for a float32 source that has no copy yet, else 0. For the
  // working-memory estimates of measures that need the whole matrix in float64.
  std::size_t float64CopyBytes() const;
  // e with source() = 2^-e × the caller's matrix (0 unless the magnitude rule rescaled it).
  int scaleExponent() const { return scaleExponent_; }
  // ilogb of the caller's largest |entry|; INT_MIN for an all-zero matrix.
  int magnitude() const { return magnitude_; }
  // True when source() is memory this object owns (a scaled copy, a matrix it was given, an async copy).
  bool ownsData() const { return owned_.size() > 0 || ownedSingle_ != nullptr; }
  bool isSingle() const { return source_.isSingle(); }
  std::size_t rows() const { return source_.rows; }
  std::size_t cols() const { return source_.cols; }

  // Calls fn(MatrixView block, std::size_t firstRow) on consecutive blocks of rows of data(c) in float64,
  // in order: zero-copy for a float64 source (one block, or the cached centred copy), else blocks of
  // about 16 MB converted (and centred) into one reused scratch buffer.
  template <class Fn>
  void forEachRowBlock(Centering c, Fn&& fn) const;
  // The rows and centre that the moments kernels (moments.hpp) read for data(c).
  MomentInput momentInput(Centering c) const;

  // Column means, computed by the constructor's validation pass.
  const std::vector<double>& columnMeans() const { return columnMeans_; }
  // X (None) or X − 1μᵀ (Columns).
  MatrixView data(Centering c) const;
  // ‖X‖_F² of data(c).
  double squaredNorm(Centering c) const;
  // The factor F (see RowSpaceFactor); materialises data(c) or the R factor. Feature-space products
  // (D <= N) do not need it: covariance() and RepresentationPair::crossFactor() work from the raw data.
  const RowSpaceFactor& rowSpaceFactor(Centering c) const;
  // XᵀX (D × D) of data(c), from row blocks (neither a centred nor a float64 copy is made).
  const Matrix& covariance(Centering c, Precision precision = Precision::Double) const;
  // ‖XᵀX‖_F² = Σ σ_i⁴ of data(c): the self term of linear HSIC (Kornblith et al. 2019, Eq. 4 numerator).
  double covarianceSquaredNorm(Centering c, Precision precision = Precision::Double) const;
  bool hasCovariance(Centering c, Precision precision) const;
  // X Xᵀ (N × N) of data(c): the linear kernel / Gram matrix.
  const Matrix& gram(Centering c) const;
  // Thin SVD of data(c): U (N × k), s, Vᵀ (k × D), k = min(N, D).
  const Svd& svd(Centering c) const;
  // Orthonormal basis (N × r) of the column space of data(c): the first r left singular vectors, r the
  // numerical rank (numericalRank with numpy's default tolerance). Used by subspace measures.
  const Matrix& columnSpaceBasis(Centering c) const;
  // Euclidean norm of each column of data(c).
  const std::vector<double>& columnNorms(Centering c) const;
  // True once data(Columns) has been materialised (cheaper paths then reuse it).
  bool hasCenteredData() const { return memo_.has("centered"); }
  // True when data(c) is zero up to roundoff: all-zero input (None), or all rows equal (Columns), judged
  // relative to ‖X‖_F because centring leaves ~eps·|x| residue when the rows are equal.
  bool isConstant(Centering c) const;

  // For family-specific quantities: memo<T>("family:name:params", [&] { return T(...); }).
  template <class T, class Compute>
  const T& memo(const std::string& key, Compute&& compute) const {
    return memo_.get<T>(key, std::forward<Compute>(compute));
  }

  void clearCache() { memo_.clear(); }

  // Makes source() memory of this object's own: copies the caller's matrix in its own element type (a
  // float32 source stays float32; no-op when it owns its data already) and clears the cache, whose
  // entries may view the old memory. For async runs, which must not read memory the caller can free
  // meanwhile. Only while no other thread uses the representation.
  void adoptCopy();

 private:
  friend class RepresentationPair;  // stores the covariances of a joint product (secondMoments)
  static std::string covarianceKey(Centering c, Precision precision);
  static std::string squaredNormKey(Centering c);

  struct ForcedScale {
    int exponent;
  };
  Representation(Matrix owned, ForcedScale scale);
  // Validates, applies the magnitude rule (unless `forced`) and computes the column means.
  void initialize(SourceView view, const ForcedScale* forced);

  Matrix owned_;                         // float64 data this object owns
  std::unique_ptr<float[]> ownedSingle_;  // float32 data this object owns (adoptCopy of a float32 source)
  SourceView source_;
  int scaleExponent_ = 0;
  int magnitude_ = INT_MIN;
  std::vector<double> columnMeans_;
  Memo memo_;
};

template <class Fn>
void Representation::forEachRowBlock(Centering c, Fn&& fn) const {
  const MomentInput in = momentInput(c);
  if (!in.source.isSingle() && in.centre == nullptr) {
    fn(in.source.doubles(), std::size_t{0});
    return;
  }
  const std::size_t block = std::min(rows(), momentBlockRows(cols(), Precision::Double));
  Matrix scratch = Matrix::uninitialized(block, cols());
  for (std::size_t at = 0; at < rows(); at += block) {
    const std::size_t count = std::min(block, rows() - at);
    copyCentredRows(in, at, count, scratch.data(), cols(), 0);
    fn(MatrixView(scratch.data(), count, cols()), at);
  }
}

// 2^exponent × each entry of `from` into `to` (same size; may alias): exact except where a result
// falls into the subnormal range.
void scaleByPowerOfTwo(const double* from, double* to, std::size_t count, int exponent);

// Quantities of a pair (cross products); the two representations must have the same N.
class RepresentationPair {
 public:
  // `precision` applies to the feature-space products of this pair (cross products, and covariances
  // requested through secondMoments / the kernels that pass it on); see moments.hpp.
  RepresentationPair(const Representation& a, const Representation& b, Precision precision = Precision::Double);

  const Representation& a() const { return a_; }
  const Representation& b() const { return b_; }
  std::size_t rows() const { return a_.rows(); }
  Precision precision() const { return precision_; }

  // Makes XᵀX, YᵀY (on a() and b()) and XᵀY (crossFactor) of data(c) available. When none of them is
  // cached and both D, D' <= N they come from one dsyrk of [X Y] per row block (see moments.hpp);
  // otherwise only the missing ones are computed, each on its own.
  void secondMoments(Centering c) const;

  // F_a F_bᵀ (see RowSpaceFactor): same singular values and Frobenius norm as Xᵀ Y.
  MatrixView crossFactor(Centering c) const;
  // Singular values of Xᵀ Y, descending; zero-padding D ≠ D' does not change them.
  const std::vector<double>& crossSingularValues(Centering c) const;
  // ‖Xᵀ Y‖_* (nuclear norm).
  double nuclearNorm(Centering c) const;
  // ‖Xᵀ Y‖_F².
  double crossSquaredNorm(Centering c) const;

  template <class T, class Compute>
  const T& memo(const std::string& key, Compute&& compute) const {
    return memo_.get<T>(key, std::forward<Compute>(compute));
  }

 private:
  std::string crossKey(Centering c) const;

  const Representation& a_;
  const Representation& b_;
  Precision precision_;
  Memo memo_;
};

const char* centeringName(Centering c);

}  // namespace nnsim
