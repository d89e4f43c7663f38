#include "heat_trace.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "../errors.hpp"
#include "../linalg.hpp"
#include "../parallel.hpp"

namespace nnsim::topology {

NormalizedLaplacian::NormalizedLaplacian(const KnnLists& neighbours) : n_(neighbours.n) {
  // Symmetrise: collect both directions, sort, drop duplicates (A = (A + Aᵀ)/2, then every stored
  // entry set to 1, as msid's _build_graph does).
  std::vector<std::vector<std::int32_t>> adjacency(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    const std::int32_t* row = neighbours.row(i);
    for (std::size_t k = 0; k < neighbours.k; ++k) {
      adjacency[i].push_back(row[k]);
      adjacency[static_cast<std::size_t>(row[k])].push_back(static_cast<std::int32_t>(i));
    }
  }
  std::vector<double> degree(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    auto& list = adjacency[i];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    degree[i] = static_cast<double>(list.size());  // >= k >= 1: no isolated vertex
  }
  start_.assign(n_ + 1, 0);
  for (std::size_t i = 0; i < n_; ++i) {
    start_[i + 1] = start_[i] + adjacency[i].size();
    for (std::int32_t j : adjacency[i]) {
      column_.push_back(j);
      value_.push_back(-1.0 / std::sqrt(degree[i] * degree[static_cast<std::size_t>(j)]));
    }
  }
}

void NormalizedLaplacian::apply(const double* x, double* y) const {
  for (std::size_t i = 0; i < n_; ++i) {
    double sum = x[i];
    for (std::size_t p = start_[i]; p < start_[i + 1]; ++p) sum += value_[p] * x[static_cast<std::size_t>(column_[p])];
    y[i] = sum;
  }
}

namespace {

double dot(const std::vector<double>& a, const double* b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

Tridiagonal lanczosTridiagonal(const NormalizedLaplacian& laplacian, std::vector<double> start, std::size_t steps) {
  const std::size_t n = laplacian.size();
  steps = std::min(steps, n);
  double norm = std::sqrt(dot(start, start.data()));
  if (!(norm > 0.0)) throw Error(ErrorCode::Internal, "Lanczos start vector is zero");
  for (double& v : start) v /= norm;
  // Q holds the Lanczos basis row by row (steps × n); alpha/beta the tridiagonal T.
  std::vector<double> basis(steps * n);
  std::copy(start.begin(), start.end(), basis.begin());
  std::vector<double> alpha, beta;
  std::vector<double> w(n);
  for (std::size_t j = 0; j < steps; ++j) {
    checkpoint();  // a step costs O(j·N) with the reorthogonalisation
    const double* q = basis.data() + j * n;
    laplacian.apply(q, w.data());
    double a = 0.0;
    for (std::size_t i = 0; i < n; ++i) a += q[i] * w[i];
    alpha.push_back(a);
    if (j + 1 == steps) break;
    for (std::size_t i = 0; i < n; ++i) w[i] -= a * q[i];
    if (j > 0) {
      const double* previous = basis.data() + (j - 1) * n;
      for (std::size_t i = 0; i < n; ++i) w[i] -= beta.back() * previous[i];
    }
    // Full reorthogonalisation against the whole basis, twice ("twice is enough", Parlett), so the
    // quadrature does not pick up ghost eigenvalues from lost orthogonality.
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t r = 0; r <= j; ++r) {
        const double* qr = basis.data() + r * n;
        double c = 0.0;
        for (std::size_t i = 0; i < n; ++i) c += qr[i] * w[i];
        for (std::size_t i = 0; i < n; ++i) w[i] -= c * qr[i];
      }
    }
    double b = 0.0;
    for (double v : w) b += v * v;
    b = std::sqrt(b);
    // The spectrum of L lies in [0, 2]: a residual this small means the Krylov space is invariant and
    // the quadrature is already exact.
    if (b < 1e-10) break;
    beta.push_back(b);
    double* next = basis.data() + (j + 1) * n;
    for (std::size_t i = 0; i < n; ++i) next[i] = w[i] / b;
  }
  beta.resize(alpha.size() - 1);
  return {std::move(alpha), std::move(beta)};
}

Quadrature gaussQuadrature(const Tridiagonal& tridiagonal) {
  const std::size_t size = tridiagonal.alpha.size();
  Matrix t(size, size);
  for (std::size_t i = 0; i < size; ++i) {
    t(i, i) = tridiagonal.alpha[i];
    if (i + 1 < size) t(i, i + 1) = t(i + 1, i) = tridiagonal.beta[i];
  }
  const SymmetricEigen eigen = symmetricEigen(t.view(), true);
  Quadrature out;
  out.nodes = eigen.values;
  out.weights.resize(size);
  // Gauss quadrature weights are the squared first components of T's eigenvectors.
  for (std::size_t j = 0; j < size; ++j) out.weights[j] = eigen.vectors(0, j) * eigen.vectors(0, j);
  return out;
}

Quadrature lanczosQuadrature(const NormalizedLaplacian& laplacian, std::vector<double> start, std::size_t steps) {
  return gaussQuadrature(lanczosTridiagonal(laplacian, std::move(start), steps));
}

std::vector<double> heatTrace(const NormalizedLaplacian& laplacian, std::size_t vectors,
                              const std::function<void(std::size_t, std::vector<double>&)>& startVector,
                              std::size_t steps, const std::vector<double>& ts, RunControl* control,
                              std::size_t progressOffset, std::size_t progressTotal) {
  if (progressTotal == 0) progressTotal = vectors;
  const std::size_t n = laplacian.size();
  const double size = static_cast<double>(n);
  std::vector<double> exponential(ts.size(), 0.0);
  std::vector<double> identity(ts.size(), 0.0);
  const auto accumulate = [&](const Quadrature& q) {
    for (std::size_t s = 0; s < ts.size(); ++s) {
      double e = 0.0, id = 0.0;
      for (std::size_t j = 0; j < q.nodes.size(); ++j) {
        e += q.weights[j] * std::exp(-ts[s] * q.nodes[j]);
        id += q.weights[j] * (-ts[s] * q.nodes[j]);
      }
      exponential[s] += size * e;
      identity[s] += size * id;
    }
  };
  constexpr std::size_t kBlock = 64;
  std::vector<std::vector<double>> starts(std::min(kBlock, vectors), std::vector<double>(n));
  std::vector<Tridiagonal> tridiagonals(starts.size());
  for (std::size_t first = 0; first < vectors; first += kBlock) {
    if (control != nullptr) control->step(progressOffset + first, progressTotal);
    const std::size_t count = std::min(kBlock, vectors - first);
    for (std::size_t b = 0; b < count; ++b) startVector(first + b, starts[b]);
    // Lanczos runs are independent: in parallel; the quadratures are summed in order afterwards.
    parallelFor(count, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t b = begin; b < end; ++b) tridiagonals[b] = lanczosTridiagonal(laplacian, starts[b], steps);
    });
    for (std::size_t b = 0; b < count; ++b) accumulate(gaussQuadrature(tridiagonals[b]));
  }
  std::vector<double> out(ts.size());
  for (std::size_t s = 0; s < ts.size(); ++s) {
    const double t = ts[s];
    const double decay = std::exp(-t);
    out[s] = exponential[s] / static_cast<double>(vectors) - decay * identity[s] / static_cast<double>(vectors) -
             t * size * decay;
  }
  return out;
}

}  // namespace nnsim::topology
