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
#include <cstdio>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "neighbors.hpp"

#include "distances.hpp"
#include "linalg.hpp"
#include "measure.hpp"
#include "parallel.hpp"
#include "sorting.hpp"

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


// ---------------------------------------------------------------------------------------------------
// Mutual k-NN family of Huh, Cheung, Wang, Isola 2024 ("The Platonic Representation Hypothesis", ICML,
// arXiv:2405.07987), as their code defines it (platonic-rep metrics.py, AlignmentMetrics), with the
// preprocessing of their pipeline (measure_alignment.py):
//   1. optionally clip the entries at ±q_val (their remove_outliers; q = 1 leaves the data unchanged);
//   2. L2-normalise every row (compute_score with normalize=True; a zero row stays zero);
//   3. compare inputs by inner products of the resulting rows: the neighbours of i are the k inputs
//      j ≠ i with the largest ⟨x_i, x_j⟩, the kernel of CKNNA is K_ij = ⟨x_i, x_j⟩.
// The query is never its own neighbour: the authors set the diagonal to −1e8 (or −inf), we exclude it by
// index, which agrees whenever no inner product is below −1e8. Exact ties of the inner product go to the
// smaller index; the authors' argsort/topk leave their order unspecified. The neighbour lists are the
// representation's memoised k-NN lists (cosine of the clipped rows, or raw inner products).

enum class ClipThreshold { RowMean, Global };

// Linear-interpolation quantile of sorted values (torch.quantile's default 'linear').
double sortedQuantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const std::size_t below = static_cast<std::size_t>(position);
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

// The clipping threshold q_val of remove_outliers: 'row-mean' (exact=False) averages over the rows the
// q-quantile of each row's |x|; 'global' (exact=True) takes the ⌊q·N·D⌋-th smallest |x| (0-based).
double clipThreshold(const Representation& r, double q, ClipThreshold how) {
  const MatrixView x = r.raw();
  if (how == ClipThreshold::Global) {
    std::vector<double> all(x.size());
    for (std::size_t i = 0; i < x.rows; ++i) {
      checkpoint();
      for (std::size_t c = 0; c < x.cols; ++c) all[i * x.cols + c] = std::fabs(x(i, c));
    }
    const std::size_t index = static_cast<std::size_t>(q * static_cast<double>(all.size()));
    nthElementWithCheckpoints(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(index), all.end(), std::less<double>());
    return all[index];
  }
  std::vector<double> row(x.cols);
  double sum = 0.0;
  for (std::size_t i = 0; i < x.rows; ++i) {
    checkpoint();
    for (std::size_t c = 0; c < x.cols; ++c) row[c] = std::fabs(x(i, c));
    std::sort(row.begin(), row.end());
    sum += sortedQuantile(row, q);
  }
  return sum / static_cast<double>(x.rows);
}

// A clipped copy of a representation, owned by the original's memo (so its own memo, k-NN lists
// included, lives as long as the original's).
struct ClippedRepresentation {
  std::unique_ptr<Representation> representation;
};

// The rows the family compares: the raw representation, or its clipped copy when clipQuantile < 1.
const Representation& alignmentRows(const Representation& r, const Options& options) {
  const double q = options.number("clipQuantile");
  if (q >= 1.0) return r;
  const ClipThreshold how = options.choice("clipThreshold") == "global" ? ClipThreshold::Global : ClipThreshold::RowMean;
  char key[64];
  std::snprintf(key, sizeof key, "platonic:clipped:%s:%.17g", how == ClipThreshold::Global ? "global" : "row-mean", q);
  return *r.memo<ClippedRepresentation>(key, [&] {
           ClippedRepresentation out;
           const double limit = clipThreshold(r, q, how);
           Matrix clipped = Matrix::copyOf(r.raw());
           for (std::size_t i = 0; i < clipped.rows(); ++i) {
             checkpoint();
             for (double* v = clipped.row(i); v != clipped.row(i) + clipped.cols(); ++v) *v = std::clamp(*v, -limit, limit);
           }
           out.representation = std::make_unique<Representation>(std::move(clipped));
           return out;
         }).representation;
}

// 1/‖x_i‖ of every row (0 for a zero row, which F.normalize leaves at zero).
const std::vector<double>& inverseRowNorms(const Representation& r) {
  return r.memo<std::vector<double>>("platonic:inverse-row-norms", [&] {
    const MatrixView x = r.raw();
    std::vector<double> out(x.rows);
    for (std::size_t i = 0; i < x.rows; ++i) {
      checkpoint();
      const double norm = std::sqrt(dot(x.row(i), x.row(i), x.cols));
      out[i] = norm > 0.0 ? 1.0 / norm : 0.0;
    }
    return out;
  });
}

// One representation as the family sees it: its (clipped) rows, whether they are normalised, and the
// kernel K_ij = ⟨x_i, x_j⟩ of the (normalised) rows, evaluated pair by pair.
class AlignmentView {
 public:
  AlignmentView(const Representation& r, const Options& options)
      : rows_(alignmentRows(r, options)), normalize_(options.flag("normalize")) {
    if (normalize_) inverseNorms_ = &inverseRowNorms(rows_);
  }

  const KnnLists& neighbours(std::size_t k, const RunControl& control) const {
    return knn(rows_, k, normalize_ ? Metric::Cosine : Metric::InnerProduct, &control);
  }

  double kernel(std::size_t i, std::size_t j) const {
    const MatrixView x = rows_.raw();
    const double product = dot(x.row(i), x.row(j), x.cols);
    return normalize_ ? product * (*inverseNorms_)[i] * (*inverseNorms_)[j] : product;
  }

 private:
  const Representation& rows_;
  bool normalize_;
  const std::vector<double>* inverseNorms_ = nullptr;
};

// k from the options, checked against N (1 ≤ k ≤ N − 1; `least` is the smallest k the measure takes).
std::size_t alignmentK(const MeasureContext& ctx, std::int64_t least) {
  const std::int64_t k = ctx.options.integer("k");
  const std::size_t n = ctx.pair.rows();
  if (static_cast<std::size_t>(k) + 1 > n) {
    throw Error(ErrorCode::TooFewRows, "k = " + std::to_string(k) + " nearest neighbours need N ≥ " +
                                           std::to_string(k + 1) + " inputs; with N = " + std::to_string(n) +
                                           " choose k in [" + std::to_string(least) + ", " + std::to_string(n - 1) + "]");
  }
  return static_cast<std::size_t>(k);
}

// Lists of both representations (A's and B's neighbours of each input), from the memo.
struct ListPair {
  const KnnLists& a;
  const KnnLists& b;
};

ListPair alignmentLists(const MeasureContext& ctx, std::int64_t least = 1) {
  const std::size_t k = alignmentK(ctx, least);
  return {AlignmentView(ctx.a(), ctx.options).neighbours(k, ctx.control),
          AlignmentView(ctx.b(), ctx.options).neighbours(k, ctx.control)};
}

// Mean over inputs of a per-input score, computed in parallel blocks (the sum in input order, so the
// value does not depend on the thread count) with a cancellation point between blocks.
template <class Score>
double meanOverInputs(const MeasureContext& ctx, Score&& score) {
  const std::size_t n = ctx.pair.rows();
  std::vector<double> values(n);
  constexpr std::size_t kBlock = 4096;
  for (std::size_t start = 0; start < n; start += kBlock) {
    ctx.control.step(start, n);
    const std::size_t end = std::min(n, start + kBlock);
    parallelFor(end - start, 64, [&](std::size_t begin, std::size_t stop) {
      for (std::size_t i = start + begin; i < start + stop; ++i) {
        checkpoint();  // (k may be as large as N − 1: one input's score can take O(N log N) or O(N²))
        values[i] = score(i);
      }
    });
  }
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(n);
}

// |N_A(i) ∩ N_B(i)| of two neighbour rows (distinct indices), by sorting copies.
std::size_t sharedCount(const std::int32_t* a, const std::int32_t* b, std::size_t k, std::vector<std::int32_t>& sa,
                        std::vector<std::int32_t>& sb) {
  sa.assign(a, a + k);
  sb.assign(b, b + k);
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  std::size_t shared = 0;
  for (std::size_t p = 0, q = 0; p < k && q < k;) {
    if (sa[p] < sb[q]) ++p;
    else if (sb[q] < sa[p]) ++q;
    else ++shared, ++p, ++q;
  }
  return shared;
}

// Mutual k-NN (their mutual_knn): mean over inputs of |N_A(i) ∩ N_B(i)| / k.
double mutualKnn(const MeasureContext& ctx) {
  const ListPair lists = alignmentLists(ctx);
  const std::size_t k = lists.a.k;
  return meanOverInputs(ctx, [&](std::size_t i) {
    thread_local std::vector<std::int32_t> sa, sb;
    return static_cast<double>(sharedCount(lists.a.row(i), lists.b.row(i), k, sa, sb)) / static_cast<double>(k);
  });
}

// Cycle k-NN (their cycle_knn(A, B)): the share of inputs i that are among the A-neighbours of one of
// their own B-neighbours, i ∈ ∪_{j ∈ N_B(i)} N_A(j) ("B's neighbours, then back through A").
double cycleKnn(const MeasureContext& ctx) {
  const ListPair lists = alignmentLists(ctx);
  const std::size_t k = lists.a.k;
  std::vector<std::int32_t> sortedA(lists.a.indices);  // each row sorted, for binary search
  for (std::size_t j = 0; j < lists.a.n; ++j) {
    checkpoint();
    std::sort(sortedA.begin() + static_cast<std::ptrdiff_t>(j * k), sortedA.begin() + static_cast<std::ptrdiff_t>((j + 1) * k));
  }
  return meanOverInputs(ctx, [&](std::size_t i) {
    const std::int32_t* viaB = lists.b.row(i);
    for (std::size_t t = 0; t < k; ++t) {
      const std::int32_t* back = sortedA.data() + static_cast<std::size_t>(viaB[t]) * k;
      if (std::binary_search(back, back + k, static_cast<std::int32_t>(i))) return 1.0;
    }
    return 0.0;
  });
}

// Length of the longest common subsequence of two sequences of distinct indices, in O(k log k): the
// positions in `a` of the elements of `b` that occur in `a`, in b's order, and their longest strictly
// increasing run (Hunt–Szymanski for sequences without repeats).
std::size_t distinctLcs(const std::int32_t* a, const std::int32_t* b, std::size_t k, std::vector<std::pair<std::int32_t, std::int32_t>>& byValue,
                        std::vector<std::int32_t>& tails) {
  byValue.resize(k);
  for (std::size_t t = 0; t < k; ++t) byValue[t] = {a[t], static_cast<std::int32_t>(t)};
  std::sort(byValue.begin(), byValue.end());
  tails.clear();
  for (std::size_t t = 0; t < k; ++t) {
    const auto found = std::lower_bound(byValue.begin(), byValue.end(), std::make_pair(b[t], std::int32_t{-1}));
    if (found == byValue.end() || found->first != b[t]) continue;
    const auto slot = std::lower_bound(tails.begin(), tails.end(), found->second);
    if (slot == tails.end()) tails.push_back(found->second);
    else *slot = found->second;
  }
  return tails.size();
}

// LCS k-NN (their lcs_knn): mean over inputs of the longest common subsequence of the two ordered
// neighbour lists (nearest first), divided by k. The authors return the undivided mean length (k times
// this value).
double lcsKnn(const MeasureContext& ctx) {
  const ListPair lists = alignmentLists(ctx);
  const std::size_t k = lists.a.k;
  return meanOverInputs(ctx, [&](std::size_t i) {
    thread_local std::vector<std::pair<std::int32_t, std::int32_t>> byValue;
    thread_local std::vector<std::int32_t> tails;
    return static_cast<double>(distinctLcs(lists.a.row(i), lists.b.row(i), k, byValue, tails)) / static_cast<double>(k);
  });
}

// Levenshtein distance between two sequences (insertions, deletions, substitutions of cost 1;
// torchaudio.functional.edit_distance), two rows of the O(k²) table.
std::size_t editDistance(const std::int32_t* a, const std::int32_t* b, std::size_t k, std::vector<std::size_t>& previous,
                         std::vector<std::size_t>& current) {
  previous.resize(k + 1);
  current.resize(k + 1);
  for (std::size_t j = 0; j <= k; ++j) previous[j] = j;
  for (std::size_t i = 1; i <= k; ++i) {
    if (i % 256 == 0) checkpoint();
    current[0] = i;
    for (std::size_t j = 1; j <= k; ++j) {
      current[j] = a[i - 1] == b[j - 1] ? previous[j - 1]
                                         : 1 + std::min({previous[j - 1], current[j - 1], previous[j]});
    }
    std::swap(previous, current);
  }
  return previous[k];
}

// Edit-distance k-NN (their edit_distance_knn): 1 − mean over inputs of the Levenshtein distance
// between the two ordered neighbour lists, divided by k.
double editDistanceKnn(const MeasureContext& ctx) {
  const ListPair lists = alignmentLists(ctx);
  const std::size_t k = lists.a.k;
  return 1.0 - meanOverInputs(ctx, [&](std::size_t i) {
           thread_local std::vector<std::size_t> previous, current;
           return static_cast<double>(editDistance(lists.a.row(i), lists.b.row(i), k, previous, current)) /
                  static_cast<double>(k);
         });
}

// The k-NN-masked kernels of CKNNA for one input i: S_i, the neighbours i keeps (sorted), and the
// kernel values K_ij, L_ij on them.
struct MaskedRows {
  std::vector<std::size_t> offsets;  // row i occupies [offsets[i], offsets[i + 1])
  std::vector<std::int32_t> columns;
  std::vector<double> k;
  std::vector<double> l;

  bool contains(std::size_t i, std::int32_t j) const {
    const auto begin = columns.begin() + static_cast<std::ptrdiff_t>(offsets[i]);
    const auto end = columns.begin() + static_cast<std::ptrdiff_t>(offsets[i + 1]);
    return std::binary_search(begin, end, j);
  }
};

// M_ij = [j ∈ N_K(i) ∧ j ∈ N_L(i)] (the intersection of two lists, or one list when they are the same).
MaskedRows maskedRows(const KnnLists& first, const KnnLists& second, const AlignmentView& kernelK,
                      const AlignmentView& kernelL) {
  const std::size_t n = first.n;
  const std::size_t k = first.k;
  std::vector<std::vector<std::int32_t>> kept(n);
  parallelFor(n, 256, [&](std::size_t begin, std::size_t end) {
    std::vector<std::int32_t> sb;
    for (std::size_t i = begin; i < end; ++i) {
      checkpoint();
      std::vector<std::int32_t>& row = kept[i];
      row.assign(first.row(i), first.row(i) + k);
      std::sort(row.begin(), row.end());
      if (&first == &second) continue;
      sb.assign(second.row(i), second.row(i) + k);
      std::sort(sb.begin(), sb.end());
      std::vector<std::int32_t> both;
      std::set_intersection(row.begin(), row.end(), sb.begin(), sb.end(), std::back_inserter(both));
      row.swap(both);
    }
  });
  MaskedRows out;
  out.offsets.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) out.offsets[i + 1] = out.offsets[i] + kept[i].size();
  out.columns.resize(out.offsets[n]);
  out.k.resize(out.offsets[n]);
  out.l.resize(out.offsets[n]);
  parallelFor(n, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      checkpoint();
      std::size_t p = out.offsets[i];
      for (std::int32_t j : kept[i]) {
        out.columns[p] = j;
        out.k[p] = kernelK.kernel(i, static_cast<std::size_t>(j));
        out.l[p] = kernelL.kernel(i, static_cast<std::size_t>(j));
        ++p;
      }
    }
  });
  return out;
}

// The authors' hsic_unbiased(M∘K, M∘L) (Song et al. 2012, Eq. 5, on the masked kernels as they pass
// them, including its K̃ ∘ L̃ᵀ term: M is not symmetric), in O(N·k) from the sparse rows:
//   N(N−3)·HSIC = Σ_ij A_ij B_ji + (1ᵀA1)(1ᵀB1)/((N−1)(N−2)) − 2·1ᵀAB1/(N−2),  A = M∘K, B = M∘L.
double maskedUnbiasedHsic(const MaskedRows& m) {
  const std::size_t n = m.offsets.size() - 1;
  const double nd = static_cast<double>(n);
  double transposed = 0.0, sumA = 0.0, sumB = 0.0;
  std::vector<double> columnSumsA(n, 0.0), rowSumsB(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
    for (std::size_t p = m.offsets[i]; p < m.offsets[i + 1]; ++p) {
      const std::size_t j = static_cast<std::size_t>(m.columns[p]);
      sumA += m.k[p];
      sumB += m.l[p];
      columnSumsA[j] += m.k[p];
      rowSumsB[i] += m.l[p];
      // B_ji = M_ji L_ji, and L is symmetric: L_ji = L_ij.
      if (m.contains(j, static_cast<std::int32_t>(i))) transposed += m.k[p] * m.l[p];
    }
  }
  double product = 0.0;  // 1ᵀAB1 = Σ_l (Σ_i A_il)(Σ_j B_lj)
  for (std::size_t l = 0; l < n; ++l) product += columnSumsA[l] * rowSumsB[l];
  return (transposed + sumA * sumB / ((nd - 1.0) * (nd - 2.0)) - 2.0 * product / (nd - 2.0)) / (nd * (nd - 3.0));
}

// CKNNA (their cknna with unbiased=True): CKA with the unbiased HSIC of kernels masked to the pairs that
// are k-nearest neighbours in both representations,
//   HSIC(M_KL∘K, M_KL∘L) / sqrt(HSIC(M_K∘K, M_K∘K)·HSIC(M_L∘L, M_L∘L)),
// M_K(i, j) = [j ∈ N_K(i)], M_KL = M_K ∘ M_L. `epsilon` is added to the denominator (the authors add 1e-6;
// 0 gives the exact ratio).
double cknna(const MeasureContext& ctx) {
  const std::size_t k = alignmentK(ctx, 2);
  const AlignmentView a(ctx.a(), ctx.options), b(ctx.b(), ctx.options);
  const KnnLists& la = a.neighbours(k, ctx.control);
  const KnnLists& lb = b.neighbours(k, ctx.control);
  ctx.control.throwIfCancelled();
  const double cross = maskedUnbiasedHsic(maskedRows(la, lb, a, b));
  const double selfA = maskedUnbiasedHsic(maskedRows(la, la, a, a));
  const double selfB = maskedUnbiasedHsic(maskedRows(lb, lb, b, b));
  if (!(selfA > 0.0) || !(selfB > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("CKNNA is undefined: the k-NN-masked kernel of the ") +
                                           (selfA > 0.0 ? "second" : "first") +
                                           " representation has a non-positive unbiased HSIC with itself (" +
                                           std::to_string(selfA > 0.0 ? selfB : selfA) + ")");
  }
  return cross / (std::sqrt(selfA * selfB) + ctx.options.number("epsilon"));
}

// Working memory: the k-NN lists of both inputs (the N × k lists, the blocked search's selection state
// and tiles; never N × N) and the per-input scratch.
double listsMemory(const MemoryShape& s, const Options& options) {
  const std::size_t k = std::min(static_cast<std::size_t>(options.integer("k")), s.rows);
  // k-NN reads rows of float32 inputs through float64 copies.
  return knnMemoryBytes(s.rows, s.colsA, k) + knnMemoryBytes(s.rows, s.colsB, k) + memory::matrix(s.rows, 6) + s.float64CopyBytes;
}

// The mutual k-NN family: the lists of both inputs; with clipping, each input's clipped copy (N × D,
// with its own lists) and the threshold's scratch (the global quantile selects on a copy of all |x|);
// per input the inverse norms, the scores and (cycle-knn) the sorted lists.
double alignmentMemory(const MemoryShape& s, const Options& options) {
  const std::size_t k = std::min(static_cast<std::size_t>(options.integer("k")), s.rows);
  double bytes = listsMemory(s, options) + memory::matrix(s.rows, 2) + 4.0 * static_cast<double>(s.rows * k);
  if (options.number("clipQuantile") < 1.0) {
    const double widest = static_cast<double>(std::max(s.colsA, s.colsB));
    bytes += memory::matrix(s.rows, static_cast<double>(s.colsA + s.colsB)) +
             (options.choice("clipThreshold") == "global" ? memory::matrix(s.rows, widest) : memory::matrix(widest, 1));
  }
  return bytes;
}

// CKNNA adds one masked kernel at a time in sparse rows: per kept pair an index and two kernel values,
// per input the offsets, the kept list (a vector of up to k indices) and two sums.
double cknnaMemory(const MemoryShape& s, const Options& options) {
  const double n = static_cast<double>(s.rows);
  const double k = static_cast<double>(std::min(static_cast<std::size_t>(options.integer("k")), s.rows));
  return alignmentMemory(s, options) + n * k * (4.0 + 8.0 + 8.0 + 4.0) + n * (8.0 * 3.0 + 32.0 + 16.0);
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
  // The mutual k-NN family (Huh et al. 2024) shares k, the normalisation and the authors' outlier clipping.
  static const OptionSpec normalize = booleanOption("normalize", true);
  static const OptionSpec clipQuantile = numberOption("clipQuantile", 1.0).above(0.0).atMost(1.0);
  static const OptionSpec clipThreshold = enumOption("clipThreshold", {"row-mean", "global"}, "row-mean");
  const auto mutualFamily = [&](const char* id, MeasureKernel kernel) {
    return MeasureDef(id, kernel)
        .withMinRows(2)
        .option(k)
        .option(normalize)
        .option(clipQuantile)
        .option(clipThreshold)
        .withMemory(alignmentMemory);
  };
  static const std::vector<MeasureDef> list = {
      MeasureDef("knn-jaccard", knnJaccard).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
      MeasureDef("second-order-cosine", secondOrderCosine)
          .withMinRows(2)
          .option(k)
          .option(enumOption("vectors", {"similarities", "distances"}, "similarities"))
          .withMemory(listsMemory),
      MeasureDef("rank-similarity", rankSimilarity).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
      MeasureDef("joint-rank-jaccard", jointRankJaccard).withMinRows(2).option(k).option(metric).withMemory(listsMemory),
      mutualFamily("mutual-knn", mutualKnn),
      // CKNNA needs k ≥ 2 (the authors refuse k < 2) and N ≥ 4 (the unbiased HSIC divides by N − 3).
      MeasureDef("cknna", cknna)
          .withMinRows(4)
          .option(integerOption("k", 10).atLeast(2).atMost(kMaxK))
          .option(normalize)
          .option(clipQuantile)
          .option(clipThreshold)
          .option(numberOption("epsilon", 0.0).atLeast(0.0).atMost(1.0))
          .withMemory(cknnaMemory),
      mutualFamily("cycle-knn", cycleKnn),
      mutualFamily("lcs-knn", lcsKnn),
      mutualFamily("edit-distance-knn", editDistanceKnn),
  };
  return list;
}

}  // namespace nnsim
