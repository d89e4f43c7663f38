// Core tests of exact distances, the blocked k-NN search, the tie-exact RDM and the memory check: every
// result is compared with a brute-force reference that decides ties by exact integer arithmetic.
#include <cstdint>
#include <limits>
#include <numeric>

#include "check.hpp"
#include "threads.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Matrix smallIntegers(std::size_t rows, std::size_t cols, int low, int high, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> value(low, high);
  Matrix m(rows, cols);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = value(rng);
  return m;
}

// Exact comparison keys of integer-valued rows. Euclidean: the integer Σ(x − y)². Cosine: the similarity
// as sign · dot² / (‖x‖²‖y‖²), compared by cross-multiplication in 128-bit integers.
struct IntegerKey {
  __int128 numerator = 0;    // Euclidean: d²; cosine: sign(dot)·dot²
  __int128 denominator = 1;  // cosine: ‖x‖²‖y‖² (> 0), or 1 with numerator 0 for a zero row
};

IntegerKey integerKey(const Matrix& x, std::size_t i, std::size_t j, bool cosine) {
  IntegerKey key;
  std::int64_t dot = 0, xx = 0, yy = 0, d2 = 0;  // (small integers: the sums fit; products below in 128 bits)
  for (std::size_t c = 0; c < x.cols(); ++c) {
    const auto a = static_cast<std::int64_t>(x(i, c)), b = static_cast<std::int64_t>(x(j, c));
    dot += a * b;
    xx += a * a;
    yy += b * b;
    d2 += (a - b) * (a - b);
  }
  if (!cosine) {
    key.numerator = d2;
    return key;
  }
  if (xx == 0 || yy == 0) return key;  // similarity 0
  const auto wide = static_cast<__int128>(dot);
  key.numerator = dot < 0 ? -wide * wide : wide * wide;
  key.denominator = static_cast<__int128>(xx) * yy;
  return key;
}

// Distance order: Euclidean ascending d²; cosine ascending 1 − s, i.e. descending s.
int compareKeys(const IntegerKey& p, const IntegerKey& q, bool cosine) {
  const __int128 lhs = p.numerator * q.denominator, rhs = q.numerator * p.denominator;
  if (lhs == rhs) return 0;
  return (lhs < rhs) != cosine ? -1 : 1;
}

// Every row's other rows ordered by exact keys, ties by index (the k nearest are the first k).
std::vector<std::vector<std::int32_t>> bruteForceOrder(const Matrix& x, bool cosine) {
  const std::size_t n = x.rows();
  std::vector<IntegerKey> keys(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) keys[i * n + j] = keys[j * n + i] = integerKey(x, i, j, cosine);
  std::vector<std::vector<std::int32_t>> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) out[i].push_back(static_cast<std::int32_t>(j));
    }
    std::stable_sort(out[i].begin(), out[i].end(), [&](std::int32_t a, std::int32_t b) {
      return compareKeys(keys[i * n + static_cast<std::size_t>(a)], keys[i * n + static_cast<std::size_t>(b)], cosine) < 0;
    });
  }
  return out;
}

bool sameLists(const KnnLists& lists, const std::vector<std::vector<std::int32_t>>& expected) {
  for (std::size_t i = 0; i < lists.n; ++i) {
    for (std::size_t t = 0; t < lists.k; ++t) {
      if (lists.row(i)[t] != expected[i][t]) {
        std::printf("  row %zu position %zu: got %d want %d\n", i, t, lists.row(i)[t], expected[i][t]);
        return false;
      }
    }
  }
  return true;
}

NNSIM_TEST(testExactDistanceTies) {
  // Pairs at exactly equal true distance, formed from different coordinates.
  const Matrix x(4, 2, {0, 0, 1, 0, 0, 1, 1, 1});
  Representation r(x);
  const ExactDistance euclidean(r, Metric::Euclidean);
  check(euclidean(0, 1) == euclidean(0, 2) && euclidean(0, 1) == euclidean(1, 3) && euclidean(0, 3) == 2.0,
        "integer squared distances are exact");
  check(euclidean(2, 1) == euclidean(1, 2), "exact distances are symmetric bitwise");
  // cos((1,1),(1,0)) = 1/√2 and cos((3,1),(1,2)) = 5/√50 = 1/√2: different dot products and norms,
  // the same dot²/(‖x‖²‖y‖²) = 1/2.
  const Matrix c(4, 2, {1, 1, 1, 0, 3, 1, 1, 2});
  Representation rc(c);
  const ExactDistance cosine(rc, Metric::Cosine);
  check(cosine.similarity(0, 1) == cosine.similarity(2, 3), "equal true cosines give equal values");
  near(cosine.similarity(0, 1), std::sqrt(0.5), 1e-15, "cosine value");
  near(cosine(0, 1), 1.0 - std::sqrt(0.5), 1e-15, "cosine distance = 1 − s");
  // Duplicated rows: equal distances to everything else, 0 between them.
  Matrix dup = randomMatrix(6, 5, 3);
  for (std::size_t col = 0; col < 5; ++col) dup(4, col) = dup(1, col);
  Representation rd(dup);
  for (Metric m : {Metric::Euclidean, Metric::Cosine, Metric::Correlation}) {
    const ExactDistance e(rd, m);
    bool equal = e(1, 4) == 0.0;
    for (std::size_t j : {0, 2, 3, 5}) equal = equal && e(1, j) == e(4, j) && e(j, 1) == e(1, j);
    check(equal, std::string("duplicated rows are equally far from the others: ") + metricName(m));
  }
  // Huge and tiny magnitudes: cosine and correlation are scale-free and stay finite. (One input spans at
  // most the magnitude rule's range: the core scales a whole input by one power of two, so rows 2^600
  // apart stay representable, while 1e300 beside 1e-300 would leave the tiny row below the double range.)
  Matrix scaled(3, 3, {1e150, -2e150, 3e150, 2e-150, 1e-150, -1e-150, 1, 2, 2});
  Representation rs(scaled);
  const ExactDistance cs(rs, Metric::Cosine), cr(rs, Metric::Correlation);
  near(cs.similarity(0, 1), (2.0 - 2.0 - 3.0) / (std::sqrt(14.0) * std::sqrt(6.0)), 1e-15, "cosine of 1e150 and 1e-150 rows");
  check(std::isfinite(cr(0, 1)) && std::isfinite(cr(0, 2)), "correlation of extreme rows is finite");
  // Constant rows have correlation 0 with everything (distance 1), even when their mean rounds.
  Matrix constant(3, 3, {0.1, 0.1, 0.1, 1, 2, 4, 3, 1, 2});
  Representation rk(constant);
  check(ExactDistance(rk, Metric::Correlation)(0, 1) == 1.0, "a constant row is at correlation distance 1");
}

NNSIM_TEST(testBlockedKnnMatchesBruteForce) {
  // D = 4096 makes the tiles 128 rows high: N = 300 spans three tiles (the last one partial), so the
  // diagonal and off-diagonal tiles and both of their sides are exercised.
  const int threads = blasThreads();
  for (bool cosine : {false, true}) {
    // Integer coordinates in {−1, 0, 1, 2} with duplicated rows: thousands of exact ties.
    Matrix x = smallIntegers(300, 4096, -1, 2, cosine ? 11 : 12);
    for (std::size_t i = 200; i < 300; i += 7) std::copy_n(x.row(i - 150), x.cols(), x.row(i));
    const auto order = bruteForceOrder(x, cosine);
    for (std::size_t k : {1, 6, 40}) {
      Representation r(x);
      const Metric metric = cosine ? Metric::Cosine : Metric::Euclidean;
      const KnnLists& lists = knn(r, k, metric);
      check(sameLists(lists, order),
            std::string("blocked k-NN equals the exact brute force, ties by index: ") + metricName(metric) +
                " k = " + std::to_string(k));
      // The reported distances are the exact ones.
      const ExactDistance exact(r, metric);
      bool distances = true;
      for (std::size_t i = 0; i < lists.n; i += 37) {
        for (std::size_t t = 0; t < k; ++t) {
          const double e = exact(i, static_cast<std::size_t>(lists.row(i)[t]));
          distances = distances && lists.distances[i * k + t] == (cosine ? e : std::sqrt(e));
        }
      }
      check(distances, "k-NN distances are the exact distances");
    }
  }
  // k = N − 1: every other input, in exact order.
  const Matrix small = smallIntegers(40, 3, 0, 2, 16);
  Representation rsmall(small);
  check(sameLists(knn(rsmall, 39, Metric::Euclidean), bruteForceOrder(small, false)), "k = N − 1 lists every input");
  // Continuous data, one thread against the default: the same lists bit for bit.
  const Matrix y = randomMatrix(260, 4096, 13);
  Representation r1(y), r2(y);
  setBlasThreads(1);
  const KnnLists& one = knn(r1, 9, Metric::Euclidean);
  setBlasThreads(std::max(2, threads));
  const KnnLists& many = knn(r2, 9, Metric::Euclidean);
  setBlasThreads(threads);
  check(one.indices == many.indices && one.distances == many.distances, "k-NN lists do not depend on the thread count");
  // Far from the origin (the Gram expansion of uncentred rows would lose every digit): still exact.
  Matrix far = smallIntegers(150, 3, 0, 3, 14);
  for (std::size_t i = 0; i < far.size(); ++i) far.data()[i] += 1e7;
  Representation rf(far);
  Matrix shifted = far;
  for (std::size_t i = 0; i < shifted.size(); ++i) shifted.data()[i] -= 1e7;
  check(sameLists(knn(rf, 5, Metric::Euclidean), bruteForceOrder(shifted, false)), "k-NN far from the origin");
}

NNSIM_TEST(testKnnCancelledPerTile) {
  const Matrix x = randomMatrix(400, 4096, 15);
  Representation r(x);
  RunControl control;
  control.cancel();
  expectError(ErrorCode::Cancelled, [&] { knn(r, 3, Metric::Cosine, &control); }, "a cancelled k-NN search stops");
  check(knn(r, 3, Metric::Cosine).n == 400, "a later call computes the lists (nothing half-memoised)");
}

// Spearman's ρ of two condensed RDMs from exact keys: average ranks (exact ties), then Pearson.
std::vector<double> averageRanks(const std::vector<IntegerKey>& keys, bool cosine) {
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return compareKeys(keys[a], keys[b], cosine) < 0; });
  std::vector<double> ranks(keys.size());
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start + 1;
    while (end < order.size() && compareKeys(keys[order[end]], keys[order[start]], cosine) == 0) ++end;
    for (std::size_t p = start; p < end; ++p) ranks[order[p]] = 0.5 * static_cast<double>(start + 1 + end);
    start = end;
  }
  return ranks;
}

double pearsonOf(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / x.size(), my = std::accumulate(y.begin(), y.end(), 0.0) / y.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

std::vector<IntegerKey> condensedKeys(const Matrix& x, bool cosine) {
  std::vector<IntegerKey> keys;
  for (std::size_t i = 0; i < x.rows(); ++i)
    for (std::size_t j = i + 1; j < x.rows(); ++j) keys.push_back(integerKey(x, i, j, cosine));
  return keys;
}

// D·x − Σx: the row-centred rows as integers (correlation = cosine of these).
Matrix scaledCentred(const Matrix& x) {
  Matrix y(x.rows(), x.cols());
  for (std::size_t i = 0; i < x.rows(); ++i) {
    double sum = 0;
    for (std::size_t c = 0; c < x.cols(); ++c) sum += x(i, c);
    for (std::size_t c = 0; c < x.cols(); ++c) y(i, c) = static_cast<double>(x.cols()) * x(i, c) - sum;
  }
  return y;
}

NNSIM_TEST(testRsaExactTies) {
  // The 6 × 2 example whose 15 Euclidean distances take 5 distinct values in the first input: the Gram
  // expansion of centred data split them into 7 and gave ρ = 0.3054; SciPy's
  // spearmanr(pdist(a), pdist(b)) is 0.20463540548918…
  const Matrix a(6, 2, {0, 0, 1, 0, 0, 1, 1, 1, 2, 0, 0, 2});
  const Matrix b(6, 2, {0, 0, 2, 1, 1, 2, 3, 3, 1, 0, 5, 1});
  Representation ra(a), rb(b);
  Options euclidean;
  euclidean.set("inner", std::string("euclidean"));
  near(run("rsa", ra, rb, euclidean), 0.20463540548918072, 1e-14, "RSA (euclidean, spearman) keeps exact ties");
  // Larger integer inputs with duplicated rows, every inner dissimilarity: ρ from exact ranks.
  Matrix x = smallIntegers(40, 5, -2, 2, 21), y = smallIntegers(40, 3, 0, 3, 22);
  for (std::size_t i = 30; i < 40; ++i) std::copy_n(x.row(i - 30), x.cols(), x.row(i));
  Representation rx(x), ry(y);
  const struct {
    const char* inner;
    bool cosine;
    bool centre;
  } cases[] = {{"euclidean", false, false}, {"cosine", true, false}, {"correlation", true, true}};
  for (const auto& c : cases) {
    const Matrix kx = c.centre ? scaledCentred(x) : x, ky = c.centre ? scaledCentred(y) : y;
    const double expected = pearsonOf(averageRanks(condensedKeys(kx, c.cosine), c.cosine),
                                      averageRanks(condensedKeys(ky, c.cosine), c.cosine));
    Options o;
    o.set("inner", std::string(c.inner));
    near(run("rsa", rx, ry, o), expected, 1e-13, std::string("RSA spearman from exact ranks: ") + c.inner);
  }
}

NNSIM_TEST(testScaleFreeMetricsAtExtremeMagnitudes) {
  // Cosine and correlation are scale-free: rows scaled by 2^±700 (exactly) give the same ranks and
  // neighbours as the original integers, ties included; nothing overflows or underflows on the way.
  const Matrix x = smallIntegers(30, 4, -2, 2, 31), y = smallIntegers(30, 3, 0, 3, 32);
  Matrix huge = x, tiny = y;
  for (std::size_t i = 0; i < huge.size(); ++i) huge.data()[i] = std::ldexp(huge.data()[i], 700);
  for (std::size_t i = 0; i < tiny.size(); ++i) tiny.data()[i] = std::ldexp(tiny.data()[i], -700);
  Representation rx(x), ry(y), rh(huge), rt(tiny);
  for (const char* inner : {"cosine", "correlation"}) {
    Options o;
    o.set("inner", std::string(inner));
    check(run("rsa", rh, rt, o) == run("rsa", rx, ry, o), std::string("RSA at 2^±700 equals RSA of the integers: ") + inner);
  }
  check(knn(rh, 4, Metric::Cosine).indices == knn(rx, 4, Metric::Cosine).indices, "cosine k-NN at 2^700");
  check(knn(rt, 4, Metric::Cosine).indices == knn(ry, 4, Metric::Cosine).indices, "cosine k-NN at 2^−700");
}

NNSIM_TEST(testMemoryEstimatesAndLimit) {
  Options none;
  for (const std::string& id : measureIds()) {
    const double small = estimateMemory(id, MemoryShape{100, 20, 30, 0}, none);
    const double large = estimateMemory(id, MemoryShape{100000, 20, 30, 0}, none);
    check(small > 0 && large >= small && std::isfinite(large), "memory estimate grows with N: " + id);
  }
  // An N × N measure at N = 200 000 (320 GB per matrix) is refused before anything is allocated.
  const double limit = memoryLimit();
  setMemoryLimit(8e9);
  Matrix x(200000, 2);
  for (std::size_t i = 0; i < x.rows(); ++i) x(i, 0) = static_cast<double>(i % 17), x(i, 1) = static_cast<double>(i % 5);
  Representation r(x);
  expectError(ErrorCode::OutOfMemory, [&] { run("rsa", r, r); }, "rsa at N = 200 000 is refused");
  expectError(ErrorCode::OutOfMemory, [&] { run("distance-correlation", r, r); }, "dCor at N = 200 000 is refused");
  check(estimateMemory("knn-jaccard", MemoryShape{200000, 2, 2, 0}, none) < 1e9, "k-NN lists at N = 200 000 fit");
  setMemoryLimit(limit);
  expectError(ErrorCode::Option, [] { setMemoryLimit(0.0); }, "the limit must be positive");
}

}  // namespace
