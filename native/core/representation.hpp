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
#include <cstddef>
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

class Representation {
 public:
  // Validates the source: rows >= 1, cols >= 1, every entry finite. The memory must outlive this object.
  explicit Representation(SourceView source);
  explicit Representation(MatrixView raw) : Representation(SourceView(raw)) {}
  explicit Representation(const Matrix& raw) : Representation(SourceView(raw.view())) {}

  // The caller's data as given (float64 or float32).
  SourceView source() const { return source_; }
  // X in float64: the caller's memory for a float64 source; for a float32 source a float64 copy made on
  // first use and kept (float64CopyBytes() bytes). Sufficient-statistics paths never call it.
  MatrixView raw() const;
  // Bytes raw() allocates on first use: N·D·8 for a float32 source that has no copy yet, else 0. For the
  // working-memory estimates of measures that need the whole matrix in float64.
  std::size_t float64CopyBytes() const;
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

 private:
  friend class RepresentationPair;  // stores the covariances of a joint product (secondMoments)
  static std::string covarianceKey(Centering c, Precision precision);
  static std::string squaredNormKey(Centering c);

  SourceView source_;
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
