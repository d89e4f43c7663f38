// Core tests of the blocked moments (moments.cpp) and the streaming accumulator (streaming.cpp): blocked
// joint products against naive ones, float32 sources against float64, accumulated statistics against the
// in-memory measures, all-or-nothing pushes, merges and state restores.
#include <tuple>

#include "check.hpp"
#include "streaming.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Matrix shifted(const Matrix& m, double by) {
  Matrix out = Matrix::copyOf(m);
  for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] += by + 0.01 * static_cast<double>(i % out.cols());
  return out;
}

SourceView rowsOf(const Matrix& m, std::size_t begin, std::size_t end) {
  return SourceView(MatrixView(m.row(begin), end - begin, m.cols()));
}

std::string messageOf(const MeasureOutcome& outcome) {
  if (outcome.ok()) return "";
  try {
    std::rethrow_exception(outcome.error);
  } catch (const std::exception& e) {
    return e.what();
  }
}

NNSIM_TEST(testBlockedMoments) {
  // A joint width of 900 gives blocks of 2330 rows (momentBlockRows): 3000 rows cross a block boundary.
  const std::size_t n = 3000, dx = 500, dy = 400;
  check(momentBlockRows(dx + dy, Precision::Double) < n, "the test spans more than one block");
  const Matrix x = randomMatrix(n, dx, 1), y = randomMatrix(n, dy, 2);
  std::vector<double> mx(dx, 0.25), my(dy, -0.5);
  Matrix joint(dx + dy, dx + dy);
  accumulateMoments({MomentInput{x.view(), mx.data()}, MomentInput{y.view(), my.data()}}, 0, n, Precision::Double, joint);
  mirrorUpper(joint);
  Matrix z(n, dx + dy);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < dx; ++j) z(i, j) = x(i, j) - 0.25;
    for (std::size_t j = 0; j < dy; ++j) z(i, dx + j) = y(i, j) + 0.5;
  }
  check(maxAbsDiff(joint, multiply(z, Trans::Yes, z, Trans::No)) < 1e-9, "joint dsyrk of centred [X Y] blocks = ZᵀZ");
  Matrix cross(dx, dy);
  accumulateCross(MomentInput{x.view(), mx.data()}, MomentInput{y.view(), my.data()}, 0, n, Precision::Double, cross);
  double off = 0;
  for (std::size_t i = 0; i < dx; ++i)
    for (std::size_t j = 0; j < dy; ++j) off = std::max(off, std::fabs(cross(i, j) - joint(i, dx + j)));
  check(off < 1e-9, "blocked gemm = the XᵀY block of the joint product");
  // Float32 sources, and single precision.
  std::vector<float> x32(x.data(), x.data() + x.size());
  Matrix wide(n, dx);
  for (std::size_t i = 0; i < wide.size(); ++i) wide.data()[i] = static_cast<double>(x32[i]);
  Matrix fromFloat(dx, dx), fromDouble(dx, dx), single(dx, dx);
  accumulateMoments({MomentInput{SourceView(x32.data(), n, dx), mx.data()}}, 0, n, Precision::Double, fromFloat);
  accumulateMoments({MomentInput{wide.view(), mx.data()}}, 0, n, Precision::Double, fromDouble);
  accumulateMoments({MomentInput{wide.view(), mx.data()}}, 0, n, Precision::Single, single);
  check(maxAbsDiff(fromFloat, fromDouble) == 0.0, "a float32 source gives the float64 result of its values");
  check(maxAbsDiff(single, fromDouble) < 1e-2 && maxAbsDiff(single, fromDouble) > 0.0, "single precision: float32 rounding only");
  // Single precision scales rows by a power of two before rounding them to float32: entries of 2^100
  // (squares far beyond float32's range) and of 2^-100 (squares below it) give the same relative result.
  for (const int e : {100, -100}) {
    Matrix big = Matrix::copyOf(wide);
    for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = std::ldexp(big.data()[i], e);
    std::vector<double> centre(dx);
    for (std::size_t j = 0; j < dx; ++j) centre[j] = std::ldexp(mx[j], e);
    Matrix scaled(dx, dx);
    accumulateMoments({MomentInput{big.view(), centre.data(), e + 1}}, 0, n, Precision::Single, scaled);
    for (std::size_t i = 0; i < scaled.size(); ++i) scaled.data()[i] = std::ldexp(scaled.data()[i], -2 * e);
    check(maxAbsDiff(scaled, single) < 1e-9, "single precision at 2^" + std::to_string(e) + " = at 1, rescaled");
  }
}

NNSIM_TEST(testMomentsOf) {
  // momentsOf writes a fresh product (beta = 0 on its first block, no zero-fill) and takes each input's
  // Σ‖x − c‖² from the copied blocks: the same values as accumulating into zeros and as a pass over the
  // rows, in both precisions, across block boundaries and for a single block.
  for (const std::size_t n : {std::size_t{3000}, std::size_t{40}}) {
    const std::size_t dx = 500, dy = 400;
    const Matrix x = shifted(randomMatrix(n, dx, 11), 3.0), y = randomMatrix(n, dy, 12);
    std::vector<double> mx(dx, 3.0), my(dy, 0.1);
    const std::vector<MomentInput> inputs = {MomentInput{x.view(), mx.data(), 3}, MomentInput{y.view(), my.data(), 3}};
    for (const Precision p : {Precision::Double, Precision::Single}) {
      Matrix added(dx + dy, dx + dy);
      accumulateMoments(inputs, 0, n, p, added);
      std::vector<double> squares;
      Matrix fresh = momentsOf(inputs, p, &squares);
      double diff = 0.0;
      for (std::size_t i = 0; i < dx + dy; ++i)
        for (std::size_t j = i; j < dx + dy; ++j) diff = std::max(diff, std::fabs(fresh(i, j) - added(i, j)));
      check(diff == 0.0, std::string("momentsOf = accumulateMoments into zeros (") + precisionName(p) + ", N=" + std::to_string(n) + ")");
      double sx = 0.0, sy = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < dx; ++j) sx += (x(i, j) - mx[j]) * (x(i, j) - mx[j]);
        for (std::size_t j = 0; j < dy; ++j) sy += (y(i, j) - my[j]) * (y(i, j) - my[j]);
      }
      check(squares.size() == 2, "momentsOf reports one sum of squares per input");
      near(squares[0], sx, 1e-12, std::string("Σ‖x − c‖² from the blocks (") + precisionName(p) + ")");
      near(squares[1], sy, 1e-12, std::string("Σ‖y − c‖² from the blocks (") + precisionName(p) + ")");
    }
  }
  // A single float64 input without centre is multiplied in place: no squares to report.
  const Matrix z = randomMatrix(100, 7, 13);
  std::vector<double> squares = {1.0};
  const Matrix zz = momentsOf({MomentInput{z.view(), nullptr}}, Precision::Double, &squares);
  check(squares.empty(), "in place: squares left empty");
  check(std::fabs(zz(2, 5) - multiply(z, Trans::Yes, z, Trans::No)(2, 5)) < 1e-12, "in place: ZᵀZ");
}

NNSIM_TEST(testSquaredNormsOfSinglePrecisionProducts) {
  // The squared norms taken while the rows are copied are float64 sums of the float64 values, whatever
  // the precision of the products: a 'single' pair gives the norms of a 'double' pair.
  const Matrix x = shifted(randomMatrix(700, 30, 14), 5.0), y = randomMatrix(700, 20, 15);
  const Representation ax(x), ay(y), bx(x), by(y);
  const RepresentationPair single(ax, ay, Precision::Single), reference(bx, by, Precision::Double);
  single.secondMoments(Centering::Columns);
  reference.secondMoments(Centering::Columns);
  for (const Centering c : {Centering::Columns, Centering::None}) {
    near(ax.squaredNorm(c), bx.squaredNorm(c), 1e-14, std::string("‖X‖² (") + centeringName(c) + ") under 'single'");
    near(ay.squaredNorm(c), by.squaredNorm(c), 1e-14, std::string("‖Y‖² (") + centeringName(c) + ") under 'single'");
  }
}

NNSIM_TEST(testBlockedMomentsStop) {
  // Products over many rows stop at their cancellation points (between blocks and between panels).
  const Matrix x = randomMatrix(3000, 900, 8);
  for (const Precision p : {Precision::Double, Precision::Single}) {
    Matrix out(900, 900);
    RunControl control;
    control.cancel();
    const RunControl::Scope scope(&control);
    expectError(ErrorCode::Cancelled, [&] { accumulateMoments({MomentInput{x.view(), nullptr}}, 0, 3000, p, out); },
                std::string("a cancelled product stops (") + precisionName(p) + ")");
  }
}

NNSIM_TEST(testFloat32Representation) {
  const Matrix x = shifted(randomMatrix(500, 12, 3), 2.0);
  std::vector<float> x32(x.data(), x.data() + x.size());
  Matrix wide(500, 12);
  for (std::size_t i = 0; i < wide.size(); ++i) wide.data()[i] = static_cast<double>(x32[i]);
  const Representation single(SourceView(x32.data(), 500, 12));
  const Representation reference(wide);
  check(maxAbsDiff(single.covariance(Centering::Columns), reference.covariance(Centering::Columns)) < 1e-9,
        "float32 covariance from blocks");
  near(single.squaredNorm(Centering::Columns), reference.squaredNorm(Centering::Columns), 1e-13, "centred norm");
  check(single.float64CopyBytes() == 500 * 12 * 8, "no float64 copy after the feature-space quantities");
  check(maxAbsDiff(single.raw(), wide) == 0.0 && single.float64CopyBytes() == 0, "raw() makes the float64 copy once");
  std::vector<float> bad(x32);
  bad[7 * 12 + 3] = std::numeric_limits<float>::infinity();
  expectError(ErrorCode::NonFinite, [&] { Representation r(SourceView(bad.data(), 500, 12)); }, "float32 Inf is refused");
}

std::vector<StreamedMeasure> measures(std::initializer_list<const char*> ids) {
  std::vector<StreamedMeasure> out;
  for (const char* id : ids) out.push_back({id, Options{}});
  return out;
}

NNSIM_TEST(testAccumulatorMatchesInMemory) {
  // Large means against the spread: Chan's update keeps the digits that Σxxᵀ − n x̄x̄ᵀ would lose.
  const Matrix x = shifted(randomMatrix(400, 6, 4), 1e4);
  Matrix y = shifted(randomMatrix(400, 5, 5), -3e3);
  for (std::size_t i = 0; i < 400; ++i)
    for (std::size_t j = 0; j < 5; ++j) y(i, j) += 0.7 * x(i, j);
  const auto ids = measures({"cka", "cca-mean", "procrustes", "angular-shape", "bures", "linear-regression", "gulp",
                             "svcca", "pwcca", "eigenspace-overlap", "magnitude-difference"});
  Accumulator left(ids, 6, 5, Precision::Double), right(ids, 6, 5, Precision::Double);
  left.push(rowsOf(x, 0, 1), rowsOf(y, 0, 1));
  left.push(rowsOf(x, 1, 150), rowsOf(y, 1, 150));
  right.push(rowsOf(x, 150, 399), rowsOf(y, 150, 399));
  right.push(rowsOf(x, 399, 400), rowsOf(y, 399, 400));
  right.merge(left);  // shards merge in either order
  const Representation ra(x), rb(y);
  const std::vector<MeasureOutcome> got = right.result();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    check(got[i].ok(), ids[i].id + " streamed: " + messageOf(got[i]));
    near(got[i].value, run(ids[i].id, ra, rb), 1e-11, ids[i].id + " streamed = in memory");
  }
}

NNSIM_TEST(testAccumulatorUnbiasedAndLangeCka) {
  // The kernels' diagonal sums Σ‖x_i − x̄‖²‖y_i − ȳ‖² etc. are kept about the running mean and moved with
  // it on every push and merge: pushed in uneven batches (one of a single row) and merged in either
  // order, the unbiased and Lange CKA equal the in-memory ones, also with means far from the spread.
  for (const double offset : {0.0, 1e4}) {
    const Matrix x = shifted(randomMatrix(300, 7, 31), offset);
    Matrix y = shifted(randomMatrix(300, 4, 32), -0.3 * offset);
    for (std::size_t i = 0; i < 300; ++i)
      for (std::size_t j = 0; j < 4; ++j) y(i, j) += 0.6 * x(i, j) * x(i, (j + 1) % 7) / (1.0 + offset);
    std::vector<StreamedMeasure> ids;
    for (const char* estimator : {"unbiased", "lange"}) {
      for (const char* output : {"similarity", "angular"}) {
        Options o;
        o.set("estimator", std::string(estimator));
        o.set("output", std::string(output));
        ids.push_back({"cka", o});
      }
    }
    Accumulator left(ids, 7, 4, Precision::Double), right(ids, 7, 4, Precision::Double);
    left.push(rowsOf(x, 0, 1), rowsOf(y, 0, 1));
    left.push(rowsOf(x, 1, 97), rowsOf(y, 1, 97));
    right.push(rowsOf(x, 97, 250), rowsOf(y, 97, 250));
    right.push(rowsOf(x, 250, 300), rowsOf(y, 250, 300));
    Accumulator copy(ids, 7, 4, Precision::Double);
    copy.restore(left.state());
    left.merge(right);
    right.merge(copy);  // the other order
    const Representation ra(x), rb(y);
    const std::vector<MeasureOutcome> one = left.result(), other = right.result();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const Options& o = left.measures()[i].options;  // resolved, for the name
      const double want = run("cka", ra, rb, ids[i].options);
      const std::string what = "cka " + o.choice("estimator") + " " + o.choice("output") +
                               " offset " + std::to_string(offset);
      check(one[i].ok() && other[i].ok(), what + " streamed: " + messageOf(one[i]) + messageOf(other[i]));
      near(one[i].value, want, 1e-12, what + " streamed = in memory");
      near(other[i].value, want, 1e-12, what + " merged in the other order");
    }
    check(std::fabs(one[0].value - run("cka", ra, rb)) > 1e-6, "the unbiased value differs from the biased one");
  }
}

NNSIM_TEST(testAccumulatorBatchScanNamesTheFirstBadEntry) {
  // The batch scan reads finiteness off per-column sums and rescans when one is not finite: every position
  // (first, last, either thread's chunk) and kind is named by batch, row, column and input, and a refused
  // batch adds nothing. 3000 × 200 rows are split between threads.
  const std::size_t n = 3000, d = 200;
  const Matrix x = randomMatrix(n, d, 21), y = randomMatrix(n, d, 22);
  Accumulator acc(measures({"cka", "concentricity-difference"}), d, d, Precision::Double);
  acc.push(rowsOf(x, 0, 10), rowsOf(y, 0, 10));
  const auto before = acc.state();
  for (const std::size_t at : {std::size_t{0}, std::size_t{d + 7}, n * d / 2 + 3, n * d - 1}) {
    for (const double value : {double(NAN), double(INFINITY), -double(INFINITY)}) {
      for (const bool second : {false, true}) {
        Matrix bad = Matrix::copyOf(second ? y : x);
        bad.data()[at] = value;
        bad.data()[at + (at + 5 < n * d ? 5 : 0)] = value;  // a later bad entry is not the one named
        std::string message;
        try {
          acc.push(second ? rowsOf(x, 0, n) : rowsOf(bad, 0, n), second ? rowsOf(bad, 0, n) : rowsOf(y, 0, n));
        } catch (const Error& e) {
          if (e.code() == ErrorCode::NonFinite) message = e.what();
        }
        const std::string where = "batch 1 (0-based), row " + std::to_string(at / d) + " of the " +
                                  (second ? "second" : "first") + " input: column " + std::to_string(at % d) + " is " +
                                  (std::isnan(value) ? "NaN" : "infinite");
        check(message.find(where) != std::string::npos, "a non-finite entry at " + std::to_string(at) + " is named: " + message);
      }
    }
  }
  std::vector<float> single(n * d, 0.25f);
  single[n * d / 3] = NAN;
  std::vector<float> fine(n * d, 0.5f);
  expectError(ErrorCode::NonFinite, [&] { acc.push(SourceView(single.data(), n, d), SourceView(fine.data(), n, d)); },
              "float32 NaN is refused");
  check(acc.state().at("comoments").values == before.at("comoments").values && acc.rows() == 10,
        "refused batches add nothing");
  acc.push(rowsOf(x, 10, n), rowsOf(y, 10, n));
  check(acc.rows() == n, "the accumulator takes good batches after refused ones");
}

NNSIM_TEST(testAccumulatorAllOrNothing) {
  const Matrix x = randomMatrix(100, 4, 6), y = randomMatrix(100, 3, 7);
  Accumulator acc(measures({"cka", "concentricity-difference"}), 4, 3, Precision::Double);
  acc.push(rowsOf(x, 0, 50), rowsOf(y, 0, 50));
  const auto before = acc.state();
  Matrix poisoned = Matrix::copyOf(x);
  poisoned(70, 2) = std::nan("");
  expectError(ErrorCode::NonFinite, [&] { acc.push(rowsOf(poisoned, 50, 100), rowsOf(y, 50, 100)); }, "NaN batch refused");
  expectError(ErrorCode::Shape, [&] { acc.push(rowsOf(x, 50, 100), rowsOf(y, 50, 99)); }, "row mismatch refused");
  RunControl cancelled;
  cancelled.cancel();
  expectError(ErrorCode::Cancelled, [&] { acc.push(rowsOf(x, 50, 100), rowsOf(y, 50, 100), &cancelled); }, "cancelled push");
  check(acc.state().at("comoments").values == before.at("comoments").values && acc.rows() == 50, "state unchanged by refusals");
  Accumulator other(measures({"cka"}), 4, 3, Precision::Double);
  expectError(ErrorCode::State, [&] { acc.merge(other); }, "other measures refused");
  expectError(ErrorCode::State, [&] { acc.merge(acc); }, "merging itself refused");
  auto broken = acc.state();
  broken.at("mean.a").values.pop_back();
  expectError(ErrorCode::State, [&] { acc.restore(broken); }, "misshapen state refused");
  check(acc.state().at("mean.a").values == before.at("mean.a").values, "a refused restore changes nothing");
  expectError(ErrorCode::NotStreamable, [] { requireStreamable("knn-jaccard", Options{}); }, "k-NN does not stream");
  Matrix huge = Matrix::copyOf(x);
  huge(73, 1) = 1e70;  // about 2^232
  expectError(ErrorCode::Numerical, [&] { acc.push(rowsOf(huge, 50, 100), rowsOf(y, 50, 100)); },
              "entries beyond 2^200 refused (streamed moments are not rescaled)");
  check(acc.rows() == 50, "state unchanged by the refusal");
  Options unknown;
  unknown.set("kernal", std::string("rbf"));
  expectError(ErrorCode::Option, [&] { Accumulator a({{"cka", unknown}}, 4, 3, Precision::Double); },
              "options resolved against the measure's spec");
  // The (D + D′)² statistics are checked against the memory limit before they are allocated.
  const double limit = memoryLimit();
  setMemoryLimit(1e9);
  expectError(ErrorCode::OutOfMemory, [] { Accumulator a(measures({"procrustes"}), 20000, 20000, Precision::Double); },
              "an accumulator wider than the memory limit allows is refused");
  Options wideBatches;
  wideBatches.set("estimator", std::string("minibatch"));
  wideBatches.set("batch", 65536.0);
  expectError(ErrorCode::OutOfMemory, [&] { Accumulator a({{"cka", wideBatches}}, 4, 3, Precision::Double); },
              "so are minibatches whose kernels would not fit");
  setMemoryLimit(limit);
}

}  // namespace

namespace {

// Every measure and option setting on float32 inputs, in the feature space (D ≤ N) and the row space
// (D > N): the memory estimate counts the float64 copies (MemoryShape::float64CopyBytes) when and only
// when the measure makes them (Representation::raw()).
NNSIM_TEST(testEstimatesCountFloat64Copies) {
  std::vector<std::int32_t> labels(40);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 3);
  for (const auto& [n, da, db] : {std::tuple<std::size_t, std::size_t, std::size_t>{40, 6, 5}, {12, 20, 16}}) {
    const Matrix x = randomMatrix(n, da, 11), y = randomMatrix(n, db, 12);
    const std::vector<float> x32(x.data(), x.data() + x.size()), y32(y.data(), y.data() + y.size());
    const double copies = 8.0 * static_cast<double>(n * (da + db));
    for (const std::string& id : measureIds()) {
      const MeasureDef* def = findMeasure(id);
      for (const OptionVariant& variant : optionVariants(*def)) {
        const Representation a(SourceView(x32.data(), n, da)), b(SourceView(y32.data(), n, db));
        const RepresentationPair pair(a, b);
        RunControl control;
        const MeasureContext ctx{pair, variant.options, LabelsView{labels.data(), n}, control};
        try {
          runMeasure(id, ctx);
        } catch (const Error&) {
          // Undefined for this input (too few rows, degenerate …): what it copied so far still counts.
        }
        const double copied = copies - static_cast<double>(a.float64CopyBytes() + b.float64CopyBytes());
        MemoryShape shape{n, da, db, 3};
        double counted = 0.0;
        try {
          const double plain = estimateMemory(id, shape, variant.options);
          shape.float64CopyBytes = copies;
          counted = estimateMemory(id, shape, variant.options) - plain;
        } catch (const Error&) {
          continue;  // options this shape does not allow
        }
        const std::string what = variant.what + " (N = " + std::to_string(n) + ", D = " + std::to_string(da) + ")";
        if (copied > 0.0) {
          check(counted >= copied, what + ": its estimate counts the float64 copies it makes");
        } else {
          check(counted == 0.0, what + ": no float64 copy, none counted");
        }
      }
    }
  }
}

}  // namespace
