// Alignment-based measures: distances after an optimal alignment of one representation onto the other.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "alignment_maps.hpp"
#include "measure.hpp"

namespace nnsim {
namespace {

void requireVariance(const Representation& r, Centering c, const char* which, const char* measure) {
  if (r.isConstant(c)) {
    throw Error(ErrorCode::Degenerate,
                std::string(measure) + " is undefined: the " + which + " representation " +
                    (c == Centering::Columns ? "has all rows equal (zero variance after centring)" : "is all zeros"));
  }
}

// Below this share of ‖X‖² + ‖Y‖², the closed form ‖X‖² + ‖Y‖² − 2‖XᵀY‖_* has lost most of its digits
// to cancellation (its absolute error is ~eps·(‖X‖² + ‖Y‖²)), and the residual is formed explicitly.
constexpr double kCancellationShare = 1e-6;

// ‖X P − Y‖_F for the optimal orthogonal P, computed from the residual matrix itself: accurate to
// ~eps·‖X‖ absolute even when the distance is tiny (nearly identical shapes), unlike the closed form.
// Works in the row-space factor coordinates Z = Fᵀ (N × r), where X = Z Qᵀ with orthonormal Q, so the
// Procrustes problem and its residual norm are the same as for X and Y; both sides are zero-padded to
// k = max(r_a, r_b) columns and P = U Vᵀ comes from the full SVD of the padded Z_aᵀ Z_b.
// scaleA, scaleB multiply X and Y first (1/‖X‖, 1/‖Y‖ for the normalised variants).
double alignedResidualNorm(const RepresentationPair& pair, Centering c, double scaleA, double scaleB) {
  const RowSpaceFactor& fa = pair.a().rowSpaceFactor(c);
  const RowSpaceFactor& fb = pair.b().rowSpaceFactor(c);
  const std::size_t n = pair.rows();
  const std::size_t ra = fa.rank();
  const std::size_t rb = fb.rank();
  const std::size_t k = std::max(ra, rb);
  // Z as an N × r matrix: X itself when F = Xᵀ, else Rᵀ.
  auto zEntry = [](const RowSpaceFactor& f, std::size_t i, std::size_t j) {
    return f.trans == Trans::Yes ? f.matrix(i, j) : f.matrix(j, i);
  };
  const MatrixView cross = pair.crossFactor(c);  // Z_aᵀ Z_b, r_a × r_b
  Matrix padded(k, k);
  for (std::size_t i = 0; i < ra; ++i) {
    for (std::size_t j = 0; j < rb; ++j) padded(i, j) = cross(i, j);
  }
  const Svd svd = thinSvd(padded);
  const Matrix rotation = multiply(svd.u, Trans::No, svd.vt, Trans::No);  // k × k, orthogonal
  Matrix za(n, k);
  Matrix zb(n, k);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < ra; ++j) za(i, j) = scaleA * zEntry(fa, i, j);
    for (std::size_t j = 0; j < rb; ++j) zb(i, j) = scaleB * zEntry(fb, i, j);
  }
  // zb ← Z_a P − Z_b
  gemm(Trans::No, Trans::No, 1.0, za, rotation, -1.0, zb);
  return std::sqrt(frobeniusNormSquared(zb));
}

// Orthogonal Procrustes distance min_Q ‖XQ − Y‖_F = sqrt(‖X‖² + ‖Y‖² − 2‖XᵀY‖_*) (Schönemann 1966;
// Williams et al. 2021 "size-and-shape" metric when X, Y are column-centred; Ding et al. 2021 when
// also scaled to unit Frobenius norm). D ≠ D' is handled by zero-padding, which leaves ‖XᵀY‖_* as is.
// Near 0 the closed form cancels; there the aligned residual is computed explicitly instead.
double procrustesDistance(const RepresentationPair& pair, Centering c, bool normalize) {
  const double nuclear = pair.nuclearNorm(c);
  const double na = pair.a().squaredNorm(c);
  const double nb = pair.b().squaredNorm(c);
  double d2;
  double scale;
  if (normalize) {
    requireVariance(pair.a(), c, "first", "normalized Procrustes");
    requireVariance(pair.b(), c, "second", "normalized Procrustes");
    d2 = 2.0 - 2.0 * nuclear / (std::sqrt(na) * std::sqrt(nb));
    scale = 2.0;
  } else {
    d2 = na + nb - 2.0 * nuclear;
    scale = na + nb;
  }
  if (d2 > kCancellationShare * scale) return std::sqrt(d2);
  if (scale == 0.0) return 0.0;
  return normalize ? alignedResidualNorm(pair, c, 1.0 / std::sqrt(na), 1.0 / std::sqrt(nb))
                   : alignedResidualNorm(pair, c, 1.0, 1.0);
}

// Scaled by the scale of both inputs unless normalised.
ScaleRule procrustesScaling(const Options& options) {
  return options.flag("normalize") ? ScaleRule{} : ScaleRule{ScaleRule::Homogeneous, 1};
}

double procrustes(const MeasureContext& ctx) {
  const Centering c = ctx.options.flag("center") ? Centering::Columns : Centering::None;
  const bool normalize = ctx.options.flag("normalize");
  return procrustesDistance(ctx.pair, c, normalize);
}

// Angular shape metric arccos(‖X̃ᵀỸ‖_*) with X̃, Ỹ column-centred and of unit Frobenius norm
// (Williams et al. 2021, Eq. 4 with alpha = 1). Range [0, π/2]. Since ‖X̃P − Ỹ‖² = 2 − 2cos θ, near 0
// (where arccos of a cosine ≈ 1 loses half the digits) θ = 2·asin(d/2) from the accurate residual d.
double angularShape(const MeasureContext& ctx) {
  requireVariance(ctx.a(), Centering::Columns, "first", "angular shape metric");
  requireVariance(ctx.b(), Centering::Columns, "second", "angular shape metric");
  const double nuclear = ctx.pair.nuclearNorm(Centering::Columns);
  const double cosine = nuclear / (std::sqrt(ctx.a().squaredNorm(Centering::Columns)) *
                                   std::sqrt(ctx.b().squaredNorm(Centering::Columns)));
  if (2.0 - 2.0 * cosine > kCancellationShare * 2.0) return std::acos(std::clamp(cosine, -1.0, 1.0));
  const double d = procrustesDistance(ctx.pair, Centering::Columns, true);
  return 2.0 * std::asin(std::min(1.0, d / 2.0));
}


// Coordinates Z = F_xᵀ (N × r) of a representation in its row-space factor (see RowSpaceFactor):
// X = Z Wᵀ with W orthonormal, so products and alignments of Z equal those of X.
Trans factorTransposeOp(const RowSpaceFactor& f) { return f.trans == Trans::Yes ? Trans::No : Trans::Yes; }

// LinearRegression R² of predicting the first input from the second (ReSi's LinearRegression): the share of the
// centred first input's variance in the column space of the centred second input,
//   R² = ‖P_Y X_c‖_F² / ‖X_c‖_F²,  P_Y = Q_Y Q_Yᵀ the projector onto span(Y_c),
// i.e. 1 − RSS/TSS of the least-squares fit X ≈ 1bᵀ + Y B (intercept via the centring). The projector
// uses an orthonormal basis of the numerically non-null directions of Y_c (the minimum-norm least-squares
// fit), not inv(sqrtm(Y_cᵀY_c)), so rank-deficient Y and N ≤ D′ are handled exactly (R² = 1 when Y_c spans
// all of 1⊥). A predictor with all rows equal explains nothing: R² = 0.
double linearRegression(const MeasureContext& ctx) {
  requireVariance(ctx.a(), Centering::Columns, "first (predicted)", "linear regression R²");
  // λ is in the units of the second input's squared singular values: scaled with it (OwnScale).
  const double lambda = std::ldexp(ctx.options.number("lambda"), -2 * ctx.b().scaleExponent());
  if (ctx.b().isConstant(Centering::Columns)) return 0.0;
  if (lambda > 0.0) {
    // Ridge fit X̂ = Y_c (Y_cᵀY_c + λI)⁻¹ Y_cᵀ X_c = U diag(w) Uᵀ X_c with Y_c = U S Vᵀ and the shrinkage
    // w_j = s_j² / (s_j² + λ) (Hoerl & Kennard 1970). As U has orthonormal columns, with P = Uᵀ X_c,
    //   ‖X_c − X̂‖² = ‖X_c‖² − Σ_j w_j (2 − w_j) ‖P_j‖²,  so  R² = Σ_j w_j (2 − w_j) ‖P_j‖² / ‖X_c‖².
    const Svd& svd = ctx.b().svd(Centering::Columns);
    const Matrix projected = multiply(svd.u, Trans::Yes, ctx.a().data(Centering::Columns), Trans::No);  // k × D
    double explained = 0.0;
    for (std::size_t j = 0; j < projected.rows(); ++j) {
      const double s2 = svd.s[j] * svd.s[j];
      const double w = s2 / (s2 + lambda);
      double rowNorm = 0.0;
      for (std::size_t c = 0; c < projected.cols(); ++c) rowNorm += projected(j, c) * projected(j, c);
      explained += w * (2.0 - w) * rowNorm;
    }
    return std::clamp(explained / ctx.a().squaredNorm(Centering::Columns), 0.0, 1.0);
  }
  const Matrix& basis = ctx.b().columnSpaceBasis(Centering::Columns);  // N × r
  const Matrix projected = multiply(basis, Trans::Yes, ctx.a().data(Centering::Columns), Trans::No);  // r × D
  return std::min(1.0, frobeniusNormSquared(projected) / ctx.a().squaredNorm(Centering::Columns));
}

// Aligned cosine similarity (Hamilton et al. 2016, as ReSi's AlignedCosineSimilarity): rotate X onto Y by orthogonal
// Procrustes (no centring; D ≠ D′ zero-padded), then average the cosine of each input's aligned pair
// of rows, cos(x_i Q, y_i) = x_i Q y_iᵀ / (‖x_i‖ ‖y_i‖) (Q orthogonal keeps ‖x_i Q‖ = ‖x_i‖).
// Works in row-space factor coordinates: with XᵀY = W_x C W_yᵀ and C = U S Vᵀ, X Q Yᵀ = Z_x U Vᵀ Z_yᵀ.
// Rows that are zero in either input have no cosine and are skipped (ReSi does the same); Q is unique
// whenever XᵀY has rank min(rank X, rank Y), the generic case.
double alignedCosine(const MeasureContext& ctx) {
  requireVariance(ctx.a(), Centering::None, "first", "aligned cosine similarity");
  requireVariance(ctx.b(), Centering::None, "second", "aligned cosine similarity");
  const RowSpaceFactor& fa = ctx.a().rowSpaceFactor(Centering::None);
  const RowSpaceFactor& fb = ctx.b().rowSpaceFactor(Centering::None);
  const Svd svd = thinSvd(ctx.pair.crossFactor(Centering::None));
  const Matrix rotation = multiply(svd.u, Trans::No, svd.vt, Trans::No);                  // r_x × r_y
  const Matrix aligned = multiply(fa.matrix, factorTransposeOp(fa), rotation, Trans::No);  // Z_x U Vᵀ, N × r_y
  const MatrixView x = ctx.a().raw();
  const MatrixView y = ctx.b().raw();
  const std::size_t n = ctx.pair.rows();
  double sum = 0.0;
  std::size_t counted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if ((i & 0xff) == 0) checkpoint();
    const double nx = std::sqrt(dot(x.row(i), x.row(i), x.cols));
    const double ny = std::sqrt(dot(y.row(i), y.row(i), y.cols));
    if (nx == 0.0 || ny == 0.0) continue;
    double numerator = 0.0;
    for (std::size_t j = 0; j < fb.rank(); ++j) {
      const double zy = fb.trans == Trans::Yes ? fb.matrix(i, j) : fb.matrix(j, i);
      numerator += aligned(i, j) * zy;
    }
    sum += std::clamp(numerator / (nx * ny), -1.0, 1.0);
    ++counted;
  }
  if (counted == 0) {
    throw Error(ErrorCode::Degenerate, "aligned cosine similarity is undefined: every input has a zero row in one of "
                                       "the representations");
  }
  return sum / static_cast<double>(counted);
}

// Williams et al. 2021 partial whitening (Sec. 3, Eq. 8 family) of the column-centred input scaled to unit
// Frobenius norm, X̂ = X_c/‖X_c‖_F:  φ_α(X) = X̂ (α I + (1 − α)(X̂ᵀX̂)^{+1/2}).
// With X̂ = U diag(ŝ) Vᵀ this is U diag(α ŝ + 1 − α) Vᵀ on the numerically non-null directions, and the
// shape metrics ignore the right factor V (orthogonal), so Z = U diag(α ŝ + 1 − α) stands in for φ_α(X);
// it is scaled to unit Frobenius norm (partialWhitening, alignment_maps.cpp, which also gives the map of
// new rows). Scaling X_c first makes the α-mix independent of the input's scale (netrep whitens the
// unscaled covariance, whose balance between the two terms changes with the units of X). α = 1: X̂
// itself (angular shape metric); α = 0: an orthonormal basis of span(X_c) (CCA-like, invariant to
// invertible linear maps).
const Matrix& whitenedShape(const Representation& r, double alpha) {
  char key[64];
  std::snprintf(key, sizeof key, "shape-metric:whitened:%.17g", alpha);
  return r.memo<Matrix>(key, [&] { return partialWhitening(r, alpha).shape; });
}

// ‖Z_a P − Z_b‖_F for the optimal orthogonal P (zero-padding to a common width), formed explicitly:
// accurate to ~eps absolute when the distance is tiny.
double residualAfterRotation(MatrixView za, MatrixView zb) {
  const std::size_t n = za.rows;
  const std::size_t k = std::max(za.cols, zb.cols);
  const Matrix cross = multiply(za, Trans::Yes, zb, Trans::No);
  Matrix padded(k, k);
  for (std::size_t i = 0; i < za.cols; ++i) {
    for (std::size_t j = 0; j < zb.cols; ++j) padded(i, j) = cross(i, j);
  }
  const Svd svd = thinSvd(padded);
  const Matrix rotation = multiply(svd.u, Trans::No, svd.vt, Trans::No);
  Matrix a(n, k);
  Matrix b(n, k);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < za.cols; ++j) a(i, j) = za(i, j);
    for (std::size_t j = 0; j < zb.cols; ++j) b(i, j) = zb(i, j);
  }
  gemm(Trans::No, Trans::No, 1.0, a, rotation, -1.0, b);
  return std::sqrt(frobeniusNormSquared(b));
}

// Generalized shape metric (Williams et al. 2021) between partially whitened, unit-norm representations:
//   angular:   θ = arccos ‖φ̂_xᵀ φ̂_y‖_*   (Eq. 4; α = 1 is angular-shape), in [0, π/2];
//   euclidean: min_Q ‖φ̂_x Q − φ̂_y‖_F = sqrt(2 − 2 cos θ) = 2 sin(θ/2), in [0, √2] (α = 1 is
//              procrustes with normalize: true).
// Both are metrics: φ̂ is a fixed map per representation, followed by a metric on the shape space.
double shapeMetric(const MeasureContext& ctx) {
  const double alpha = ctx.options.number("alpha");
  const bool euclidean = ctx.options.choice("distance") == "euclidean";
  requireVariance(ctx.a(), Centering::Columns, "first", "shape metric");
  requireVariance(ctx.b(), Centering::Columns, "second", "shape metric");
  const Matrix& za = whitenedShape(ctx.a(), alpha);
  const Matrix& zb = whitenedShape(ctx.b(), alpha);
  const std::vector<double> sv = singularValues(multiply(za, Trans::Yes, zb, Trans::No));
  const double cosine = std::min(1.0, std::accumulate(sv.begin(), sv.end(), 0.0));
  double chord;
  if (2.0 - 2.0 * cosine > kCancellationShare * 2.0) {
    if (!euclidean) return std::acos(std::max(-1.0, cosine));
    chord = std::sqrt(2.0 - 2.0 * cosine);
  } else {
    chord = residualAfterRotation(za, zb);  // near 0 the closed forms cancel
  }
  return euclidean ? chord : 2.0 * std::asin(std::min(1.0, chord / 2.0));
}

// Working memory (MemoryEstimate). Procrustes and the angular metric: the cross factor and its
// singular values; near zero distance also the aligned residual (two N × k coordinates, k × k SVD).
double procrustesMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
  const double k = std::min(n, std::max(da, db));
  return memory::crossFactor(n, da, db) + 2 * memory::matrix(n, k) + 3 * memory::matrix(k, k) + memory::thinSvd(k, k);
}

// Without centring, an input with D > N goes through its uncentred row-space factor, which reads a float32
// input through a float64 copy.
double procrustesOwnMemory(const MemoryShape& s, const Options& options) {
  const bool rowSpace = s.colsA > s.rows || s.colsB > s.rows;
  return procrustesMemory(s, options) + (!options.flag("center") && rowSpace ? s.float64CopyBytes : 0.0);
}

// The centred SVD of the predictor, the centred response and its projection.
double linearRegressionMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
  return memory::centredSvd(n, db) + memory::matrix(n, std::min(n, db)) + memory::matrix(n, da) +
         memory::matrix(std::min(n, db), da);
}

// Uncentred row-space factors, their cross product and its SVD, the rotation and the aligned rows.
double alignedCosineMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
  const double ra = std::min(n, da), rb = std::min(n, db);
  return memory::crossFactor(n, da, db) + memory::thinSvd(ra, rb) + memory::matrix(ra, rb) + memory::matrix(n, rb) +
         s.float64CopyBytes;  // the uncentred factors read float32 inputs through float64 copies
}

// Per input the centred SVD and the whitened N × rank coordinates; their cross product and its SVD.
double shapeMetricMemory(const MemoryShape& s, const Options&) {
  const double n = static_cast<double>(s.rows), da = static_cast<double>(s.colsA), db = static_cast<double>(s.colsB);
  const double ra = std::min(n, da), rb = std::min(n, db);
  return memory::centredSvd(n, da) + memory::centredSvd(n, db) + memory::matrix(n, ra + rb) + memory::matrix(ra, rb) +
         memory::thinSvd(ra, rb);
}

}  // namespace

const std::vector<MeasureDef>& alignmentMeasures() {
  static const std::vector<MeasureDef> list = {
      MeasureDef("procrustes", procrustes)
          .withMinRows(2)
          .option(booleanOption("center", true))
          .option(booleanOption("normalize", false))
          .withScaling(procrustesScaling)
          .withMemory(procrustesOwnMemory),
      MeasureDef("angular-shape", angularShape).withMinRows(2).withMemory(procrustesMemory),
      MeasureDef("shape-metric", shapeMetric)
          .withMinRows(2)
          .option(numberOption("alpha", 1.0).atLeast(0.0).atMost(1.0))
          .option(enumOption("distance", {"angular", "euclidean"}, "angular"))
          .withMemory(shapeMetricMemory),
      MeasureDef("linear-regression", linearRegression)
          .withMinRows(2)
          .option(numberOption("lambda", 0.0).atLeast(0.0))
          .withScaling(ownScale)
          .withMemory(linearRegressionMemory),
      MeasureDef("aligned-cosine", alignedCosine).withMinRows(2).withMemory(alignedCosineMemory),
  };
  return list;
}

}  // namespace nnsim
