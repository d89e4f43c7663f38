// Helpers of the RSM family (native/core/rsm.cpp) that are worth testing on their own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "matrix.hpp"
#include "options.hpp"
#include "representation.hpp"
#include "run_control.hpp"

namespace nnsim {

// Minibatch CKA (Nguyen, Raghu, Kornblith 2021, "Do wide and deep networks learn the same things?",
// arXiv 2010.15327, Sec. 3.1): the unbiased HSIC of Song et al. 2012 (Eq. 5) of each minibatch of rows,
// averaged over minibatches, CKA = mean HSIC(K, L) / sqrt(mean HSIC(K, K) · mean HSIC(L, L)). It estimates
// the population CKA without N × N kernels; its value differs from the full-data CKA.
enum class CkaKernel { Linear, Rbf, Laplace };

// The bandwidth of a radial kernel: σ = value · median distance (relative, the default) or σ = value
// (absolute, in the units of the inputs).
struct CkaBandwidth {
  bool absolute = false;
  double value = 1.0;
};

// CKA's 'kernel' option, and its bandwidth options ('sigma' relative, 'bandwidth' absolute; Error(Option)
// when both are given or 'bandwidth' with the linear kernel), resolved options as read by the kernels.
CkaKernel ckaKernel(const Options& options);
CkaBandwidth ckaBandwidth(const Options& options, CkaKernel kernel);

struct MinibatchHsic {
  double xy = 0.0;
  double xx = 0.0;
  double yy = 0.0;
};

// Unbiased HSIC estimates of one minibatch (b >= 4 row-aligned rows of x and y). RBF and Laplace kernels
// with the bandwidth of each side (a relative one: times the median distance between distinct rows of the
// minibatch). `which` names the minibatch in errors.
MinibatchHsic minibatchHsic(MatrixView x, MatrixView y, CkaKernel kernel, CkaBandwidth bandwidthX, CkaBandwidth bandwidthY,
                            const std::string& which);

// Sums of the per-minibatch estimates, in minibatch order: the state of the estimator.
struct MinibatchCkaSums {
  double xy = 0.0;
  double xx = 0.0;
  double yy = 0.0;
  double batches = 0.0;
  void add(const MinibatchHsic& h) {
    xy += h.xy;
    xx += h.xx;
    yy += h.yy;
    batches += 1.0;
  }
  // The minibatch CKA (the 1/k of the means cancels); throws Error(Degenerate / TooFewRows).
  double value() const;
};

// Smallest minibatch the unbiased HSIC accepts: a final partial minibatch below it is left out.
constexpr std::size_t kMinMinibatchRows = 4;

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

// The diagonal sums of the linear kernels of the column-centred inputs, s_x(i) = ‖x_i − x̄‖² and
// s_y(i) = ‖y_i − ȳ‖²: what the unbiased and Lange estimators of linear CKA need beyond ‖X_cᵀY_c‖_F²,
// ‖X_cᵀX_c‖_F² and ‖Y_cᵀY_c‖_F² (in memory from the rows; streamed from accumulated moments).
struct LinearKernelDiagonals {
  double n = 0.0;
  double sumX = 0.0;   // Σ s_x
  double sumY = 0.0;   // Σ s_y
  double sumXY = 0.0;  // Σ s_x s_y
  double sumXX = 0.0;  // Σ s_x²
  double sumYY = 0.0;  // Σ s_y²
};
// Linear CKA under `options` (resolved; estimator 'biased', 'unbiased' or 'lange') from the three
// feature-space norms (cross = ‖X_cᵀY_c‖_F², selfA, selfB) and those sums: the estimator's HSIC values,
// then ckaFromHsic. Error(TooFewRows) for the unbiased estimator below 4 rows.
double linearCkaFromSums(double cross, double selfA, double selfB, const LinearKernelDiagonals& diagonals,
                         const Options& options);

}  // namespace nnsim
