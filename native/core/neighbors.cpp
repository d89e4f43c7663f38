// Neighbourhood-based measures: agreement of the inputs' k-nearest-neighbour sets.
//
// Every measure here reads the k-NN lists of distances.hpp (memoised per representation, metric and k,
// so a compareMany over several neighbourhood measures builds each list once): the query point is
// excluded by index and ties are broken by the smaller index, so duplicated rows give deterministic
// lists. ReSi instead drops the first column of an unstable sort, which agrees with us whenever there are
// no exact distance ties.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "neighbors.hpp"

#include "distances.hpp"
#include "measure.hpp"
#include "parallel.hpp"

namespace nnsim {
namespace {

constexpr std::int64_t kMaxK = std::numeric_limits<std::int32_t>::max() - 1;

std::size_t readK(const MeasureContext& ctx) {
  const std::int64_t k = ctx.options.integer("k");
  if (static_cast<std::size_t>(k) + 1 > ctx.pair.rows()) {
    throw Error(ErrorCode::TooFewRows, "k-nearest neighbours with k = " + std::to_string(k) + " need at least " +
                                           std::to_string(k + 1) + " rows (inputs); got " +
                                           std::to_string(ctx.pair.rows()));
  }
  return static_cast<std::size_t>(k);
}

Metric readMetric(const MeasureContext& ctx) {
  return ctx.options.choice("metric") == "cosine" ? Metric::Cosine : Metric::Euclidean;
}

// Per-input agreement of the two neighbour lists of input i, ranks 1-based in each list.
struct RowAgreement {
  double jaccard = 0.0;  // |N ∩ N'| / |N ∪ N'|
  double rank = 0.0;     // Wang et al. 2020 rank similarity of the joint neighbours
};

// Walks both lists once per input. `position` holds the 1-based rank of each input in N_i, valid where
// stamp == i + 1 (so the arrays are never cleared between inputs).
class ListComparer {
 public:
  ListComparer(const KnnLists& a, const KnnLists& b) : a_(a), b_(b), stamp_(a.n, 0), position_(a.n, 0) {}

  RowAgreement row(std::size_t i) {
    const std::size_t k = a_.k;
    const std::uint32_t mark = static_cast<std::uint32_t>(i + 1);
    const std::int32_t* na = a_.row(i);
    const std::int32_t* nb = b_.row(i);
    for (std::size_t t = 0; t < k; ++t) {
      stamp_[static_cast<std::size_t>(na[t])] = mark;
      position_[static_cast<std::size_t>(na[t])] = static_cast<std::uint32_t>(t + 1);
    }
    std::size_t joint = 0;
    double rankSum = 0.0;
    for (std::size_t t = 0; t < k; ++t) {
      const std::size_t j = static_cast<std::size_t>(nb[t]);
      if (stamp_[j] != mark) continue;
      ++joint;
      // Wang et al. 2020, Eq. for rank similarity: 2 / ((1 + |r − r'|)(r + r')).
      const double r = position_[j];
      const double rp = static_cast<double>(t + 1);
      rankSum += 2.0 / ((1.0 + std::fabs(r - rp)) * (r + rp));
    }
    RowAgreement out;
    out.jaccard = static_cast<double>(joint) / static_cast<double>(2 * k - joint);
    if (joint > 0) {
      // Normalised by the harmonic number of the joint-set size, the largest value the sum can take for
      // |J| joint neighbours (ranks 1..|J| in both lists), so the score lies in [0, 1] (Wang et al. 2020; as ReSi normalises).
      double harmonic = 0.0;
      for (std::size_t t = 1; t <= joint; ++t) harmonic += 1.0 / static_cast<double>(t);
      out.rank = rankSum / harmonic;
    }
    return out;
  }

 private:
  const KnnLists& a_;
  const KnnLists& b_;
  std::vector<std::uint32_t> stamp_;
  std::vector<std::uint32_t> position_;
};

}  // namespace

double meanKnnAgreement(const KnnLists& a, const KnnLists& b, KnnAgreement what) {
  ListComparer comparer(a, b);
  double sum = 0.0;
  for (std::size_t i = 0; i < a.n; ++i) {
    if ((i & 0xff) == 0) checkpoint();
    const RowAgreement row = comparer.row(i);
    switch (what) {
      case KnnAgreement::Jaccard: sum += row.jaccard; break;
      case KnnAgreement::Rank: sum += row.rank; break;
      case KnnAgreement::JointRankJaccard: sum += row.jaccard * row.rank; break;
    }
  }
  return sum / static_cast<double>(a.n);
}

namespace {

double meanAgreement(const MeasureContext& ctx, KnnAgreement what) {
  const std::size_t k = readK(ctx);
  const Metric metric = readMetric(ctx);
  return meanKnnAgreement(knn(ctx.a(), k, metric, &ctx.control), knn(ctx.b(), k, metric, &ctx.control), what);
}

// Mean over inputs of |N_k(i) ∩ N'_k(i)| / |N_k(i) ∪ N'_k(i)| (Wang et al. 2020; Schumacher et al. 2021).
double knnJaccard(const MeasureContext& ctx) { return meanAgreement(ctx, KnnAgreement::Jaccard); }

// Rank similarity of Wang et al. 2020 ("Towards understanding the instability of network embedding").
double rankSimilarity(const MeasureContext& ctx) { return meanAgreement(ctx, KnnAgreement::Rank); }

// Joint rank and Jaccard similarity (Wang et al. 2020): mean over inputs of Jaccard_i · Rank_i.
double jointRankJaccard(const MeasureContext& ctx) { return meanAgreement(ctx, KnnAgreement::JointRankJaccard); }

// Second-order cosine similarity (Hamilton, Leskovec, Jurafsky 2016, "Cultural shift or linguistic
// drift?", Eq. 2–3): for each input i, the cosine similarities of i to the union U_i of its k nearest
// (cosine) neighbours in both representations form one vector per representation; the score is the mean
// over i of the cosine of the two vectors. `vectors: 'distances'` uses cosine distances 1 − s instead,
// as ReSi does. Only the O(N·k) similarities to the joint neighbours are computed (exactly,
// ExactDistance), never an N × N matrix.
double secondOrderCosine(const MeasureContext& ctx) {
  const std::size_t k = readK(ctx);
  const bool distances = ctx.options.choice("vectors") == "distances";
  const KnnLists& la = knn(ctx.a(), k, Metric::Cosine, &ctx.control);
  const KnnLists& lb = knn(ctx.b(), k, Metric::Cosine, &ctx.control);
  const ExactDistance ea(ctx.a(), Metric::Cosine);
  const ExactDistance eb(ctx.b(), Metric::Cosine);
  const auto entry = [distances](const ExactDistance& e, std::size_t i, std::size_t j) {
    return distances ? e(i, j) : e.similarity(i, j);
  };
  const std::size_t n = ctx.pair.rows();
  std::vector<double> perInput(n);
  parallelFor(n, 256, [&](std::size_t begin, std::size_t end) {
    std::vector<std::int32_t> first(k);
    std::vector<std::size_t> members;
    members.reserve(2 * k);
    for (std::size_t i = begin; i < end; ++i) {
      // U_i: the neighbours of i in the first list, then those of the second list not already there
      // (looked up in a sorted copy of the first: O(k log k) per input, no N-sized scratch).
      members.assign(la.row(i), la.row(i) + k);
      first.assign(la.row(i), la.row(i) + k);
      std::sort(first.begin(), first.end());
      for (std::size_t t = 0; t < k; ++t) {
        const std::int32_t j = lb.row(i)[t];
        if (!std::binary_search(first.begin(), first.end(), j)) members.push_back(static_cast<std::size_t>(j));
      }
      double dot = 0.0, normA = 0.0, normB = 0.0;
      for (std::size_t j : members) {
        const double x = entry(ea, i, j);
        const double y = entry(eb, i, j);
        dot += x * y;
        normA += x * x;
        normB += y * y;
      }
      if (!(normA > 0.0) || !(normB > 0.0)) {
        throw Error(ErrorCode::Degenerate,
                    "second-order cosine similarity is undefined for input " + std::to_string(i) + ": its " +
                        (distances ? "cosine distances" : "cosine similarities") +
                        " to the joint neighbours are all zero in the " + (normA > 0.0 ? "second" : "first") +
                        " representation (" +
                        (distances ? "all neighbours are positive multiples of it" : "an all-zero row") + ")");
      }
      perInput[i] = dot / std::sqrt(normA * normB);
    }
  });
  // Summed in input order, so the value does not depend on the thread count.
  double sum = 0.0;
  for (double v : perInput) sum += v;
  return sum / static_cast<double>(n);
}

// Working memory: the k-NN lists of both inputs (the N × k lists, the blocked search's selection state
// and tiles; never N × N) and the per-input scratch.
double listsMemory(const MemoryShape& s, const Options& options) {
  const std::size_t k = std::min(static_cast<std::size_t>(options.integer("k")), s.rows);
  return knnMemoryBytes(s.rows, s.colsA, k) + knnMemoryBytes(s.rows, s.colsB, k) + memory::matrix(s.rows, 6);
}

}  // namespace

std::optional<KnnAgreement> knnAgreementOf(const std::string& id) {
  if (id == "knn-jaccard") return KnnAgreement::Jaccard;
  if (id == "rank-similarity") return KnnAgreement::Rank;
  if (id == "joint-rank-jaccard") return KnnAgreement::JointRankJaccard;
  return std::nullopt;
}

const std::vector<MeasureDef>& neighborMeasures() {
  static const OptionSpec k = integerOption("k", 10).atLeast(1).atMost(kMaxK);  // needs N ≥ k + 1 (readK)
  static const OptionSpec metric = enumOption("metric", {"cosine", "euclidean"}, "cosine");
  static const std::vector<MeasureDef> list = {
      MeasureDef("knn-jaccard", knnJaccard).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
      MeasureDef("second-order-cosine", secondOrderCosine)
          .withMinRows(2)
          .option(k)
          .option(enumOption("vectors", {"similarities", "distances"}, "similarities"))
          .withMemory(listsMemory),
      MeasureDef("rank-similarity", rankSimilarity).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
      MeasureDef("joint-rank-jaccard", jointRankJaccard).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
  };
  return list;
}

}  // namespace nnsim
