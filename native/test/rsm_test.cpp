// Core tests of the RSM family (native/core/rsm.cpp): each kernel against a naive N × N formula written
// here, and the memoised intermediates shared across measures of one comparison.
#include "check.hpp"
#include "rsm.hpp"

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
  const Matrix smallInput = randomMatrix(3, 2, 73);  // a Representation views its matrix: keep it alive
  Representation s(smallInput);
  expectError(ErrorCode::TooFewRows, [&] { run("cka", s, s, small); }, "unbiased CKA needs N >= 4");
  Options badSigma;
  badSigma.set("kernel", std::string("rbf"));
  badSigma.set("sigma", -1.0);
  expectError(ErrorCode::Option, [&] { run("cka", a, b, badSigma); }, "sigma must be positive");
}

// Lange et al. 2022's debiased HSIC, literally: Σ_{i≠j} (HKH)_ij (HLH)_ij.
double naiveLangeHsic(const Matrix& k, const Matrix& l) {
  const std::size_t n = k.rows();
  Matrix h(n, n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) h(i, j) = (i == j ? 1.0 : 0.0) - 1.0 / static_cast<double>(n);
  const Matrix kc = naiveProduct(naiveProduct(h, false, k, false), false, h, false);
  const Matrix lc = naiveProduct(naiveProduct(h, false, l, false), false, h, false);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j) sum += kc(i, j) * lc(i, j);
  return sum;
}

NNSIM_TEST(testRsmCkaLangeAngularBandwidth) {
  const Matrix x = randomMatrix(15, 3, 81), y = randomMatrix(15, 7, 82);
  Representation a(x), b(y);
  const Matrix kx = naiveProduct(x, false, x, true), ky = naiveProduct(y, false, y, true);
  const double want = naiveLangeHsic(kx, ky) / std::sqrt(naiveLangeHsic(kx, kx) * naiveLangeHsic(ky, ky));
  Options lange;
  lange.set("estimator", std::string("lange"));
  near(run("cka", a, b, lange), want, 1e-12, "Lange CKA (feature space) = off-diagonal centred kernels");
  // Laplace kernel with an absolute bandwidth, written out.
  Matrix lx(15, 15), ly(15, 15);
  for (std::size_t i = 0; i < 15; ++i)
    for (std::size_t j = 0; j < 15; ++j) {
      double dx = 0, dy = 0;
      for (std::size_t c = 0; c < 3; ++c) dx += (x(i, c) - x(j, c)) * (x(i, c) - x(j, c));
      for (std::size_t c = 0; c < 7; ++c) dy += (y(i, c) - y(j, c)) * (y(i, c) - y(j, c));
      lx(i, j) = std::exp(-std::sqrt(dx) / 0.7);
      ly(i, j) = std::exp(-std::sqrt(dy) / 0.7);
    }
  Options laplace = lange;
  laplace.set("kernel", std::string("laplace"));
  laplace.set("bandwidth", 0.7);
  const double wantLaplace = naiveLangeHsic(lx, ly) / std::sqrt(naiveLangeHsic(lx, lx) * naiveLangeHsic(ly, ly));
  near(run("cka", a, b, laplace), wantLaplace, 1e-12, "Laplace kernel, absolute bandwidth, Lange estimator");
  Options angular = laplace;
  angular.set("output", std::string("angular"));
  near(run("cka", a, b, angular), std::acos(wantLaplace), 1e-12, "angular output is arccos(CKA)");
  // Identical inputs (two representations of the same matrix): exactly 0, not the 1e-8 of arccos(1 − ε).
  Representation a2(x);
  for (const char* estimator : {"biased", "unbiased", "lange"}) {
    Options self;
    self.set("estimator", std::string(estimator));
    self.set("output", std::string("angular"));
    check(run("cka", a, a2, self) == 0.0, std::string("angular CKA of identical inputs is 0 (") + estimator + ")");
  }
  // Nearly identical inputs (CKA within 1e-6 of 1): the angle from the tiled difference of the unit-norm
  // matrices equals the dense formula 2·atan2(‖u − v‖, ‖u + v‖) written out here.
  Matrix close = Matrix::copyOf(x);
  const Matrix noise = randomMatrix(15, 3, 83);
  for (std::size_t i = 0; i < close.size(); ++i) close.data()[i] += 1e-5 * noise.data()[i];
  Representation rc(close);
  const auto denseAngle = [&](const char* estimator) {
    const auto point = [&](const Matrix& m) {
      const Matrix c = centeredColumns(m);
      Matrix k = naiveProduct(c, false, c, true);
      const std::size_t n = k.rows();
      if (std::string(estimator) == "lange") {
        for (std::size_t i = 0; i < n; ++i) k(i, i) = 0.0;
      } else if (std::string(estimator) == "unbiased") {
        Matrix u(n, n);
        std::vector<double> rows(n, 0.0);
        double total = 0.0;
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j)
            if (i != j) rows[i] += k(i, j), total += k(i, j);
        const double nd = static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j)
            u(i, j) = i == j ? 0.0 : k(i, j) - (rows[i] + rows[j]) / (nd - 2) + total / ((nd - 1) * (nd - 2));
        k = u;
      }
      double norm = std::sqrt(frobeniusNormSquared(k));
      for (std::size_t i = 0; i < k.size(); ++i) k.data()[i] /= norm;
      return k;
    };
    const Matrix u = point(x), v = point(close);
    double minus = 0, plus = 0;
    for (std::size_t i = 0; i < u.size(); ++i) {
      minus += (u.data()[i] - v.data()[i]) * (u.data()[i] - v.data()[i]);
      plus += (u.data()[i] + v.data()[i]) * (u.data()[i] + v.data()[i]);
    }
    return 2.0 * std::atan2(std::sqrt(minus), std::sqrt(plus));
  };
  for (const char* estimator : {"biased", "unbiased", "lange"}) {
    Options o;
    o.set("estimator", std::string(estimator));
    check(1.0 - run("cka", a, rc, o) < 1e-6, std::string("the perturbed copy is within 1e-6 of CKA 1 (") + estimator + ")");
    o.set("output", std::string("angular"));
    const double want = denseAngle(estimator);
    check(want > 1e-7, "the perturbation is visible in the angle");
    near(run("cka", a, rc, o), want, 1e-9 * want, std::string("tiled angle near 0 = dense formula (") + estimator + ")");
  }
  Options both = laplace;
  both.set("sigma", 2.0);
  expectError(ErrorCode::Option, [&] { run("cka", a, b, both); }, "sigma and bandwidth together");
  Options linear;
  linear.set("bandwidth", 1.0);
  expectError(ErrorCode::Option, [&] { run("cka", a, b, linear); }, "bandwidth with the linear kernel");
}

// dCKA's matrix option is checked by the core itself (a raw binding call cannot bypass it), and
// deconfounding with a K0 unrelated to both kernels changes CKA only a little, with K0 = 0 refused.
NNSIM_TEST(testDeconfoundedCkaInputChecks) {
  const Matrix x = randomMatrix(12, 3, 91), y = randomMatrix(12, 4, 92), z = randomMatrix(12, 5, 93);
  Representation a(x), b(y);
  const Matrix k0 = naiveProduct(z, false, z, true);
  const auto dcka = [&](MatrixView input, const Options& options = {}) {
    RepresentationPair pair(a, b);
    RunControl control;
    MatrixOptions matrices;
    matrices.set("inputSimilarity", input);
    return runMeasure("dcka", MeasureContext{pair, options, LabelsView{}, control, &matrices});
  };
  const double value = dcka(k0);
  check(value > 0.0 && value <= 1.0, "dCKA in (0, 1]");
  RepresentationPair pair(a, b);
  RunControl control;
  expectError(ErrorCode::Option, [&] { runMeasure("dcka", MeasureContext{pair, Options(), LabelsView{}, control}); },
              "the input similarity is required");
  const Matrix small = naiveProduct(randomMatrix(11, 2, 94), false, randomMatrix(11, 2, 94), true);
  expectError(ErrorCode::Shape, [&] { dcka(small); }, "an 11 × 11 input similarity for 12 inputs");
  Matrix asymmetric = Matrix::copyOf(k0);
  asymmetric(0, 1) += 1.0;
  expectError(ErrorCode::Option, [&] { dcka(asymmetric); }, "an asymmetric input similarity");
  Matrix nan = Matrix::copyOf(k0);
  nan(2, 3) = std::nan("");
  expectError(ErrorCode::NonFinite, [&] { dcka(nan); }, "a NaN in the input similarity");
  expectError(ErrorCode::Degenerate, [&] { dcka(Matrix(12, 12)); }, "an all-zero input similarity");
  Matrix nearlySymmetric = Matrix::copyOf(k0);
  nearlySymmetric(0, 1) *= 1.0 + 1e-9;  // float32-level asymmetry is accepted and averaged away
  near(dcka(nearlySymmetric), value, 1e-8, "a rounding-level asymmetry is accepted");
}

// Kendall τ_b by its O(M²) definition, with the tie corrections of Kendall 1945.
double naiveTauB(const std::vector<double>& x, const std::vector<double>& y) {
  double concordant = 0, discordant = 0, onlyX = 0, onlyY = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) onlyX += 1;
      else if (dy == 0) onlyY += 1;
      else if ((dx > 0) == (dy > 0)) concordant += 1;
      else discordant += 1;
    }
  return (concordant - discordant) / std::sqrt((concordant + discordant + onlyY) * (concordant + discordant + onlyX));
}

std::vector<double> condensedEuclidean(const Matrix& x) {
  std::vector<double> v;
  for (std::size_t i = 0; i < x.rows(); ++i)
    for (std::size_t j = i + 1; j < x.rows(); ++j) {
      double s = 0;
      for (std::size_t c = 0; c < x.cols(); ++c) s += (x(i, c) - x(j, c)) * (x(i, c) - x(j, c));
      v.push_back(std::sqrt(s));
    }
  return v;
}

NNSIM_TEST(testRsmKendallWithTies) {
  // Small integer coordinates: many exactly equal distances, within and across the two RDMs.
  std::mt19937_64 rng(81);
  std::uniform_int_distribution<int> coordinate(0, 2);
  Matrix x(14, 2), y(14, 3);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = coordinate(rng);
  for (std::size_t i = 0; i < y.size(); ++i) y.data()[i] = coordinate(rng);
  Representation a(x);
  Options kendall;
  kendall.set("inner", std::string("euclidean"));
  kendall.set("outer", std::string("kendall"));
  // (Distances from the Gram expansion may split exact ties by roundoff; test τ_b on the exact vectors.)
  const auto dx = condensedEuclidean(x), dy = condensedEuclidean(y);
  near(kendallTauB(dx, dy), naiveTauB(dx, dy), 1e-12, "Knight's τ_b equals the O(M²) definition with ties");
  near(kendallTauB(dy, dx), naiveTauB(dy, dx), 1e-12, "Knight's τ_b (swapped) equals the O(M²) definition");
  std::vector<double> u(40), w(40);
  for (std::size_t i = 0; i < u.size(); ++i) {
    u[i] = static_cast<double>(coordinate(rng));
    w[i] = static_cast<double>(coordinate(rng) + coordinate(rng));
  }
  near(kendallTauB(u, w), naiveTauB(u, w), 1e-12, "Knight's τ_b with heavy ties in both vectors");
  near(run("rsa", a, a, kendall), 1.0, 1e-15, "τ_b of an RDM with itself (ties included) is 1");
  Matrix constant(5, 2);
  Representation c(constant);
  expectError(ErrorCode::Degenerate, [&] { run("rsa", c, c, kendall); }, "a constant RDM has no τ_b");
}

NNSIM_TEST(testRsmNormDifferenceAndDistanceCorrelation) {
  const Matrix x = randomMatrix(9, 3, 91), y = randomMatrix(9, 5, 92);
  Representation a(x), b(y);
  const auto dx = condensedEuclidean(x), dy = condensedEuclidean(y);
  double fro = 0;
  for (std::size_t i = 0; i < dx.size(); ++i) fro += 2 * (dx[i] - dy[i]) * (dx[i] - dy[i]);
  Options frobenius;
  frobenius.set("norm", std::string("frobenius"));
  near(run("rsm-norm-difference", a, b, frobenius), std::sqrt(fro), 1e-12, "Frobenius RSM difference");
  check(run("rsm-norm-difference", a, b) <= std::sqrt(fro) + 1e-12, "spectral norm ≤ Frobenius norm");
  Matrix constant(9, 2, std::vector<double>(18, 4.0));
  Representation c(constant);
  expectError(ErrorCode::Degenerate, [&] { run("distance-correlation", c, b); }, "dCor of a constant input");
  near(run("distance-correlation", a, a), 1.0, 1e-14, "dCor(X, X) = 1");
}

// Ridge hat operator of the centred input scaled to tr(XᵀX/N) = 1, from the D × D normal equations.
Matrix naiveHat(const Matrix& raw, double lambda) {
  Matrix x = centeredColumns(raw);
  const double n = static_cast<double>(x.rows());
  double norm2 = 0;
  for (std::size_t i = 0; i < x.size(); ++i) norm2 += x.data()[i] * x.data()[i];
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] *= std::sqrt(n / norm2);
  Matrix cov = naiveProduct(x, true, x, false);
  for (std::size_t i = 0; i < cov.size(); ++i) cov.data()[i] /= n;
  for (std::size_t i = 0; i < cov.rows(); ++i) cov(i, i) += lambda;
  const Matrix inv = symmetricFunction(cov, [](double v) { return 1.0 / v; });
  Matrix hat = naiveProduct(naiveProduct(x, false, inv, false), false, x, true);
  for (std::size_t i = 0; i < hat.size(); ++i) hat.data()[i] /= n;
  return hat;
}

NNSIM_TEST(testRsmGulpBuresEigenspace) {
  const Matrix x = randomMatrix(23, 4, 101), y = randomMatrix(23, 6, 102);
  Representation a(x), b(y);
  for (double lambda : {0.0, 0.05, 3.0}) {
    // λ = 0: full column rank here, so (XᵀX/N)⁻¹ exists and the hat operator is the projector.
    const Matrix diff = [&] {
      Matrix d = naiveHat(x, lambda);
      const Matrix e = naiveHat(y, lambda);
      for (std::size_t i = 0; i < d.size(); ++i) d.data()[i] -= e.data()[i];
      return d;
    }();
    double fro = 0;
    for (std::size_t i = 0; i < diff.size(); ++i) fro += diff.data()[i] * diff.data()[i];
    Options options;
    options.set("lambda", lambda);
    near(run("gulp", a, b, options), std::sqrt(fro), 1e-11, "GULP = ‖P_X − P_Y‖_F, λ = " + std::to_string(lambda));
  }
  near(run("gulp", a, a), 0.0, 1e-14, "GULP(X, X) = 0 exactly (explicit residual near 0)");

  // Bures: arccos(NBS) is the angular shape metric.
  near(std::acos(run("bures", a, b)), run("angular-shape", a, b), 1e-12, "arccos(NBS) = angular shape metric");

  // Eigenspace overlap of an input with its own invertible linear image is rank/max(D, D') = 1.
  const Matrix mixed = naiveProduct(x, false, randomMatrix(4, 4, 103), false);
  Representation m(mixed);
  near(run("eigenspace-overlap", a, m), 1.0, 1e-12, "EOS(X, XA) = 1 for invertible A");
  const Matrix lowRank = naiveProduct(randomMatrix(23, 2, 104), false, randomMatrix(2, 8, 105), false);
  Representation l(lowRank);
  near(run("eigenspace-overlap", l, l), 2.0 / 8.0, 1e-12, "EOS(X, X) = rank/D");
}

NNSIM_TEST(testRsmRiemannian) {
  // N ≤ D: positive definite kernels. Reference: ‖log(K^{-1/2} L K^{-1/2})‖_F from eigen-decompositions.
  const Matrix x = randomMatrix(7, 11, 111), y = randomMatrix(7, 9, 112);
  Representation a(x), b(y);
  const Matrix k = naiveProduct(x, false, x, true), l = naiveProduct(y, false, y, true);
  const Matrix root = symmetricFunction(k, [](double v) { return 1.0 / std::sqrt(v); });
  const Matrix inner = naiveProduct(naiveProduct(root, false, l, false), false, root, false);
  double want = 0;
  for (double v : symmetricEigen(inner, false).values) want += std::log(v) * std::log(v);
  near(run("riemannian", a, b), std::sqrt(want), 1e-10, "Riemannian distance = ‖log(K^-½ L K^-½)‖_F");
  near(run("riemannian", b, a), std::sqrt(want), 1e-10, "Riemannian distance is symmetric");
  const Matrix tallInput = randomMatrix(12, 3, 113);
  Representation tall(tallInput);
  expectError(ErrorCode::Degenerate, [&] { run("riemannian", tall, tall); }, "singular kernel (N > D) without regularization");
  Options reg;
  reg.set("regularization", 0.2);
  near(run("riemannian", tall, tall, reg), 0.0, 1e-12, "regularised self-distance is 0");
}

NNSIM_TEST(testRsmSpectralNormLanczos) {
  RunControl control;
  auto fullEigen = [](const Matrix& m) {
    const auto values = symmetricEigen(m, false).values;
    return std::max(std::fabs(values.front()), std::fabs(values.back()));
  };
  for (unsigned seed : {121u, 122u, 123u}) {
    // Indefinite: G + Gᵀ of a Gaussian G (semicircle spectrum, ends of nearly equal magnitude).
    const Matrix g = randomMatrix(60, 60, seed);
    Matrix sym(60, 60);
    for (std::size_t i = 0; i < 60; ++i)
      for (std::size_t j = 0; j < 60; ++j) sym(i, j) = g(i, j) + g(j, i);
    near(symmetricSpectralNorm(sym, control), fullEigen(sym), 1e-10, "Lanczos spectral norm of G + Gᵀ");
    Matrix negated = Matrix::copyOf(sym);
    for (std::size_t i = 0; i < negated.size(); ++i) negated.data()[i] = -negated.data()[i];
    near(symmetricSpectralNorm(negated, control), symmetricSpectralNorm(sym, control), 1e-14, "‖−S‖ = ‖S‖");
  }
  // Low rank (the Krylov space becomes invariant early) and a dominant negative end.
  const Matrix f = randomMatrix(50, 3, 124);
  Matrix low = naiveProduct(f, false, f, true);
  for (std::size_t i = 0; i < low.size(); ++i) low.data()[i] = -low.data()[i];
  near(symmetricSpectralNorm(low, control), fullEigen(low), 1e-10, "Lanczos spectral norm of a rank-3 matrix");
  Matrix zero(5, 5);
  check(symmetricSpectralNorm(zero, control) == 0.0, "spectral norm of 0 is 0");
  Matrix one(1, 1, std::vector<double>{-2.5});
  check(symmetricSpectralNorm(one, control) == 2.5, "spectral norm of a 1 × 1 matrix");
}

}  // namespace
