// Core tests of the RSM family (native/core/rsm.cpp): each kernel against a naive N × N formula written
// here, and the memoised intermediates shared across measures of one comparison.
#include "check.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Matrix centeredColumns(const Matrix& x) {
  Matrix c = Matrix::copyOf(x);
  for (std::size_t j = 0; j < x.cols(); ++j) {
    double mean = 0;
    for (std::size_t i = 0; i < x.rows(); ++i) mean += x(i, j);
    mean /= static_cast<double>(x.rows());
    for (std::size_t i = 0; i < x.rows(); ++i) c(i, j) -= mean;
  }
  return c;
}

// Song et al. 2012, Eq. 5, literally (times N(N−3)).
double naiveUnbiasedHsic(const Matrix& k, const Matrix& l) {
  const std::size_t n = k.rows();
  double trace = 0, sumK = 0, sumL = 0, triple = 0;
  std::vector<double> k1(n, 0.0), l1(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      trace += k(i, j) * l(j, i);
      sumK += k(i, j);
      sumL += l(i, j);
      k1[i] += k(i, j);
      l1[i] += l(i, j);
    }
  for (std::size_t i = 0; i < n; ++i) triple += k1[i] * l1[i];
  const double nd = static_cast<double>(n);
  return trace + sumK * sumL / ((nd - 1) * (nd - 2)) - 2.0 / (nd - 2) * triple;
}

NNSIM_TEST(testRsmCkaUnbiased) {
  const Matrix x = randomMatrix(17, 4, 71), y = randomMatrix(17, 9, 72);
  Representation a(x), b(y);
  Options unbiased;
  unbiased.set("estimator", std::string("unbiased"));
  const Matrix kx = naiveProduct(x, false, x, true), ky = naiveProduct(y, false, y, true);  // uncentred kernels
  const double want = naiveUnbiasedHsic(kx, ky) / std::sqrt(naiveUnbiasedHsic(kx, kx) * naiveUnbiasedHsic(ky, ky));
  near(run("cka", a, b, unbiased), want, 1e-12, "unbiased linear CKA (feature space) = Song et al. Eq. 5 on raw kernels");
  Options small;
  small.set("estimator", std::string("unbiased"));
  Representation s(randomMatrix(3, 2, 73));
  expectError(ErrorCode::TooFewRows, [&] { run("cka", s, s, small); }, "unbiased CKA needs N >= 4");
  Options badSigma;
  badSigma.set("kernel", std::string("rbf"));
  badSigma.set("sigma", -1.0);
  expectError(ErrorCode::Option, [&] { run("cka", a, b, badSigma); }, "sigma must be positive");
}

}  // namespace
