// Unit tests of the Node-free core: BLAS/LAPACK wrappers, prepared representations, options, the
// registry and the first measures.
#include <algorithm>
#include <cstdint>

#include "check.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

NNSIM_TEST(testLinalg) {
  const Matrix a = randomMatrix(7, 4, 1), b = randomMatrix(7, 5, 2);
  const Matrix c = multiply(a, Trans::Yes, b, Trans::No);
  check(maxAbsDiff(c, naiveProduct(a, true, b, false)) < 1e-12, "gemm AᵀB matches the naive product");
  const Matrix d = multiply(b, Trans::Yes, a, Trans::No);
  check(maxAbsDiff(d, naiveProduct(b, true, a, false)) < 1e-12, "gemm BᵀA matches the naive product");
  check(maxAbsDiff(gramOfColumns(a), naiveProduct(a, true, a, false)) < 1e-12, "syrk AᵀA");
  check(maxAbsDiff(gramOfRows(a), naiveProduct(a, false, a, true)) < 1e-12, "syrk AAᵀ");

  for (auto [r, cc] : {std::pair<std::size_t, std::size_t>{7, 4}, {4, 7}, {5, 5}}) {
    const Matrix m = randomMatrix(r, cc, 3);
    const Svd svd = thinSvd(m);
    Matrix us(svd.u.rows(), svd.u.cols());
    for (std::size_t i = 0; i < us.rows(); ++i)
      for (std::size_t j = 0; j < us.cols(); ++j) us(i, j) = svd.u(i, j) * svd.s[j];
    const Matrix back = multiply(us, Trans::No, svd.vt, Trans::No);
    check(maxAbsDiff(back, m) < 1e-12, "thin SVD reconstructs A (" + std::to_string(r) + "x" + std::to_string(cc) + ")");
    const auto s = singularValues(m);
    bool same = s.size() == svd.s.size();
    for (std::size_t i = 0; same && i < s.size(); ++i) same = std::fabs(s[i] - svd.s[i]) < 1e-12;
    check(same, "singular values agree with the thin SVD");
    const Matrix utu = multiply(svd.u, Trans::Yes, svd.u, Trans::No);
    double off = 0;
    for (std::size_t i = 0; i < utu.rows(); ++i)
      for (std::size_t j = 0; j < utu.cols(); ++j) off = std::max(off, std::fabs(utu(i, j) - (i == j ? 1.0 : 0.0)));
    check(off < 1e-12, "U has orthonormal columns");
  }

  const Matrix g = gramOfColumns(randomMatrix(9, 5, 4));
  const SymmetricEigen eig = symmetricEigen(g, true);
  double residual = 0;
  for (std::size_t j = 0; j < 5; ++j)
    for (std::size_t i = 0; i < 5; ++i) {
      double av = 0;
      for (std::size_t p = 0; p < 5; ++p) av += g(i, p) * eig.vectors(p, j);
      residual = std::max(residual, std::fabs(av - eig.values[j] * eig.vectors(i, j)));
    }
  check(residual < 1e-10, "dsyevr: A v = λ v for every eigenpair");
  check(eig.values[0] <= eig.values[4], "eigenvalues ascending");

  {
    const Matrix spd = gramOfColumns(randomMatrix(12, 4, 14));
    const Matrix root = symmetricFunction(spd, [](double v) { return std::sqrt(std::max(0.0, v)); });
    check(maxAbsDiff(multiply(root, Trans::No, root, Trans::No), spd) < 1e-10, "symmetric square root squares back");
    const Matrix lowRank = multiply(randomMatrix(10, 2, 15), Trans::No, randomMatrix(2, 6, 16), Trans::No);
    Representation rl(lowRank);
    check(rl.columnSpaceBasis(Centering::None).cols() == 2, "column-space basis has the numerical rank");
  }

  const Matrix tall = randomMatrix(8, 3, 5);
  const Qr qr = thinQr(tall);
  check(maxAbsDiff(multiply(qr.q, Trans::No, qr.r, Trans::No), tall) < 1e-12, "QR reconstructs A");
  // Blocked centred products equal the products of the explicitly centred matrices (several blocks).
  {
    const Matrix x = randomMatrix(3000, 300, 21), y = randomMatrix(3000, 200, 22);
    std::vector<double> mx(300, 0.0), my(200, 0.0);
    for (std::size_t i = 0; i < 3000; ++i) {
      for (std::size_t j = 0; j < 300; ++j) mx[j] += x(i, j) / 3000.0;
      for (std::size_t j = 0; j < 200; ++j) my[j] += y(i, j) / 3000.0;
    }
    Matrix xc = x, yc = y;
    for (std::size_t i = 0; i < 3000; ++i) {
      for (std::size_t j = 0; j < 300; ++j) xc(i, j) -= mx[j];
      for (std::size_t j = 0; j < 200; ++j) yc(i, j) -= my[j];
    }
    const MatrixView yv = y.view();
    check(maxAbsDiff(centeredCrossProduct(x, mx, &yv, my), multiply(xc, Trans::Yes, yc, Trans::No)) < 1e-9,
          "blocked centred XᵀY");
    check(maxAbsDiff(centeredCrossProduct(x, mx, nullptr, {}), gramOfColumns(xc)) < 1e-9, "blocked centred XᵀX");
    check(maxAbsDiff(centeredCrossProduct(x, {}, &yv, {}), multiply(x, Trans::Yes, y, Trans::No)) < 1e-9,
          "uncentred XᵀY");
    check(maxAbsDiff(centeredCrossProduct(x, mx, &yv, {}), multiply(xc, Trans::Yes, y, Trans::No)) < 1e-9,
          "one side centred");
  }

  const Matrix wide = randomMatrix(3, 8, 6);
  const Matrix r = rFactorOfTranspose(wide);
  check(maxAbsDiff(multiply(r, Trans::Yes, r, Trans::No), gramOfRows(wide)) < 1e-12, "RᵀR = AAᵀ for Aᵀ = QR");
}

NNSIM_TEST(testRepresentation) {
  std::vector<double> bad = {1, 2, NAN, 4};
  expectError(ErrorCode::NonFinite, [&] { Representation r(MatrixView(bad.data(), 2, 2)); }, "NaN is refused");
  bad[2] = INFINITY;
  expectError(ErrorCode::NonFinite, [&] { Representation r(MatrixView(bad.data(), 2, 2)); }, "Inf is refused");
  expectError(ErrorCode::Shape, [&] { Representation r(MatrixView(bad.data(), 0, 2)); }, "0 rows are refused");
  {
    // The validation pass finds non-finite entries through the column sums; every position is found and
    // named, including after the sums have overflowed on huge finite entries (which are valid input).
    const std::size_t n = 5000, d = 37;
    for (const std::size_t at : {std::size_t{0}, std::size_t{2 * d + 5}, n * d / 2 + 3, n * d - 1}) {
      for (const double value : {double(NAN), double(INFINITY), -double(INFINITY)}) {
        std::vector<double> data(n * d, 1.0);
        data[at] = value;
        bool named = false;
        try {
          Representation r(MatrixView(data.data(), n, d));
        } catch (const Error& e) {
          const std::string where = "entry (" + std::to_string(at / d) + ", " + std::to_string(at % d) + ")";
          named = e.code() == ErrorCode::NonFinite && std::string(e.what()).find(where) != std::string::npos;
        }
        check(named, "a non-finite entry at " + std::to_string(at) + " is refused and named");
      }
    }
    std::vector<double> huge(n * d, 1.5e308);
    Representation ok(MatrixView(huge.data(), n, d));
    check(ok.scaleExponent() > 0, "huge finite entries (column sums overflow) are accepted and rescaled");
    huge[n * d - 2] = NAN;
    expectError(ErrorCode::NonFinite, [&] { Representation r(MatrixView(huge.data(), n, d)); },
                "NaN after overflowed column sums is refused");
    std::vector<float> single(n * d, 2.0f);
    single[n * d / 3] = NAN;
    expectError(ErrorCode::NonFinite, [&] { Representation r(SourceView(single.data(), n, d)); }, "float32 NaN is refused");
  }
  for (const std::size_t n : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{200}}) {
    Matrix m = randomMatrix(n, n, 9);
    const Matrix upper = Matrix::copyOf(m.view());
    mirrorUpper(m);
    bool ok = true;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) ok = ok && m(i, j) == upper(std::min(i, j), std::max(i, j));
    check(ok, "mirrorUpper copies the upper triangle down, n=" + std::to_string(n));
  }
  {
    // Large buffers: uninitialised storage that is reused after release; a zero-filled Matrix is zero
    // even when its storage held a released matrix's values.
    const std::size_t count = (kHugePageBytes / sizeof(double)) * 3;
    const double* released = nullptr;
    {
      Matrix a = Matrix::uninitialized(count / 1000, 1000);
      std::fill_n(a.data(), a.size(), 7.0);
      released = a.data();
    }
    Matrix b(count / 1000, 1000);
    if (bufferPoolEnabled()) check(b.data() == released, "a released large buffer is reused for one of a similar size");
    check(std::all_of(b.data(), b.data() + b.size(), [](double v) { return v == 0.0; }), "Matrix(r, c) is zero-filled");
    check(reinterpret_cast<std::uintptr_t>(b.data()) % (std::size_t{2} << 20) == 0, "large storage is 2 MB aligned");
    Buffer<float> small = makeBuffer<float>(10);
    check(small != nullptr && reinterpret_cast<std::uintptr_t>(small.get()) % 64 == 0, "small buffers are 64-byte aligned");
  }

  // The cross factor has the singular values of XcᵀYc in both the feature (D <= N) and factor (D > N) paths.
  for (auto [n, da, db] : {std::tuple<std::size_t, std::size_t, std::size_t>{20, 4, 6}, {6, 9, 12}, {8, 5, 11}}) {
    const Matrix x = randomMatrix(n, da, 7), y = randomMatrix(n, db, 8);
    Representation rx(x), ry(y);
    RepresentationPair pair(rx, ry);
    const Matrix direct = multiply(rx.data(Centering::Columns), Trans::Yes, ry.data(Centering::Columns), Trans::No);
    const auto want = singularValues(direct);
    const auto& got = pair.crossSingularValues(Centering::Columns);
    bool ok = true;
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i) ok = ok && std::fabs(want[i] - got[i]) < 1e-10;
    for (std::size_t i = std::min(want.size(), got.size()); i < want.size(); ++i) ok = ok && want[i] < 1e-10;
    check(ok, "cross singular values, N=" + std::to_string(n) + " D=" + std::to_string(da) + "," + std::to_string(db));
    near(pair.crossSquaredNorm(Centering::Columns), frobeniusNormSquared(direct), 1e-12, "cross Frobenius norm");
    near(rx.covarianceSquaredNorm(Centering::Columns),
         frobeniusNormSquared(gramOfColumns(rx.data(Centering::Columns))), 1e-12, "covariance squared norm");
  }
  std::vector<double> same(12, 0.1);
  Representation constant(MatrixView(same.data(), 4, 3));
  check(constant.isConstant(Centering::Columns), "equal rows are constant after centring");
  check(!constant.isConstant(Centering::None), "non-zero raw input is not constant");
  RepresentationPair mismatched(constant, constant);
  const Matrix five = randomMatrix(5, 3, 9);
  Representation r5(five);
  expectError(ErrorCode::Shape, [&] { RepresentationPair p(constant, r5); }, "mismatched N is refused");
}

NNSIM_TEST(testDistancesAndNeighbours) {
  const Matrix x = randomMatrix(30, 5, 31);
  Representation r(x);
  const Matrix& d2 = squaredEuclideanDistances(r);
  const Matrix& cs = cosineSimilarities(r);
  double worst = 0, worstCos = 0;
  for (std::size_t i = 0; i < 30; ++i)
    for (std::size_t j = 0; j < 30; ++j) {
      double direct = 0, dot = 0, ni = 0, nj = 0;
      for (std::size_t c = 0; c < 5; ++c) {
        direct += (x(i, c) - x(j, c)) * (x(i, c) - x(j, c));
        dot += x(i, c) * x(j, c);
        ni += x(i, c) * x(i, c);
        nj += x(j, c) * x(j, c);
      }
      worst = std::max(worst, std::fabs(d2(i, j) - direct));
      worstCos = std::max(worstCos, std::fabs(cs(i, j) - (i == j ? 1.0 : dot / std::sqrt(ni * nj))));
    }
  check(worst < 1e-12, "squared Euclidean distances match direct differences");
  check(worstCos < 1e-12, "cosine similarities match the definition");
  check(std::fabs(euclideanDistances(r)(3, 7) - std::sqrt(d2(3, 7))) < 1e-15, "euclidean = sqrt(squared)");

  // Near-duplicates far from the origin: the expansion alone would return noise of ~1e-8·‖x‖.
  Matrix far(3, 4);
  for (std::size_t c = 0; c < 4; ++c) {
    far(0, c) = 1e4 + c;
    far(1, c) = 1e4 + c + (c == 0 ? 1e-6 : 0.0);
    far(2, c) = -1e4;
  }
  Representation rf(far);
  near(euclideanDistances(rf)(0, 1), 1e-6, 1e-6, "tiny distances are accurate");

  // k-NN: self excluded by index, ties broken by index, nearest first.
  Matrix dup(5, 2);
  const double pts[5][2] = {{0, 0}, {1, 0}, {1, 0}, {0, 3}, {5, 5}};
  for (std::size_t i = 0; i < 5; ++i) for (std::size_t c = 0; c < 2; ++c) dup(i, c) = pts[i][c];
  Representation rd(dup);
  const KnnLists& lists = knn(rd, 2, Metric::Euclidean);
  check(lists.row(1)[0] == 2 && lists.row(2)[0] == 1, "a duplicate is its twin's nearest neighbour, self excluded");
  check(lists.row(0)[0] == 1 && lists.row(0)[1] == 2, "ties are broken by the smaller index");
  near(lists.distances[0], 1.0, 1e-15, "k-NN distances are Euclidean");
  expectError(ErrorCode::TooFewRows, [&] { knn(rd, 5, Metric::Cosine); }, "k must be below N");

  Random a(42), b(42), c(43);
  bool same = true, differ = false;
  for (int i = 0; i < 10; ++i) {
    const double va = a.normal(), vb = b.normal(), vc = c.normal();
    same = same && va == vb;
    differ = differ || va != vc;
  }
  check(same && differ, "Random: same seed, same stream; another seed, another stream");
  const auto subset = Random(7).sample(100, 10);
  check(subset.size() == 10 && std::is_sorted(subset.begin(), subset.end()) &&
            std::adjacent_find(subset.begin(), subset.end()) == subset.end(),
        "Random::sample draws distinct sorted indices");
}

NNSIM_TEST(testMeasures) {
  const Matrix x = randomMatrix(40, 6, 10);
  const Matrix q = randomOrthogonal(6, 11);
  Matrix y = multiply(x, Trans::No, q, Trans::No);
  for (std::size_t i = 0; i < y.rows(); ++i)
    for (std::size_t j = 0; j < y.cols(); ++j) y(i, j) = 3.0 * y(i, j) + 1.5;  // scale + translate
  Representation rx(x), ry(y);
  near(run("cka", rx, ry), 1.0, 1e-12, "CKA is invariant to rotation, scaling and translation");
  near(run("angular-shape", rx, ry), 0.0, 1e-7, "angular shape of a similar copy is ~0");
  Options normalize;
  normalize.set("normalize", true);
  near(run("procrustes", rx, ry, normalize), 0.0, 1e-7, "normalized Procrustes of a similar copy is ~0");
  const double sizeShape = run("procrustes", rx, ry);
  check(sizeShape > 1.0, "size-and-shape Procrustes sees the scaling");

  const Matrix z = randomMatrix(40, 9, 12);
  Representation rz(z);
  const double ab = run("cka", rx, rz), ba = run("cka", rz, rx);
  near(ab, ba, 1e-13, "CKA is symmetric");
  check(ab > 0 && ab < 1, "CKA of unrelated data is in (0, 1)");
  const double angle = run("angular-shape", rx, rz);
  check(angle > 0 && angle <= M_PI / 2, "angular shape in (0, π/2]");
  near(std::cos(angle), std::cos(run("angular-shape", rz, rx)), 1e-13, "angular shape is symmetric");

  std::vector<double> equalRows(40 * 6, 2.0);
  Representation constant(MatrixView(equalRows.data(), 40, 6));
  expectError(ErrorCode::Degenerate, [&] { run("cka", constant, rx); }, "CKA of a constant representation");
  expectError(ErrorCode::Degenerate, [&] { run("angular-shape", rx, constant); }, "angular shape of a constant");
  expectError(ErrorCode::UnknownMeasure, [&] { run("no-such-measure", rx, rz); }, "unknown id");
  const Matrix one = randomMatrix(1, 3, 13);
  Representation r1(one);
  expectError(ErrorCode::TooFewRows, [&] { run("cka", r1, r1); }, "N = 1 is too few");

  Options wrong;
  wrong.set("normalize", std::string("yes"));
  expectError(ErrorCode::Option, [&] { run("procrustes", rx, rz, wrong); }, "a string where a boolean belongs");
  Options unknownKernel;
  unknownKernel.set("kernel", std::string("cubic"));
  expectError(ErrorCode::Option, [&] { run("cka", rx, rz, unknownKernel); }, "an unknown kernel");

  RepresentationPair pair(rx, rz);
  RunControl control;
  control.cancel();
  Options none;
  const MeasureContext ctx{pair, none, LabelsView{}, control};
  expectError(ErrorCode::Cancelled, [&] { runMeasure("cka", ctx); }, "a cancelled run stops");
}

}  // namespace

namespace {

// symmetricFunction accepts a named (lvalue, even const) callable as well as a temporary.
NNSIM_TEST(testSymmetricFunctionWithNamedCallable) {
  const Matrix a = randomMatrix(6, 4, 21);
  const Matrix gram = gramOfColumns(a);
  const auto square = [](double v) { return v * v; };
  const Matrix viaNamed = symmetricFunction(gram, square);
  const Matrix viaTemporary = symmetricFunction(gram, [](double v) { return v * v; });
  const Matrix direct = multiply(gram, Trans::No, gram, Trans::No);
  check(maxAbsDiff(viaNamed, direct) < 1e-9, "f(A) = A² from a named const lambda");
  check(maxAbsDiff(viaNamed, viaTemporary) == 0.0, "named and temporary callables agree");
}

}  // namespace
