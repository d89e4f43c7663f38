// Helpers of the RSM family (native/core/rsm.cpp) that are worth testing on their own.
#pragma once

#include <vector>

#include "matrix.hpp"
#include "options.hpp"
#include "representation.hpp"
#include "run_control.hpp"

namespace nnsim {

// Largest |eigenvalue| (the spectral norm) of a symmetric matrix, by Lanczos with full
// reorthogonalisation from a fixed start vector: O(N²) per step, a few dozen steps in practice.
double symmetricSpectralNorm(const Matrix& s, RunControl& control);

// Kendall's τ_b of two equally long vectors in O(M log M) (Knight 1966), ties handled exactly (equal
// doubles). Throws Error(Degenerate) when either vector is constant.
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y);

// The pieces of CKA and RSA that the permutation test (inference.cpp) reuses: a row permutation of one
// input permutes the rows and columns of its N × N matrices and the entries of its RDM, so only the
// cross term is recomputed. `options` are resolved against the measure's spec.
//   CKA = ckaFromHsic(⟨K̃, L̃⟩, ‖K̃‖², ‖L̃‖², options) with K̃ = ckaCenteredKernel: the estimator's N × N
//   matrix (centred, U-centred or Lange's off-diagonal centred kernel; linear, RBF or Laplace). With
//   output 'angular' ckaFromHsic returns arccos of the cosine (the measure itself takes angles within
//   1e-6 of 0 or π from the matrices' difference; a permuted pair is never that close).
//   RSA = rsaCorrelation(rsaVector(a), rsaVector(b)): condensed RDM entries (ranks for 'spearman').
const Matrix& ckaCenteredKernel(const Representation& r, const Options& options);
double ckaFromHsic(double cross, double selfA, double selfB, const Options& options);
const std::vector<double>& rsaVector(const Representation& r, const Options& options);
double rsaCorrelation(const std::vector<double>& x, const std::vector<double>& y, const Options& options);

}  // namespace nnsim
