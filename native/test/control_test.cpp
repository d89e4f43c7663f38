// Stopping and magnitudes: run deadlines and cancellation points, the interruptible sort and products,
// LAPACK guarded against non-finite input and run detachably, and the magnitude rule with each
// measure's declared scale rule.
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <thread>
#include <utility>

#include "check.hpp"
#include "detachable.hpp"
#include "parallel.hpp"
#include "sorting.hpp"

namespace nnsim::test {
namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// A control whose flag another thread can set (as the binding's async worker shares it).
struct SharedControl {
  std::shared_ptr<std::atomic<bool>> flag = std::make_shared<std::atomic<bool>>(false);
  RunControl control{flag};
};

NNSIM_TEST(testRunControlDeadlineAndScope) {
  RunControl unlimited;
  unlimited.setTimeout(-1.0);
  unlimited.throwIfCancelled();
  check(!unlimited.stoppable(), "no deadline and an unshared flag: nothing can stop the run");
  RunControl expired;
  expired.setTimeout(0.0);
  check(expired.stoppable(), "a deadline makes the run stoppable");
  expectError(ErrorCode::Timeout, [&] { expired.throwIfCancelled(); }, "past the deadline: Timeout");
  checkpoint();  // no run on this thread: a no-op
  {
    const RunControl::Scope scope(&expired);
    expectError(ErrorCode::Timeout, [] { checkpoint(); }, "checkpoint() reads the current run");
    {
      const RunControl::Scope inner(&unlimited);
      checkpoint();
      check(RunControl::current() == &unlimited, "scopes nest");
    }
    check(RunControl::current() == &expired, "the outer scope is restored");
  }
  check(RunControl::current() == nullptr, "no current run after the scope");
  // parallelFor carries the run into its threads: every chunk stops.
  SharedControl shared;
  shared.control.cancel();
  const RunControl::Scope scope(&shared.control);
  std::atomic<int> reached{0};
  expectError(ErrorCode::Cancelled, [&] {
    parallelFor(std::size_t{1} << 22, 1, [&](std::size_t, std::size_t) {
      ++reached;
      checkpoint();
    });
  }, "a cancelled run stops in parallelFor's threads");
  check(reached.load() >= 1, "the chunks ran up to their checkpoint");
}

NNSIM_TEST(testSortingWithCheckpoints) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> small(0, 999);  // many duplicates
  const std::size_t n = (std::size_t{1} << 18) + 12345;
  std::vector<std::pair<double, std::size_t>> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = {static_cast<double>(small(rng)), i};
  auto expected = values;
  std::sort(expected.begin(), expected.end());
  auto sorted = values;
  sortWithCheckpoints(sorted.begin(), sorted.end(), std::less<std::pair<double, std::size_t>>());
  check(sorted == expected, "sortWithCheckpoints sorts like std::sort (total order)");

  std::vector<double> plain(n);
  for (double& v : plain) v = static_cast<double>(small(rng));
  for (std::size_t nth : {std::size_t{0}, n / 3, n / 2, n - 1}) {
    auto selected = plain;
    nthElementWithCheckpoints(selected.begin(), selected.begin() + static_cast<std::ptrdiff_t>(nth), selected.end(),
                              std::less<double>());
    auto reference = plain;
    std::sort(reference.begin(), reference.end());
    bool partitioned = true;
    for (std::size_t i = 0; i < n; ++i) {
      if ((i < nth && selected[i] > selected[nth]) || (i > nth && selected[i] < selected[nth])) partitioned = false;
    }
    check(selected[nth] == reference[nth] && partitioned, "nthElementWithCheckpoints at " + std::to_string(nth));
  }

  SharedControl shared;
  shared.control.cancel();
  const RunControl::Scope scope(&shared.control);
  auto stopped = values;
  expectError(ErrorCode::Cancelled, [&] {
    sortWithCheckpoints(stopped.begin(), stopped.end(), std::less<std::pair<double, std::size_t>>());
  }, "a cancelled run stops inside a large sort");
}

// Products large enough to be tiled (row blocks, inner-dimension blocks) equal the plain products.
NNSIM_TEST(testTiledProducts) {
  // Spot checks of C = op(A) op(B) against dot products.
  auto spotCheck = [](const Matrix& c, MatrixView a, bool ta, MatrixView b, bool tb, const std::string& what) {
    const std::size_t k = ta ? a.rows : a.cols;
    double worst = 0.0;
    std::mt19937_64 rng(3);
    for (int s = 0; s < 200; ++s) {
      const std::size_t i = rng() % c.rows(), j = rng() % c.cols();
      double sum = 0.0;
      for (std::size_t p = 0; p < k; ++p) sum += (ta ? a(p, i) : a(i, p)) * (tb ? b(j, p) : b(p, j));
      worst = std::max(worst, std::fabs(sum - c(i, j)) / std::max(1.0, std::fabs(sum)));
    }
    check(worst < 1e-10, what);
  };
  // Small C, long inner dimension (XᵀY over many inputs): blocks of the inner dimension.
  const Matrix tall = randomMatrix(30000, 120, 1), tall2 = randomMatrix(30000, 110, 2);
  spotCheck(multiply(tall, Trans::Yes, tall2, Trans::No), tall, true, tall2, false, "XᵀY tiled over the inner dimension");
  // Large C: row blocks, and inner blocks within them when the rows are long.
  const Matrix wide = randomMatrix(2100, 200, 3), wide2 = randomMatrix(2000, 200, 4);
  spotCheck(multiply(wide, Trans::No, wide2, Trans::Yes), wide, false, wide2, true, "X Yᵀ tiled by rows");
  const Matrix left = randomMatrix(1563, 1001, 5), right = randomMatrix(4000, 1563, 6);
  spotCheck(multiply(left, Trans::Yes, right, Trans::Yes), left, true, right, true, "Xᵀ Yᵀ tiled by rows and inner blocks");
  const Matrix rows = randomMatrix(3000, 300, 7);
  const Matrix gram = gramOfRows(rows);
  spotCheck(gram, rows, false, rows, true, "X Xᵀ by panels");
  bool symmetric = true;
  for (std::size_t i = 0; i < gram.rows(); ++i)
    for (std::size_t j = 0; j < i; ++j) symmetric &= gram(i, j) == gram(j, i);
  check(symmetric, "the panelled Gram matrix is exactly symmetric");
  spotCheck(gramOfColumns(tall), tall, true, tall, false, "XᵀX accumulated over row blocks");

  SharedControl shared;
  shared.control.cancel();
  const RunControl::Scope scope(&shared.control);
  expectError(ErrorCode::Cancelled, [&] { gramOfRows(rows); }, "a cancelled run stops between panels");
}

NNSIM_TEST(testLapackNeverSeesNonFiniteInput) {
  Matrix m = randomMatrix(8, 5, 9);
  m(3, 2) = std::numeric_limits<double>::infinity();
  expectError(ErrorCode::Numerical, [&] { thinSvd(m); }, "thinSvd of an infinite entry");
  expectError(ErrorCode::Numerical, [&] { singularValues(m); }, "singularValues of an infinite entry");
  expectError(ErrorCode::Numerical, [&] { thinQr(m); }, "thinQr of an infinite entry");
  Matrix s = gramOfColumns(randomMatrix(8, 5, 10));
  s(1, 1) = std::numeric_limits<double>::quiet_NaN();
  expectError(ErrorCode::Numerical, [&] { symmetricEigen(s, true); }, "symmetricEigen of a NaN entry");
}

// A LAPACK call of a stoppable run runs detachably: stopping returns at once, and otherwise the result
// is the one computed in place.
NNSIM_TEST(testDetachableLapack) {
  const Matrix data = randomMatrix(1200, 1200, 11);
  const Matrix sym = gramOfColumns(data);
  const SymmetricEigen inPlace = symmetricEigen(sym, true);
  {
    SharedControl shared;  // stoppable, never stopped
    const RunControl::Scope scope(&shared.control);
    const SymmetricEigen detached = symmetricEigen(sym, true);
    check(detached.values == inPlace.values && maxAbsDiff(detached.vectors, inPlace.vectors) == 0.0,
          "the detachable eigendecomposition equals the one in place");
  }
  SharedControl shared;
  const RunControl::Scope scope(&shared.control);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    shared.control.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  double stoppedAfter = -1.0;
  try {
    symmetricEigen(sym, true);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::Cancelled) stoppedAfter = millisecondsSince(start);
  }
  stopper.join();
  // The eigendecomposition alone takes far longer than this on any machine that ran the line above.
  check(stoppedAfter >= 0.0 && stoppedAfter < 20.0 + 200.0, "a cancelled LAPACK call returns at once (" +
                                                                std::to_string(stoppedAfter) + " ms)");
}

Representation scaled(const Matrix& m, int exponent) {
  Matrix copy = Matrix::copyOf(m);
  scaleByPowerOfTwo(copy.data(), copy.data(), copy.size(), exponent);
  return Representation(std::move(copy));
}

NNSIM_TEST(testMagnitudeRule) {
  const Matrix x = randomMatrix(30, 4, 12), y = randomMatrix(30, 6, 13);
  const Representation plain(x.view());
  check(plain.scaleExponent() == 0 && !plain.ownsData(), "a safe input is used in place");
  for (int e : {-900, -205, 205, 600, 1000}) {
    const Representation r = scaled(x, e);
    check(r.scaleExponent() == r.magnitude() && r.magnitude() == std::ilogb(std::ldexp(1.0, e)) + plain.magnitude(),
          "scale exponent = ilogb(max |entry|) at 2^" + std::to_string(e));
    double maxAbs = 0.0;
    for (std::size_t i = 0; i < r.raw().size(); ++i) maxAbs = std::max(maxAbs, std::fabs(r.raw().data[i]));
    check(maxAbs >= 1.0 && maxAbs < 2.0, "the scaled copy's largest entry is in [1, 2)");
    check(maxAbsDiff(r.raw(), Representation::atScale(plain, plain.magnitude())->raw()) == 0.0,
          "atScale gives the same exact power-of-two copy");
  }
  check(scaled(x, 199 - plain.magnitude()).scaleExponent() == 0, "just inside the safe range: not rescaled");

  // A homogeneous measure on inputs at different scales: both are brought to one scale.
  const double base = run("procrustes", plain, Representation(y.view()));
  const double mixed = run("procrustes", scaled(x, 700), scaled(y, 650));
  near(mixed, std::ldexp(run("procrustes", plain, scaled(y, -50)), 700), 1e-12, "procrustes at 2^700 and 2^650");
  near(run("procrustes", scaled(x, -700), scaled(y, -700)), std::ldexp(base, -700), 1e-12, "procrustes at 2^-700");
  expectError(ErrorCode::Numerical, [&] { run("procrustes", scaled(x, 600), scaled(y, -600)); },
              "magnitudes 2^1200 apart cannot share a scale");
  near(run("angular-shape", scaled(x, 600), scaled(y, -600)), run("angular-shape", plain, Representation(y.view())),
       1e-12, "a scale-invariant measure needs no common scale");
}

// Each measure's declared ScaleRule matches what its kernel computes, checked inside the safe range
// (where nothing is rescaled): Invariant measures ignore separate scales of the two inputs, Homogeneous
// ones scale by 2^(degree·e) when both inputs are scaled by 2^e.
NNSIM_TEST(testDeclaredScaleRules) {
  const Matrix x = randomMatrix(40, 5, 14), y = randomMatrix(40, 7, 15);
  std::vector<std::int32_t> labels(40);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 4);
  const Representation rx(x.view()), ry(y.view());
  const Representation xUp = scaled(x, 40), yDown = scaled(y, -30), yUp = scaled(y, 40);
  auto value = [&](const MeasureDef& def, const Representation& a, const Representation& b, const Options& options) {
    RepresentationPair pair(a, b);
    RunControl control;
    const MeasureContext ctx{pair, options, LabelsView{labels.data(), labels.size()}, control};
    return runMeasure(def.id, ctx);
  };
  for (const std::string& id : measureIds()) {
    const MeasureDef& def = *findMeasure(id);
    Options options;
    if (id == "riemannian") options.set("regularization", 0.01);
    if (id == "geometry-score") options.set("repetitions", 5.0);
    const ScaleRule rule = def.scaling != nullptr ? def.scaling(options.resolved(def.options, id)) : ScaleRule{};
    if (rule.kind == ScaleRule::OwnScale) continue;  // kernel-specific: checked by the API tests
    const double base = value(def, rx, ry, options);
    if (rule.kind == ScaleRule::Invariant) {
      near(value(def, xUp, yDown, options), base, 1e-9, id + " is invariant to separate scales of its inputs");
    } else {
      near(value(def, xUp, yUp, options), std::ldexp(base, 40 * rule.degree), 1e-9,
           id + " is homogeneous of degree " + std::to_string(rule.degree));
    }
  }
}

}  // namespace
}  // namespace nnsim::test
