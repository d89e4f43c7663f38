// Helpers of the RSM family (native/core/rsm.cpp) that are worth testing on their own.
#pragma once

#include <vector>

#include "matrix.hpp"
#include "run_control.hpp"

namespace nnsim {

// Largest |eigenvalue| (the spectral norm) of a symmetric matrix, by Lanczos with full
// reorthogonalisation from a fixed start vector: O(N²) per step, a few dozen steps in practice.
double symmetricSpectralNorm(const Matrix& s, RunControl& control);

// Kendall's τ_b of two equally long vectors in O(M log M) (Knight 1966), ties handled exactly (equal
// doubles). Throws Error(Degenerate) when either vector is constant.
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace nnsim
