// Prepared representations: an N x D matrix (a zero-copy view of the caller's memory) plus the
// quantities that several measures derive from it, each computed lazily and at most once.
//
// A measure never centres, factors or multiplies a representation itself when a shared quantity
// exists here; family files add their own derived quantities through memo() (e.g. k-NN lists).
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cache.hpp"
#include "linalg.hpp"
#include "matrix.hpp"

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

  // Validates the view: rows >= 1, cols >= 1, every entry finite. The memory must outlive this object
  // (unless the magnitude rule made a scaled copy).
  explicit Representation(MatrixView raw);
  // The same over a matrix it takes over (a scaled copy, if one is needed, is made in place).
  explicit Representation(Matrix owned);
  // A copy of `source` at the given scale exponent: raw() = 2^-exponent × the caller's matrix (for
  // measures that need both inputs of a pair at one scale).
  static std::unique_ptr<Representation> atScale(const Representation& source, int exponent);
  // Rows `rows[0 … count)` of `source` (indices in [0, N), in that order, repeats allowed), at the
  // source's scale: raw() = those rows of source.raw(), scaleExponent() = source's. The permuted,
  // resampled and held-out copies of an input (inference.cpp), which each measure's scale rule then
  // treats as it treats the input itself.
  static std::unique_ptr<Representation> rowsOf(const Representation& source, const std::int32_t* rows, std::size_t count);

  // The data the core computes on: the caller's matrix scaled by 2^-scaleExponent() (see Magnitudes).
  MatrixView raw() const { return raw_; }
  // e with raw() = 2^-e × the caller's matrix (0 unless the magnitude rule rescaled it).
  int scaleExponent() const { return scaleExponent_; }
  // ilogb of the caller's largest |entry|; INT_MIN for an all-zero matrix.
  int magnitude() const { return magnitude_; }
  // True when raw() is memory this object owns (a scaled copy, or a matrix it was given).
  bool ownsData() const { return owned_.size() > 0; }
  std::size_t rows() const { return raw_.rows; }
  std::size_t cols() const { return raw_.cols; }

  // Column means, computed by the constructor's validation pass.
  const std::vector<double>& columnMeans() const { return columnMeans_; }
  // X (None) or X − 1μᵀ (Columns).
  MatrixView data(Centering c) const;
  // ‖X‖_F² of data(c).
  double squaredNorm(Centering c) const;
  // The factor F (see RowSpaceFactor); materialises data(c) or the R factor. Feature-space products
  // (D <= N) do not need it: covariance() and RepresentationPair::crossFactor() work from the raw data.
  const RowSpaceFactor& rowSpaceFactor(Centering c) const;
  // XᵀX (D × D) of data(c), without materialising the centred data when it is not cached already.
  const Matrix& covariance(Centering c) const;
  // ‖XᵀX‖_F² = Σ σ_i⁴ of data(c): the self term of linear HSIC (Kornblith et al. 2019, Eq. 4 numerator).
  double covarianceSquaredNorm(Centering c) const;
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

  // Makes raw() memory of this object's own: copies the caller's matrix (no-op when it owns its data
  // already) and clears the cache, whose entries may view the old memory. For async runs, which must not
  // read memory the caller can free meanwhile. Only while no other thread uses the representation.
  void adoptCopy();

 private:
  struct ForcedScale {
    int exponent;
  };
  Representation(Matrix owned, ForcedScale scale);
  // Validates, applies the magnitude rule (unless `forced`) and computes the column means.
  void initialize(MatrixView view, const ForcedScale* forced);

  Matrix owned_;
  MatrixView raw_;
  int scaleExponent_ = 0;
  int magnitude_ = INT_MIN;
  std::vector<double> columnMeans_;
  Memo memo_;
};

// 2^exponent × each entry of `from` into `to` (same size; may alias): exact except where a result
// falls into the subnormal range.
void scaleByPowerOfTwo(const double* from, double* to, std::size_t count, int exponent);

// Quantities of a pair (cross products); the two representations must have the same N.
class RepresentationPair {
 public:
  RepresentationPair(const Representation& a, const Representation& b);

  const Representation& a() const { return a_; }
  const Representation& b() const { return b_; }
  std::size_t rows() const { return a_.rows(); }

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
  const Representation& a_;
  const Representation& b_;
  Memo memo_;
};

const char* centeringName(Centering c);

}  // namespace nnsim
