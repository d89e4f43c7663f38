// The maps the alignment measures fit, as data: each brings both inputs into one space,
//   x ↦ (x − μ_a) T_a,   y ↦ (y − μ_b) T_b,
// where a score compares the aligned rows. Fitted and scored on the same rows, a map gives the
// measure's value; fitted on some rows and scored on held-out ones, the generalisation score of
// Williams, Kunz, Kornblith, Linderman 2021 ("Generalized shape metrics on neural representations",
// NeurIPS; netrep's LinearMetric.fit / score), which crossValidate (inference.cpp) computes per fold.
#pragma once

#include <string>
#include <vector>

#include "matrix.hpp"
#include "options.hpp"
#include "representation.hpp"
#include "run_control.hpp"

namespace nnsim {

// x ↦ (x − mean) transform; transform is D × k (k the common width of the aligned space).
struct SideMap {
  std::vector<double> mean;
  Matrix transform;
};

// How aligned rows are compared:
//   Euclidean ‖A − B‖_F;  Chord ‖A/‖A‖ − B/‖B‖‖_F;  Angular arccos(⟨A, B⟩ / (‖A‖‖B‖));
//   RowCosine mean over rows (zero rows skipped) of cos(a_i, b_i);
//   RSquared 1 − ‖A − B‖² / ‖A − 1ā‖² (A the centred target, B its prediction; ā the held-out mean, as
//   sklearn's r2_score with multioutput 'variance_weighted': negative when the fit predicts worse than
//   the held-out mean).
enum class MapScore { Euclidean, Chord, Angular, RowCosine, RSquared };

struct AlignmentMap {
  SideMap a;
  SideMap b;
  MapScore score = MapScore::Euclidean;
};

// Williams et al. 2021 partial whitening of the column-centred input, as the shape metric uses it: with
// X_c = U diag(s) Vᵀ on its numerical rank r, the whitened shape is Z = U diag(g)/‖g‖ with
// g_j = α s_j/‖s‖ + 1 − α (unit Frobenius norm), and Z = X_c W for W = V diag(g_j / (s_j ‖g‖)), which
// maps held-out rows too. Throws Error(Degenerate) when all rows are equal.
struct Whitening {
  Matrix shape;      // Z, N × r
  Matrix transform;  // W, D × r
};
Whitening partialWhitening(const Representation& r, double alpha);

// The map measure `id` fits on `pair`, with `options` resolved against the measure's spec. Throws
// Error(Option) for a measure without a map (the message lists those with one). Fitted on the rows as
// the core holds them: a side whose representation the magnitude rule rescaled (representation.hpp)
// maps rows at its scale 2^-e; scoreAlignedRows takes the exponents.
AlignmentMap fitAlignmentMap(const std::string& id, const RepresentationPair& pair, const Options& options);

// The same in the units of the caller's data (means and transforms rescaled where the magnitude rule
// rescaled an input; Error(Numerical) when that leaves the double range), fitted as a run of `control`
// (its cancellation points and deadline).
AlignmentMap alignmentMapOf(const std::string& id, const RepresentationPair& pair, const Options& options,
                            const RunControl& control);

// Ids of the measures with a map (procrustes, angular-shape, shape-metric, linear-regression,
// aligned-cosine).
const std::vector<std::string>& alignmentMapIds();

// (x − 1 meanᵀ) transform.
Matrix applySideMap(const SideMap& map, MatrixView x);

// The score of aligned rows (same shape) held at scales 2^-ea and 2^-eb (the exponents of the sides'
// representations; 0 for rows in the caller's units). Only the Euclidean score has units: it is
// computed with both sides at one scale and scaled back; the others are scale-free.
double scoreAlignedRows(MapScore score, MatrixView a, MatrixView b, int ea = 0, int eb = 0);

}  // namespace nnsim
