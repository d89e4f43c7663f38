// Least-squares affine maps between representations (model stitching: Bansal et al. 2021; Csiszárik
// et al. 2021 fit the stitching layer in closed form).
#pragma once

#include <vector>

#include "matrix.hpp"
#include "options.hpp"

namespace nnsim {

// x ↦ xW + b, W is D × D′ (row-major), b has D′ entries.
struct AffineFit {
  Matrix weights;
  std::vector<double> bias;
};

// min over W of ‖(A − 1μ_Aᵀ)W − (B − 1μ_Bᵀ)‖²_F + λ‖W‖²_F, b = μ_B − Wᵀμ_A (the bias is not penalised).
// Householder QR of [A_c; √λ I] (dgeqrf), Qᵀ applied to [B_c; 0] (dormqr), then R W = (QᵀY)[0:D]
// (dtrsm): the conditioning is that of A_c, not of A_cᵀA_c as with the normal equations.
// `options` are resolved against affineMapOptionSpecs(): ridge λ ≥ 0 (default 0).
// Errors: Shape (N differs, empty), NonFinite, Degenerate when λ = 0 and the centred A has numerical
// rank < D (the map is then not unique).
const OptionSpecs& affineMapOptionSpecs();
AffineFit fitAffineMap(MatrixView a, MatrixView b, const Options& options);

// A W + 1bᵀ (N × D′) for A (N × D): the stitched representation (one dgemm).
Matrix applyAffineMap(const AffineFit& fit, MatrixView a);

}  // namespace nnsim
