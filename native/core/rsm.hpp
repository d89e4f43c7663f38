// Helpers of the RSM family (native/core/rsm.cpp) that are worth testing on their own.
#pragma once

#include <vector>

namespace nnsim {

// Kendall's τ_b of two equally long vectors in O(M log M) (Knight 1966), ties handled exactly (equal
// doubles). Throws Error(Degenerate) when either vector is constant.
double kendallTauB(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace nnsim
