// Heat-kernel traces tr exp(−tL) of the normalised Laplacian of a k-NN graph, by stochastic Lanczos
// quadrature (Ubaru, Chen, Saad 2017), as used by IMD / MSID (Tsitsulin et al. 2020, §3–4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "../distances.hpp"
#include "../run_control.hpp"

namespace nnsim::topology {

// L = I − D^{-1/2} A D^{-1/2} for the symmetrised, binarised k-NN adjacency A (A_ij = 1 when j is among
// the k nearest neighbours of i or i among those of j), stored as CSR of the off-diagonal part.
class NormalizedLaplacian {
 public:
  explicit NormalizedLaplacian(const KnnLists& neighbours);
  std::size_t size() const { return n_; }
  // y = L x.
  void apply(const double* x, double* y) const;

 private:
  std::size_t n_ = 0;
  std::vector<std::size_t> start_;
  std::vector<std::int32_t> column_;
  std::vector<double> value_;  // −1 / sqrt(d_i d_j)
};

// Gauss quadrature nodes and weights of one Lanczos run: uᵀ f(L) u ≈ Σ_j weight_j f(node_j) for the
// unit start vector u (exact for polynomials f of degree < 2·steps).
struct Quadrature {
  std::vector<double> nodes;
  std::vector<double> weights;
};

// The Lanczos tridiagonal T (diagonal alpha, off-diagonal beta) of `steps` steps from `start`
// (normalised here) with full reorthogonalisation; stops early at an invariant subspace.
struct Tridiagonal {
  std::vector<double> alpha;
  std::vector<double> beta;  // alpha.size() − 1 entries
};
Tridiagonal lanczosTridiagonal(const NormalizedLaplacian& laplacian, std::vector<double> start, std::size_t steps);

// Gauss quadrature of T: nodes = eigenvalues, weights = squared first components of the eigenvectors.
Quadrature gaussQuadrature(const Tridiagonal& t);

// lanczosQuadrature = gaussQuadrature(lanczosTridiagonal(...)).
Quadrature lanczosQuadrature(const NormalizedLaplacian& laplacian, std::vector<double> start, std::size_t steps);

// The reduced-variance heat-trace estimate of msid's slq_red_var at each t:
//   h(t) = E[exp] − e^{−t} E[id] − t n e^{−t},
// where E[f] = mean over start vectors of n·uᵀ f(−tL) u; the last two terms are a control variate
// (tr(−tL) = −t n for a normalised Laplacian without isolated vertices). `startVector(v, out)` fills
// start vector v (of length n); it is called in order v = 0, 1, … on the calling thread, and the
// Lanczos runs of a block of vectors then run in parallel, so the result does not depend on the thread
// count. `control` (may be null) is stepped once per block, as units progressOffset + v of progressTotal
// (default: vectors).
std::vector<double> heatTrace(const NormalizedLaplacian& laplacian, std::size_t vectors,
                              const std::function<void(std::size_t, std::vector<double>&)>& startVector,
                              std::size_t steps, const std::vector<double>& ts, RunControl* control,
                              std::size_t progressOffset = 0, std::size_t progressTotal = 0);

}  // namespace nnsim::topology
