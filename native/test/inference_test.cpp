// Core tests of inference (native/core/inference.cpp, alignment_maps.cpp): index streams, every fast
// null path against a plain loop of runMeasure on permuted copies of b, independence of the thread
// count, resampling and jackknife units against the measure on the same rows, and the fitted maps
// against the measures' own values.
#include <numeric>
#include <set>

#include "alignment_maps.hpp"
#include "check.hpp"
#include "inference.hpp"
#include "threads.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

Options permutationOptions(std::int64_t count, std::int64_t seed) {
  Options o;
  o.set("permutations", static_cast<double>(count));
  o.set("seed", static_cast<double>(seed));
  return o;
}

Options measureOptions(std::initializer_list<std::pair<const char*, OptionValue>> values) {
  Options o;
  for (const auto& [key, value] : values) o.set(key, value);
  return o;
}

Matrix permutedRows(MatrixView m, const std::vector<std::int32_t>& rows) {
  Matrix out(rows.size(), m.cols);
  for (std::size_t i = 0; i < rows.size(); ++i) std::copy_n(m.row(static_cast<std::size_t>(rows[i])), m.cols, out.row(i));
  return out;
}

// B = tanh(A W) + noise: related to A, so the statistics are not all near zero.
Matrix relatedTo(const Matrix& a, std::size_t cols, unsigned seed) {
  const Matrix w = randomMatrix(a.cols(), cols, seed);
  Matrix b = multiply(a, Trans::No, w, Trans::No);
  const Matrix noise = randomMatrix(a.rows(), cols, seed + 1);
  for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = std::tanh(b.data()[i] / 3.0) + 0.5 * noise.data()[i];
  return b;
}

struct NullCase {
  const char* id;
  Options options;
  std::size_t n, da, db;
  const char* method;
  double tolerance;  // 0: bitwise equal
};

// The measure on (a, P_p b) for p = 0 … count − 1, by hand: the definition the fast paths must meet.
std::vector<double> plainLoop(const std::string& id, const Options& options, const Matrix& a, const Matrix& b,
                              std::size_t count, std::uint64_t seed) {
  std::vector<double> out(count);
  const Representation ra(a.view());
  std::vector<std::int32_t> perm(a.rows());
  for (std::size_t p = 0; p < count; ++p) {
    rowPermutation(seed, p, a.rows(), perm.data());
    const Matrix permuted = permutedRows(b.view(), perm);
    const Representation rb(permuted.view());
    out[p] = run(id, ra, rb, options);
  }
  return out;
}

}  // namespace

NNSIM_TEST(inference_index_streams) {
  std::vector<std::int32_t> p(50), q(50), r(50);
  rowPermutation(7, 3, 50, p.data());
  rowPermutation(7, 3, 50, q.data());
  rowPermutation(7, 4, 50, r.data());
  check(p == q, "a permutation is a function of (seed, index)");
  check(p != r, "different indices give different permutations");
  std::vector<std::int32_t> sorted(p);
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int32_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  check(sorted == identity, "a permutation of 0 … n − 1");
  // Every position takes every value about equally often (uniform Fisher–Yates): 2000 draws, n = 5.
  std::vector<int> counts(25, 0);
  std::vector<std::int32_t> small(5);
  for (std::size_t k = 0; k < 2000; ++k) {
    rowPermutation(1, k, 5, small.data());
    for (std::size_t i = 0; i < 5; ++i) counts[i * 5 + static_cast<std::size_t>(small[i])]++;
  }
  for (int c : counts) check(c > 320 && c < 480, "position/value counts near 400 (uniform permutations)");

  std::vector<std::int32_t> with(40), without(20);
  resampleRows(9, 0, 40, 40, true, with.data());
  resampleRows(9, 0, 40, 20, false, without.data());
  check(std::set<std::int32_t>(with.begin(), with.end()).size() < 40, "with replacement: some rows repeat");
  check(std::set<std::int32_t>(without.begin(), without.end()).size() == 20, "without replacement: distinct rows");
  check(std::is_sorted(without.begin(), without.end()) && without.back() < 40, "subsample rows increasing, in range");

  const std::vector<std::int32_t> groups = randomGroups(3, 23, 5);
  std::vector<int> sizes(5, 0);
  for (std::int32_t g : groups) sizes[static_cast<std::size_t>(g)]++;
  for (int s : sizes) check(s == 4 || s == 5, "groups of 23 rows in 5: sizes 4 or 5");
  check(jackknifeGroups(3, 23, 5) != crossValidationFolds(3, 23, 5), "jackknife groups and folds use separate streams");
}

NNSIM_TEST(inference_fast_nulls_equal_the_plain_loop) {
  const std::vector<NullCase> cases = {
      {"cka", {}, 200, 3, 2, "cka-feature-space", 1e-12},
      {"cka", {}, 40, 30, 25, "cka-gram-space", 1e-12},
      {"cka", measureOptions({{"estimator", std::string("unbiased")}}), 40, 6, 5, "cka-gram-space", 1e-12},
      {"cka", measureOptions({{"kernel", std::string("rbf")}, {"sigma", 0.7}}), 40, 6, 5, "cka-gram-space", 1e-12},
      {"rsa", {}, 30, 5, 4, "rsa-rdm-gather", 0},
      {"rsa", measureOptions({{"outer", std::string("pearson")}, {"inner", std::string("euclidean")}}), 30, 5, 4,
       "rsa-rdm-gather", 1e-12},
      {"rsa", measureOptions({{"outer", std::string("kendall")}, {"inner", std::string("cosine")}}), 30, 5, 4,
       "rsa-rdm-gather", 1e-12},
      {"knn-jaccard", measureOptions({{"k", 5.0}}), 60, 5, 4, "knn-relabel", 0},
      {"rank-similarity", measureOptions({{"metric", std::string("euclidean")}}), 60, 5, 4, "knn-relabel", 0},
      {"joint-rank-jaccard", {}, 60, 5, 4, "knn-relabel", 0},
  };
  for (const NullCase& c : cases) {
    const Matrix a = randomMatrix(c.n, c.da, 11);
    const Matrix b = relatedTo(a, c.db, 12);
    const Representation ra(a.view()), rb(b.view());
    RunControl control;
    const PermutationNull fast = permutationNull({c.id, c.options, {}}, ra, rb, permutationOptions(30, 5), control);
    const std::vector<double> reference = plainLoop(c.id, c.options, a, b, 30, 5);
    const std::string what = std::string(c.id) + " (" + c.method + ")";
    check(fast.method == c.method, what + ": path chosen, got " + fast.method);
    near(fast.value, run(c.id, ra, rb, c.options), 0, what + ": observed value is the measure's");
    double worst = 0;
    for (std::size_t p = 0; p < reference.size(); ++p) worst = std::max(worst, std::fabs(fast.null[p] - reference[p]));
    if (worst > c.tolerance) std::printf("  %s: max |fast − loop| = %g\n", what.c_str(), worst);
    check(worst <= c.tolerance, what + ": null equals the loop of the measure on permuted b");
    const PermutationNull generic =
        permutationNull({c.id, c.options, {}}, ra, rb, permutationOptions(30, 5), control, PermutationPath::Generic);
    check(generic.method == "generic", what + ": generic path on request");
    double genericWorst = 0;
    for (std::size_t p = 0; p < reference.size(); ++p) genericWorst = std::max(genericWorst, std::fabs(generic.null[p] - reference[p]));
    check(genericWorst == 0, what + ": the generic path is the loop");
  }
}

NNSIM_TEST(inference_null_independent_of_threads) {
  const int saved = blasThreads();
  const Matrix a = randomMatrix(120, 8, 21);
  const Matrix b = relatedTo(a, 6, 22);
  const Representation ra(a.view()), rb(b.view());
  for (const char* id : {"cka", "rsa", "knn-jaccard", "procrustes"}) {
    std::vector<std::vector<double>> nulls;
    for (int threads : {1, 2, 3}) {
      setBlasThreads(threads);
      RunControl control;
      nulls.push_back(permutationNull({id, {}, {}}, ra, rb, permutationOptions(200, 9), control).null);
    }
    check(nulls[0] == nulls[1] && nulls[1] == nulls[2], std::string(id) + ": the same null for 1, 2 and 3 threads");
  }
  setBlasThreads(saved);
}

NNSIM_TEST(inference_knn_ties_fall_back_to_the_measure) {
  // Duplicated rows of b tie at distance 0: relabelling would break ties by the wrong index.
  const Matrix a = randomMatrix(40, 4, 31);
  Matrix b = randomMatrix(40, 3, 32);
  for (std::size_t i = 20; i < 40; ++i) std::copy_n(b.row(i - 20), 3, b.row(i));
  const Representation ra(a.view()), rb(b.view());
  RunControl control;
  const Options k = measureOptions({{"k", 2.0}});  // the 2nd and 3rd neighbours: a pair of twins
  const PermutationNull out = permutationNull({"knn-jaccard", k, {}}, ra, rb, permutationOptions(20, 1), control);
  check(out.method == "generic", "ties in b's lists: generic path");
  check(out.null == plainLoop("knn-jaccard", k, a, b, 20, 1), "ties: equals the loop");
}

NNSIM_TEST(inference_labels_stay_with_a) {
  const Matrix a = randomMatrix(60, 5, 41);
  const Matrix b = relatedTo(a, 4, 42);
  std::vector<std::int32_t> labels(60);
  for (std::size_t i = 0; i < 60; ++i) labels[i] = static_cast<std::int32_t>(i % 3);
  const Representation ra(a.view()), rb(b.view());
  RunControl control;
  const LabelsView view{labels.data(), labels.size()};
  const PermutationNull out = permutationNull({"knn-modularity-difference", {}, view}, ra, rb, permutationOptions(10, 2), control);
  std::vector<std::int32_t> perm(60);
  for (std::size_t p = 0; p < 10; ++p) {
    rowPermutation(2, p, 60, perm.data());
    const Matrix permuted = permutedRows(b.view(), perm);
    const Representation rp(permuted.view());
    RepresentationPair pair(ra, rp);
    const double expected = runMeasure("knn-modularity-difference", MeasureContext{pair, Options{}, view, control});
    near(out.null[p], expected, 0, "labels unpermuted: null value " + std::to_string(p));
  }
}

NNSIM_TEST(inference_resampling_units) {
  const Matrix a = randomMatrix(30, 4, 51);
  const Matrix b = relatedTo(a, 3, 52);
  const Representation ra(a.view()), rb(b.view());
  Options o;
  o.set("resamples", 12.0);
  o.set("seed", 4.0);
  RunControl control;
  for (bool replace : {true, false}) {
    const std::size_t m = replace ? 30 : 15;
    const ResamplingDistribution out =
        resamplingDistribution({"cka", {}, {}}, ra, rb, o, Resampling{replace, m, 6}, control);
    check(out.values.size() == 12 && out.jackknife.size() == 6, "12 resamples, 6 jackknife groups");
    std::vector<std::int32_t> rows(m);
    for (std::size_t r = 0; r < 12; ++r) {
      resampleRows(4, r, 30, m, replace, rows.data());
      const Matrix sa = permutedRows(a.view(), rows), sb = permutedRows(b.view(), rows);
      const Representation xa(sa.view()), xb(sb.view());
      near(out.values[r], run("cka", xa, xb), 0, "resample " + std::to_string(r) + " is the measure on its rows");
    }
    const std::vector<std::int32_t> groups = jackknifeGroups(4, 30, 6);
    for (std::size_t g = 0; g < 6; ++g) {
      std::vector<std::int32_t> kept;
      for (std::size_t i = 0; i < 30; ++i) {
        if (groups[i] != static_cast<std::int32_t>(g)) kept.push_back(static_cast<std::int32_t>(i));
      }
      const Matrix sa = permutedRows(a.view(), kept), sb = permutedRows(b.view(), kept);
      const Representation xa(sa.view()), xb(sb.view());
      near(out.jackknife[g], run("cka", xa, xb), 0, "jackknife group " + std::to_string(g) + " left out");
    }
  }
  expectError(ErrorCode::Option, [&] { resamplingDistribution({"cka", {}, {}}, ra, rb, o, Resampling{false, 30, 0}, control); },
              "subsample of all rows is refused");
  Options zero;
  zero.set("resamples", 0.0);
  expectError(ErrorCode::Option, [&] { resamplingDistribution({"cka", {}, {}}, ra, rb, zero, Resampling{true, 30, 0}, control); },
              "resamples < 1");
}

NNSIM_TEST(inference_cancellation_stops_the_run) {
  const Matrix a = randomMatrix(300, 6, 61);
  const Matrix b = relatedTo(a, 5, 62);
  const Representation ra(a.view()), rb(b.view());
  // Cancels after the first progress report beyond the start.
  class CancelSoon : public RunControl {
   protected:
    void onProgress(std::size_t done, std::size_t) override {
      if (done > 0) cancel();
    }
  } control;
  expectError(ErrorCode::Cancelled,
              [&] { permutationNull({"procrustes", {}, {}}, ra, rb, permutationOptions(100000, 1), control); },
              "a cancelled permutation test stops");
}

NNSIM_TEST(inference_maps_reproduce_the_measures) {
  const Matrix a = randomMatrix(50, 6, 71);
  const Matrix b = relatedTo(a, 4, 72);
  const Representation ra(a.view()), rb(b.view());
  const std::vector<std::pair<const char*, Options>> cases = {
      {"procrustes", {}},
      {"procrustes", measureOptions({{"normalize", true}})},
      {"procrustes", measureOptions({{"center", false}})},
      {"angular-shape", {}},
      {"shape-metric", measureOptions({{"alpha", 0.0}})},
      {"shape-metric", measureOptions({{"alpha", 0.5}, {"distance", std::string("euclidean")}})},
      {"shape-metric", {}},
      {"linear-regression", {}},
      {"linear-regression", measureOptions({{"lambda", 3.0}})},
      {"aligned-cosine", {}},
  };
  for (const auto& [id, options] : cases) {
    const RepresentationPair pair(ra, rb);
    const AlignmentMap map = fitAlignmentMap(id, pair, options);
    const double inSample = scoreAlignedRows(map.score, applySideMap(map.a, a), applySideMap(map.b, b));
    near(inSample, run(id, ra, rb, options), 1e-10, std::string(id) + ": the map scored on its own rows is the measure");
  }
  expectError(ErrorCode::Option, [&] { fitAlignmentMap("cka", RepresentationPair(ra, rb), Options{}); },
              "cka has no map");
}

NNSIM_TEST(inference_cross_validation) {
  const Matrix a = randomMatrix(43, 5, 81);
  const Matrix b = relatedTo(a, 5, 82);
  const Representation ra(a.view()), rb(b.view());
  Options o;
  o.set("folds", 4.0);
  o.set("seed", 3.0);
  RunControl control;
  const CrossValidation cv = crossValidate({"angular-shape", {}, {}}, ra, rb, o, control);
  const std::vector<std::int32_t> folds = crossValidationFolds(3, 43, 4);
  std::size_t rows = 0;
  for (std::size_t f = 0; f < 4; ++f) {
    std::vector<std::int32_t> train, test;
    for (std::size_t i = 0; i < 43; ++i) (folds[i] == static_cast<std::int32_t>(f) ? test : train).push_back(static_cast<std::int32_t>(i));
    const Matrix ta = permutedRows(a.view(), train), tb = permutedRows(b.view(), train);
    const Representation xa(ta.view()), xb(tb.view());
    const AlignmentMap map = fitAlignmentMap("angular-shape", RepresentationPair(xa, xb), Options{});
    const double expected = scoreAlignedRows(map.score, applySideMap(map.a, permutedRows(a.view(), test)),
                                             applySideMap(map.b, permutedRows(b.view(), test)));
    near(cv.folds[f], expected, 0, "fold " + std::to_string(f) + ": fitted on the others, scored on it");
    check(cv.testRows[f] == test.size(), "fold sizes reported");
    rows += cv.testRows[f];
  }
  check(rows == 43, "every row held out once");
  Options tooMany;
  tooMany.set("folds", 44.0);
  expectError(ErrorCode::Option, [&] { crossValidate({"procrustes", {}, {}}, ra, rb, tooMany, control); }, "folds > N");
  expectError(ErrorCode::Option, [&] { crossValidate({"rsa", {}, {}}, ra, rb, o, control); }, "measure without a map");
}
