#include "inference.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "alignment_maps.hpp"
#include "distances.hpp"
#include "errors.hpp"
#include "linalg.hpp"
#include "neighbors.hpp"
#include "random.hpp"
#include "rsm.hpp"
#include "threads.hpp"

namespace nnsim {

namespace {

constexpr std::int64_t kMaxSeed = 9007199254740991;  // 2^53 − 1: every such seed is exact in a JS number
// The jackknife's random groups come from a stream no resample index reaches (indices are < kMaxDraws).
constexpr std::uint64_t kJackknifeStream = std::uint64_t{1} << 62;

OptionSpec seedOption() { return integerOption("seed", 0).atLeast(0).atMost(static_cast<double>(kMaxSeed)); }

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double elapsedSeconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// ---------------------------------------------------------------------------------------------------
// Work in blocks. Each unit (a permutation, a resample, a jackknife group) is computed from its own
// index alone, so blocks may run in any order on any thread. The first unit runs alone and is timed;
// blocks then hold about kBlockSeconds of work, which bounds how long a cancelled run keeps going.
// `concurrent` units (no BLAS inside) spread over the core's thread budget; other units run one block
// after another on the calling thread and use the budget inside (BLAS, parallelFor). Only the calling
// thread reports progress; helper threads run under a quiet control of the same run (its cancel flag
// and deadline), current on their thread, so checkpoint() stops them too.

constexpr double kBlockSeconds = 0.01;

using BlockBody = std::function<void(std::size_t begin, std::size_t end, RunControl& control)>;

// Units [first, total) (the caller has computed those before `first` itself); progress counts all of them.
void runBlocks(std::size_t first, std::size_t total, std::size_t granularity, bool concurrent, RunControl& control,
               const BlockBody& body) {
  control.step(first, total);
  if (first >= total) return;
  granularity = std::max<std::size_t>(1, std::min(granularity, total - first));
  const auto start = std::chrono::steady_clock::now();
  body(first, first + granularity, control);
  const double perUnit = elapsedSeconds(start) / static_cast<double>(granularity);
  std::size_t done = first + granularity;
  control.step(done, total);
  if (done == total) return;
  const double fit = perUnit > 0.0 ? kBlockSeconds / perUnit : 1e9;
  const std::size_t units = std::clamp<std::size_t>(static_cast<std::size_t>(fit), 1, 1024);
  const std::size_t block = std::max(granularity, units / granularity * granularity);
  const std::size_t blocks = (total - done + block - 1) / block;
  const std::size_t threads =
      concurrent ? std::min<std::size_t>(static_cast<std::size_t>(std::max(1, blasThreads())), blocks) : 1;
  if (threads <= 1) {
    for (std::size_t begin = done; begin < total; begin += block) {
      const std::size_t end = std::min(total, begin + block);
      body(begin, end, control);
      control.step(end, total);
    }
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{done};
  std::atomic<bool> stop{false};
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](std::size_t t, RunControl& own, bool reports) {
    try {
      for (;;) {
        if (stop.load() || own.cancelled()) break;
        const std::size_t b = next.fetch_add(1);
        if (b >= blocks) break;
        const std::size_t begin = done + b * block;
        const std::size_t end = std::min(total, begin + block);
        body(begin, end, own);
        const std::size_t now = finished.fetch_add(end - begin) + (end - begin);
        if (reports) control.step(now, total);
      }
    } catch (...) {
      errors[t] = std::current_exception();
      stop.store(true);
    }
  };
  std::vector<std::thread> pool;
  std::vector<RunControl> quiet;
  quiet.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) quiet.push_back(control.quiet());
  for (std::size_t t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const RunControl::Scope scope(&quiet[t - 1]);
      work(t, quiet[t - 1], false);
    });
  }
  work(0, control, true);
  for (auto& thread : pool) thread.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  control.throwIfCancelled();
  control.step(total, total);
}

// ---------------------------------------------------------------------------------------------------
// Null distributions. A path computes the measure on (a, P b) for a block of permutations.

class NullPath {
 public:
  virtual ~NullPath() = default;
  virtual const char* name() const = 0;
  // Permutations computed together by one evaluate() (a batched product); blocks are multiples of it.
  virtual std::size_t batch() const { return 1; }
  // Whether blocks may run on several threads at once (no BLAS inside).
  virtual bool concurrent() const = 0;
  // out[p] = the measure on (a, P_p b) for the `count` permutations in `perms` (count × n, row-major).
  virtual void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) = 0;
};

// The reference: the measure re-run on each permuted copy of b, with a's prepared representation (its
// cached centring, factors, distances, k-NN lists) reused. Runs concurrently when one evaluation is small.
class GenericNull : public NullPath {
 public:
  GenericNull(const MeasureCall& call, const Representation& a, const Representation& b)
      : call_(call), a_(a), b_(b) {}
  const char* name() const override { return "generic"; }
  bool concurrent() const override { return concurrent_; }
  void setConcurrent(bool c) { concurrent_ = c; }
  void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) override {
    const std::size_t n = a_.rows();
    RunControl quiet = control.quiet();  // the measure's own progress is not the test's
    for (std::size_t p = 0; p < count; ++p) {
      // At b's scale, so that the measure's scale rule treats the permuted copy as it treats b.
      const std::unique_ptr<Representation> rb = Representation::rowsOf(b_, perms + p * n, n);
      const RepresentationPair pair(a_, *rb);
      out[p] = runMeasure(call_.id, MeasureContext{pair, call_.options, call_.labels, quiet});
    }
  }

 private:
  const MeasureCall& call_;
  const Representation& a_;
  const Representation& b_;
  bool concurrent_ = false;
};

// Linear CKA (biased) in feature space: the self terms ‖X_cᵀX_c‖_F, ‖Y_cᵀY_c‖_F are those of the
// measure (permutation-invariant); per permutation only ‖X_cᵀ P Y_c‖_F², one N × D × D′ product.
// Several permutations share one GEMM X_cᵀ [P₁Y_c … P_kY_c] when D′ is narrow (better BLAS efficiency).
class CkaFeatureSpaceNull : public NullPath {
 public:
  CkaFeatureSpaceNull(const Representation& a, const Representation& b, const Options& options)
      : options_(options),
        x_(a.data(Centering::Columns)),
        y_(b.data(Centering::Columns)),
        selfA_(a.covarianceSquaredNorm(Centering::Columns)),
        selfB_(b.covarianceSquaredNorm(Centering::Columns)) {
    // ≥ 256 product columns per GEMM, the stacked copy at most 2^25 entries (256 MB).
    const std::size_t wide = (255 + y_.cols) / y_.cols;
    const std::size_t memory = std::max<std::size_t>(1, (std::size_t{1} << 25) / std::max<std::size_t>(1, y_.size()));
    batch_ = std::max<std::size_t>(1, std::min(wide, memory));
  }
  const char* name() const override { return "cka-feature-space"; }
  std::size_t batch() const override { return batch_; }
  bool concurrent() const override { return false; }
  void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) override {
    const std::size_t n = x_.rows, db = y_.cols;
    for (std::size_t first = 0; first < count; first += batch_) {
      control.throwIfCancelled();
      const std::size_t k = std::min(batch_, count - first);
      Matrix stacked = Matrix::uninitialized(n, k * db);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t p = 0; p < k; ++p) {
          std::copy_n(y_.row(static_cast<std::size_t>(perms[(first + p) * n + i])), db, stacked.row(i) + p * db);
        }
      }
      Matrix cross(x_.cols, k * db);
      gemm(Trans::Yes, Trans::No, 1.0, x_, stacked, 0.0, cross);
      for (std::size_t p = 0; p < k; ++p) {
        double sum = 0.0;
        for (std::size_t r = 0; r < x_.cols; ++r) {
          const double* row = cross.row(r) + p * db;
          for (std::size_t c = 0; c < db; ++c) sum += row[c] * row[c];
        }
        out[first + p] = ckaFromHsic(sum, selfA_, selfB_, options_);
      }
    }
  }

 private:
  const Options& options_;
  MatrixView x_, y_;
  double selfA_, selfB_;
  std::size_t batch_ = 1;
};

// CKA (any kernel, either estimator) in Gram space: with K̃, L̃ the centred (or U-centred) N × N kernels,
// a row permutation of b permutes L̃'s rows and columns (centring commutes with it), so
// HSIC(K, P L Pᵀ) ∝ Σ_ij K̃_ij L̃_π(i)π(j): one O(N²) pass per permutation, by symmetry over i ≤ j.
class CkaGramSpaceNull : public NullPath {
 public:
  CkaGramSpaceNull(const Representation& a, const Representation& b, const Options& options)
      : k_(ckaCenteredKernel(a, options)),
        l_(ckaCenteredKernel(b, options)),
        options_(options) {
    selfA_ = frobeniusNormSquared(k_);
    selfB_ = frobeniusNormSquared(l_);
  }
  const char* name() const override { return "cka-gram-space"; }
  bool concurrent() const override { return true; }
  void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) override {
    const std::size_t n = k_.rows();
    for (std::size_t p = 0; p < count; ++p) {
      const std::int32_t* pi = perms + p * n;
      double diagonal = 0.0, upper = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        if (i % 256 == 255) control.throwIfCancelled();
        const double* ki = k_.row(i);
        const double* li = l_.row(static_cast<std::size_t>(pi[i]));
        diagonal += ki[i] * li[pi[i]];
        double row = 0.0;
        for (std::size_t j = i + 1; j < n; ++j) row += ki[j] * li[pi[j]];
        upper += row;
      }
      out[p] = ckaFromHsic(diagonal + 2.0 * upper, selfA_, selfB_, options_);
    }
  }

 private:
  const Matrix& k_;
  const Matrix& l_;
  const Options& options_;
  double selfA_ = 0.0, selfB_ = 0.0;
};

// RSA: the RDM of P b has entry (i, j) = entry (π(i), π(j)) of b's, and the ranks of its entries move
// with them (a rank depends on the value only), so the vector RSA correlates is gathered from b's, never
// recomputed or re-sorted; the correlation is the measure's own (rsaCorrelation).
class RsaNull : public NullPath {
 public:
  RsaNull(const Representation& a, const Representation& b, const Options& options)
      : options_(options), x_(rsaVector(a, options)), y_(rsaVector(b, options)), n_(a.rows()) {
    rowStart_.resize(n_);
    // Condensed position of (p, q), p < q: p·n − p(p+1)/2 + q − p − 1 = rowStart_[p] + q.
    for (std::size_t p = 0; p < n_; ++p) {
      rowStart_[p] = static_cast<std::int64_t>(p * n_) - static_cast<std::int64_t>(p * (p + 1) / 2) -
                     static_cast<std::int64_t>(p) - 1;
    }
  }
  const char* name() const override { return "rsa-rdm-gather"; }
  bool concurrent() const override { return true; }
  void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) override {
    std::vector<double> permuted(y_.size());
    for (std::size_t p = 0; p < count; ++p) {
      control.throwIfCancelled();
      const std::int32_t* pi = perms + p * n_;
      std::size_t pos = 0;
      for (std::size_t i = 0; i < n_; ++i) {
        const std::int64_t ri = pi[i];
        for (std::size_t j = i + 1; j < n_; ++j) {
          const std::int64_t rj = pi[j];
          permuted[pos++] = ri < rj ? y_[static_cast<std::size_t>(rowStart_[ri] + rj)]
                                    : y_[static_cast<std::size_t>(rowStart_[rj] + ri)];
        }
      }
      out[p] = rsaCorrelation(x_, permuted, options_);
    }
  }

 private:
  const Options& options_;
  const std::vector<double>& x_;
  const std::vector<double>& y_;
  std::size_t n_;
  std::vector<std::int64_t> rowStart_;
};

// k-NN agreement measures: the k-NN lists of P b are b's lists relabelled, row i of P b having the
// neighbours π⁻¹(N_b(π(i))) in the same order. Exact when b's lists have no distance ties where the
// measure would see them (the k-th and (k+1)-th neighbour for Jaccard, anywhere in the list for the
// rank measures): tie-breaking by index depends on the labelling. knnTiesMatter() checks that first.
class KnnNull : public NullPath {
 public:
  KnnNull(const KnnLists& a, const KnnLists& b, KnnAgreement what) : a_(a), b_(b), what_(what) {}
  const char* name() const override { return "knn-relabel"; }
  bool concurrent() const override { return true; }
  void evaluate(const std::int32_t* perms, std::size_t count, double* out, RunControl& control) override {
    const std::size_t n = a_.n, k = a_.k;
    KnnLists relabelled;
    relabelled.n = n;
    relabelled.k = k;
    relabelled.indices.resize(n * k);
    std::vector<std::int32_t> inverse(n);
    for (std::size_t p = 0; p < count; ++p) {
      control.throwIfCancelled();
      const std::int32_t* pi = perms + p * n;
      for (std::size_t i = 0; i < n; ++i) inverse[static_cast<std::size_t>(pi[i])] = static_cast<std::int32_t>(i);
      for (std::size_t i = 0; i < n; ++i) {
        const std::int32_t* source = b_.row(static_cast<std::size_t>(pi[i]));
        std::int32_t* target = relabelled.indices.data() + i * k;
        for (std::size_t t = 0; t < k; ++t) target[t] = inverse[static_cast<std::size_t>(source[t])];
      }
      out[p] = meanKnnAgreement(a_, relabelled, what_);
    }
  }

 private:
  const KnnLists& a_;
  const KnnLists& b_;
  KnnAgreement what_;
};

bool knnTiesMatter(const KnnLists& extended, std::size_t k, KnnAgreement what) {
  for (std::size_t i = 0; i < extended.n; ++i) {
    const double* d = extended.distances.data() + i * extended.k;
    const std::size_t first = what == KnnAgreement::Jaccard ? k - 1 : 0;
    for (std::size_t t = first; t + 1 < extended.k && t < k; ++t) {
      if (d[t] == d[t + 1]) return true;
    }
  }
  return false;
}

// Largest N whose N × N kernels the Gram-space CKA path may hold (two of them, 2 GB each at the limit).
constexpr std::size_t kMaxGramRows = 16384;

// Feature space costs 2·N·D·D′ flops per permutation at GEMM speed; Gram space N²/2 gathered
// multiply-adds per permutation, which run ~kGatherPenalty times slower per operation than a GEMM's flops
// but spread over the thread budget (measured on the development machine; the ratio decides only
// which exact path runs, never the result beyond rounding).
constexpr double kGatherPenalty = 12.0;

bool ckaGramCheaper(const Representation& a, const Representation& b) {
  if (a.rows() > kMaxGramRows) return false;
  const double n = static_cast<double>(a.rows());
  const double feature = 2.0 * n * static_cast<double>(a.cols()) * static_cast<double>(b.cols());
  const double gram = 0.5 * n * n * kGatherPenalty / std::max(1, blasThreads());
  return gram < feature;
}

std::unique_ptr<NullPath> fastNull(const MeasureCall& call, const Options& options, const Representation& a,
                                   const Representation& b, const RunControl& control) {
  if (call.id == "cka" && options.choice("estimator") != "minibatch") {  // minibatch CKA has no N × N kernel
    const bool linearBiased = options.choice("kernel") == "linear" && options.choice("estimator") == "biased";
    if (linearBiased && !ckaGramCheaper(a, b)) return std::make_unique<CkaFeatureSpaceNull>(a, b, options);
    if (a.rows() <= kMaxGramRows) return std::make_unique<CkaGramSpaceNull>(a, b, options);
    return nullptr;
  }
  if (call.id == "rsa") return std::make_unique<RsaNull>(a, b, options);
  if (const auto what = knnAgreementOf(call.id)) {
    const std::size_t k = static_cast<std::size_t>(options.integer("k"));
    const Metric metric = options.choice("metric") == "cosine" ? Metric::Cosine : Metric::Euclidean;
    if (knnTiesMatter(knn(b, k + 1 < a.rows() ? k + 1 : k, metric, &control), k, *what)) return nullptr;
    return std::make_unique<KnnNull>(knn(a, k, metric, &control), knn(b, k, metric, &control), *what);
  }
  return nullptr;
}

// One evaluation of a small generic measure takes less than this: units spread over the threads (the
// BLAS calls inside are then small enough that OpenBLAS runs them single-threaded).
constexpr double kConcurrentGenericSeconds = 0.002;

}  // namespace

// ---------------------------------------------------------------------------------------------------

const OptionSpecs& permutationOptionSpecs() {
  static const OptionSpecs specs = {
      integerOption("permutations", 1000).atLeast(1).atMost(static_cast<double>(kMaxDraws)), seedOption()};
  return specs;
}

const OptionSpecs& resamplingOptionSpecs() {
  static const OptionSpecs specs = {integerOption("resamples", 1000).atLeast(1).atMost(static_cast<double>(kMaxDraws)),
                                    seedOption()};
  return specs;
}

const OptionSpecs& crossValidationOptionSpecs() {
  static const OptionSpecs specs = {integerOption("folds", 5).atLeast(2).atMost(static_cast<double>(kMaxFolds)),
                                    seedOption()};
  return specs;
}

std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t index) {
  return mix(mix(seed + 0x9e3779b97f4a7c15ULL) ^ (index * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL));
}

void rowPermutation(std::uint64_t seed, std::uint64_t index, std::size_t n, std::int32_t* out) {
  Random random(streamSeed(seed, index));
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::int32_t>(i);
  for (std::size_t i = n; i > 1; --i) std::swap(out[i - 1], out[random.below(i)]);
}

void resampleRows(std::uint64_t seed, std::uint64_t index, std::size_t n, std::size_t m, bool withReplacement,
                  std::int32_t* out) {
  Random random(streamSeed(seed, index));
  if (withReplacement) {
    for (std::size_t i = 0; i < m; ++i) out[i] = static_cast<std::int32_t>(random.below(n));
    return;
  }
  const std::vector<std::size_t> rows = random.sample(n, m);
  for (std::size_t i = 0; i < m; ++i) out[i] = static_cast<std::int32_t>(rows[i]);
}

std::vector<std::int32_t> randomGroups(std::uint64_t seed, std::size_t n, std::size_t groups) {
  std::vector<std::int32_t> order(n);
  rowPermutation(seed, 0, n, order.data());
  std::vector<std::int32_t> group(n);
  // Position p of a random order goes to group p mod groups: sizes differ by at most one.
  for (std::size_t p = 0; p < n; ++p) group[static_cast<std::size_t>(order[p])] = static_cast<std::int32_t>(p % groups);
  return group;
}

std::vector<std::int32_t> jackknifeGroups(std::uint64_t seed, std::size_t n, std::size_t groups) {
  return randomGroups(streamSeed(seed, kJackknifeStream), n, groups);
}

std::vector<std::int32_t> crossValidationFolds(std::uint64_t seed, std::size_t n, std::size_t folds) {
  return randomGroups(seed, n, folds);
}

PermutationNull permutationNull(const MeasureCall& call, const Representation& a, const Representation& b,
                                const Options& options, RunControl& control, PermutationPath path) {
  const RunControl::Scope scope(&control);
  const Options resolved = options.resolved(permutationOptionSpecs(), "permutation test");
  const auto count = static_cast<std::size_t>(resolved.integer("permutations"));
  const auto seed = static_cast<std::uint64_t>(resolved.integer("seed"));
  const RepresentationPair pair(a, b);
  PermutationNull result;
  RunControl quiet = control.quiet();  // the measure's own progress is not the run's
  result.value = runMeasure(call.id, MeasureContext{pair, call.options, call.labels, quiet});
  const MeasureDef* def = findMeasure(call.id);
  const Options measureOptions = call.options.resolved(def->options, "measure '" + call.id + "'");
  std::unique_ptr<NullPath> nullPath = path == PermutationPath::Auto ? fastNull(call, measureOptions, a, b, control) : nullptr;
  GenericNull* generic = nullptr;
  if (!nullPath) {
    auto reference = std::make_unique<GenericNull>(call, a, b);
    generic = reference.get();
    nullPath = std::move(reference);
  }
  result.method = nullPath->name();
  result.null.assign(count, 0.0);
  const std::size_t n = a.rows();
  BlockBody body = [&](std::size_t begin, std::size_t end, RunControl& own) {
    std::vector<std::int32_t> perms((end - begin) * n);
    for (std::size_t p = begin; p < end; ++p) rowPermutation(seed, p, n, perms.data() + (p - begin) * n);
    nullPath->evaluate(perms.data(), end - begin, result.null.data() + begin, own);
  };
  if (generic) {
    // The first permutation alone tells whether evaluations are small enough to spread over threads.
    const auto start = std::chrono::steady_clock::now();
    body(0, 1, control);
    generic->setConcurrent(elapsedSeconds(start) < kConcurrentGenericSeconds);
    runBlocks(1, count, 1, generic->concurrent(), control, body);
  } else {
    runBlocks(0, count, nullPath->batch(), nullPath->concurrent(), control, body);
  }
  return result;
}

namespace {

// The measure on the rows `rows` of both inputs (labels with them), each copy at its input's scale.
double evaluateRows(const MeasureCall& call, const Representation& a, const Representation& b,
                    const std::int32_t* rows, std::size_t count, RunControl& control) {
  const std::unique_ptr<Representation> ea = Representation::rowsOf(a, rows, count);
  const std::unique_ptr<Representation> eb = Representation::rowsOf(b, rows, count);
  std::vector<std::int32_t> labels;
  LabelsView view;
  if (call.labels.present()) {
    labels.resize(count);
    for (std::size_t i = 0; i < count; ++i) labels[i] = call.labels.data[rows[i]];
    view = LabelsView{labels.data(), labels.size()};
  }
  const RepresentationPair pair(*ea, *eb);
  RunControl quiet = control.quiet();  // the measure's own progress is not the resampling's
  return runMeasure(call.id, MeasureContext{pair, call.options, view, quiet});
}

}  // namespace

ResamplingDistribution resamplingDistribution(const MeasureCall& call, const Representation& a,
                                              const Representation& b, const Options& options,
                                              const Resampling& scheme, RunControl& control) {
  const RunControl::Scope scope(&control);
  const Options resolved = options.resolved(resamplingOptionSpecs(), "resampling");
  const auto count = static_cast<std::size_t>(resolved.integer("resamples"));
  const auto seed = static_cast<std::uint64_t>(resolved.integer("seed"));
  const std::size_t n = a.rows();
  const std::size_t m = scheme.sampleSize;
  if (m < 1 || m > n || (!scheme.withReplacement && m == n)) {
    throw Error(ErrorCode::Option, "resampling: the sample size must be in [1, " + std::to_string(n) +
                                       (scheme.withReplacement ? "]" : ")") + " rows; got " + std::to_string(m));
  }
  if (scheme.jackknifeGroups > n || scheme.jackknifeGroups == 1) {
    throw Error(ErrorCode::Option, "resampling: jackknife groups must be 0 or in [2, " + std::to_string(n) + "]; got " +
                                       std::to_string(scheme.jackknifeGroups));
  }
  const RepresentationPair pair(a, b);
  ResamplingDistribution result;
  RunControl quiet = control.quiet();  // the measure's own progress is not the run's
  result.value = runMeasure(call.id, MeasureContext{pair, call.options, call.labels, quiet});
  const std::size_t groups = scheme.jackknifeGroups;
  result.values.assign(count, 0.0);
  result.jackknife.assign(groups, 0.0);
  const std::vector<std::int32_t> groupOf = groups > 0 ? jackknifeGroups(seed, n, groups) : std::vector<std::int32_t>();
  // Units 0 … count − 1 are resamples, then one unit per jackknife group. A failure says which unit
  // (a resample has fewer distinct rows, or m rows only, and may be too small or degenerate).
  const BlockBody body = [&](std::size_t begin, std::size_t end, RunControl& own) {
    std::vector<std::int32_t> rows(n);
    for (std::size_t u = begin; u < end; ++u) {
      std::size_t size = m;
      if (u < count) {
        resampleRows(seed, u, n, m, scheme.withReplacement, rows.data());
      } else {
        const auto g = static_cast<std::int32_t>(u - count);
        size = 0;
        for (std::size_t i = 0; i < n; ++i) {
          if (groupOf[i] != g) rows[size++] = static_cast<std::int32_t>(i);
        }
      }
      try {
        (u < count ? result.values[u] : result.jackknife[u - count]) = evaluateRows(call, a, b, rows.data(), size, own);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::Cancelled || e.code() == ErrorCode::Timeout) throw;
        const std::string unit = u < count ? (scheme.withReplacement ? "bootstrap resample " : "subsample ") + std::to_string(u)
                                           : "jackknife group " + std::to_string(u - count);
        throw Error(e.code(), "on " + unit + " (" + std::to_string(size) + " rows): " + e.what());
      }
    }
  };
  const auto start = std::chrono::steady_clock::now();
  body(0, 1, control);
  runBlocks(1, count + groups, 1, elapsedSeconds(start) < kConcurrentGenericSeconds, control, body);
  return result;
}

CrossValidation crossValidate(const MeasureCall& call, const Representation& a, const Representation& b,
                              const Options& options, RunControl& control) {
  const RunControl::Scope scope(&control);
  const Options resolved = options.resolved(crossValidationOptionSpecs(), "cross-validation");
  const auto folds = static_cast<std::size_t>(resolved.integer("folds"));
  const auto seed = static_cast<std::uint64_t>(resolved.integer("seed"));
  const RepresentationPair full(a, b);  // checks that N matches
  const std::size_t n = a.rows();
  const MeasureDef* def = findMeasure(call.id);
  if (def == nullptr) throw Error(ErrorCode::UnknownMeasure, "unknown measure '" + call.id + "'");
  const Options measureOptions = call.options.resolved(def->options, "measure '" + call.id + "'");
  const auto& withMaps = alignmentMapIds();
  if (std::find(withMaps.begin(), withMaps.end(), call.id) == withMaps.end()) {
    fitAlignmentMap(call.id, full, measureOptions);  // throws Error(Option), naming the measures with a map
  }
  if (folds > n) {
    throw Error(ErrorCode::Option, "Expected an integer in [2, " + std::to_string(n) +
                                       "] (at most one fold per row) for option 'folds' of cross-validation but received " +
                                       std::to_string(folds));
  }
  const std::vector<std::int32_t> foldOf = crossValidationFolds(seed, n, folds);
  CrossValidation result;
  RunControl quiet = control.quiet();  // the measure's own progress is not the folds'
  result.value = runMeasure(call.id, MeasureContext{full, call.options, call.labels, quiet});
  result.folds.assign(folds, 0.0);
  result.testRows.assign(folds, 0);
  control.step(0, folds);
  for (std::size_t f = 0; f < folds; ++f) {
    std::vector<std::int32_t> train, test;
    for (std::size_t i = 0; i < n; ++i) (foldOf[i] == static_cast<std::int32_t>(f) ? test : train).push_back(static_cast<std::int32_t>(i));
    // Training copies at their inputs' scales, held-out rows as the core holds them (2^-e × the
    // caller's); the score takes both exponents (scoreAlignedRows).
    const std::unique_ptr<Representation> ra = Representation::rowsOf(a, train.data(), train.size());
    const std::unique_ptr<Representation> rb = Representation::rowsOf(b, train.data(), train.size());
    const AlignmentMap map = fitAlignmentMap(call.id, RepresentationPair(*ra, *rb), measureOptions);
    const Matrix alignedA = applySideMap(map.a, gatherRows(a.source(), test.data(), test.size()));
    const Matrix alignedB = applySideMap(map.b, gatherRows(b.source(), test.data(), test.size()));
    result.folds[f] = scoreAlignedRows(map.score, alignedA, alignedB, a.scaleExponent(), b.scaleExponent());
    result.testRows[f] = test.size();
    control.step(f + 1, folds);
  }
  return result;
}

}  // namespace nnsim
