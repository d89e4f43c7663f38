// Alignment-based measures: distances after an optimal alignment of one representation onto the other.
#include <algorithm>
#include <cmath>

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

double procrustes(const MeasureContext& ctx) {
  const Centering c = ctx.options.flag("center", true) ? Centering::Columns : Centering::None;
  const bool normalize = ctx.options.flag("normalize", false);
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

}  // namespace

const std::vector<MeasureDef>& alignmentMeasures() {
  static const std::vector<MeasureDef> list = {
      {"procrustes", procrustes, 2, false},
      {"angular-shape", angularShape, 2, false},
  };
  return list;
}

}  // namespace nnsim
