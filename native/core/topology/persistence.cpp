#include "persistence.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>

#include "../distances.hpp"
#include "../errors.hpp"
#include "../sorting.hpp"

namespace nnsim::topology {
namespace {

using Index = std::int64_t;

// Binomial coefficients C(n, k) for k <= 3: the combinatorial number system numbers a k-simplex
// {v_k > ... > v_0} as Σ C(v_i, i + 1) (Bauer 2021, §5.1), so cofaces can be enumerated and compared
// without ever storing the simplices.
class Binomials {
 public:
  explicit Binomials(std::size_t n) : table_(4 * (n + 1), 0) {
    for (std::size_t v = 0; v <= n; ++v) {
      const Index x = static_cast<Index>(v);
      at(v, 0) = 1;
      at(v, 1) = x;
      at(v, 2) = x * (x - 1) / 2;
      at(v, 3) = x * (x - 1) * (x - 2) / 6;
    }
  }
  Index operator()(std::size_t v, int k) const { return table_[v * 4 + static_cast<std::size_t>(k)]; }

 private:
  Index& at(std::size_t v, int k) { return table_[v * 4 + static_cast<std::size_t>(k)]; }
  std::vector<Index> table_;
};

// An edge {i > j} with its diameter d(i, j).
struct Edge {
  double diameter;
  Index index;  // C(i, 2) + j
  std::int32_t i;
  std::int32_t j;
};

// A coboundary entry: a triangle with its diameter. Over Z/2 every coefficient is 1.
struct Entry {
  double diameter;
  Index index;
};

// Filtration order: smaller diameter first, then larger combinatorial index first (Ripser's convention).
// The pivot of a coboundary column is its earliest simplex in this order.
struct LaterInFiltration {
  bool operator()(const Entry& a, const Entry& b) const {
    return a.diameter > b.diameter || (a.diameter == b.diameter && a.index < b.index);
  }
};

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n), rank_(n, 0) { std::iota(parent_.begin(), parent_.end(), 0); }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void link(std::size_t a, std::size_t b) {
    if (rank_[a] < rank_[b]) std::swap(a, b);
    parent_[b] = a;
    if (rank_[a] == rank_[b]) ++rank_[a];
  }

 private:
  std::vector<std::size_t> parent_;
  std::vector<std::uint8_t> rank_;
};

class RipsComputation {
 public:
  // `symmetric` holds the full matrix (a coboundary walks two contiguous rows).
  // Cancellation points are checkpoint()s: the entry points make their control current.
  RipsComputation(Matrix symmetric, const PersistenceOptions& options)
      : n_(symmetric.rows()), d_(std::move(symmetric)), binomial_(n_) {
    for (std::size_t i = 0; i < n_; ++i) d_(i, i) = 0.0;
    threshold_ = options.threshold;
    // Beyond the enclosing radius r = min_i max_j d(i, j) the Rips complex is a cone over the centre
    // (every simplex plus the centre is still a simplex), so no class of dimension >= 1 is born or
    // survives past r, and the minimum spanning tree only uses edges <= r. Cutting the filtration at r
    // leaves the barcode unchanged and saves most of the work (Bauer 2021, §5.4).
    double enclosing = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < n_; ++i) {
      poll(i);
      double radius = 0.0;
      for (std::size_t j = 0; j < n_; ++j) radius = std::max(radius, d_(i, j));
      enclosing = std::min(enclosing, radius);
    }
    if (n_ > 0) threshold_ = std::min(threshold_, enclosing);
    maxDim_ = options.maxDim;
  }

  Barcodes run() {
    Barcodes out;
    out.bars.resize(static_cast<std::size_t>(maxDim_) + 1);
    std::vector<Edge> positiveEdges = computeDim0(out.bars[0]);
    if (maxDim_ >= 1) computeDim1(positiveEdges, out.bars[1]);
    return out;
  }

 private:
  // A cancellation point every 64 columns (or column additions): each costs up to O(N).
  static void poll(std::size_t counter) {
    if ((counter & 0x3f) == 0) checkpoint();
  }

  Index triangleIndex(std::int32_t i, std::int32_t j, std::int32_t k) const {
    // i > j are the edge's vertices, k is the added one.
    const auto u = static_cast<std::size_t>(i), v = static_cast<std::size_t>(j), w = static_cast<std::size_t>(k);
    if (w > u) return binomial_(w, 3) + binomial_(u, 2) + binomial_(v, 1);
    if (w > v) return binomial_(u, 3) + binomial_(w, 2) + binomial_(v, 1);
    return binomial_(u, 3) + binomial_(v, 2) + binomial_(w, 1);
  }

  // Dimension 0 by Kruskal's algorithm: each edge that joins two components kills a class born at 0;
  // the others ("positive" edges) create 1-cycles and are the only columns reduced in dimension 1
  // (clearing: the killing edges would reduce to zero there).
  std::vector<Edge> computeDim0(std::vector<Bar>& bars) {
    std::vector<Edge> edges;
    for (std::size_t i = 1; i < n_; ++i) {
      poll(i);
      for (std::size_t j = 0; j < i; ++j) {
        const double diameter = d_(i, j);
        if (diameter <= threshold_) {
          edges.push_back({diameter, binomial_(i, 2) + static_cast<Index>(j), static_cast<std::int32_t>(i),
                           static_cast<std::int32_t>(j)});
        }
      }
    }
    sortWithCheckpoints(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
      return a.diameter < b.diameter || (a.diameter == b.diameter && a.index > b.index);
    });
    UnionFind components(n_);
    std::vector<Edge> positive;
    std::size_t alive = n_;
    CheckpointCounter counter(std::size_t{1} << 16);
    for (const Edge& e : edges) {
      counter.tick();
      const std::size_t a = components.find(static_cast<std::size_t>(e.i));
      const std::size_t b = components.find(static_cast<std::size_t>(e.j));
      if (a != b) {
        components.link(a, b);
        --alive;
        if (e.diameter > 0.0) bars.push_back({0.0, e.diameter});
      } else if (maxDim_ >= 1) {
        positive.push_back(e);
      }
    }
    for (std::size_t c = 0; c < alive; ++c) bars.push_back({0.0, std::numeric_limits<double>::infinity()});
    // Dimension-1 columns in reverse filtration order: larger diameter first, then smaller index.
    std::reverse(positive.begin(), positive.end());
    return positive;
  }

  // Pushes δe (the triangles {i, j, k} within the threshold) onto the working coboundary.
  template <class Heap>
  void pushCoboundary(const Edge& e, Heap& heap) const {
    const double* rowI = d_.row(static_cast<std::size_t>(e.i));
    const double* rowJ = d_.row(static_cast<std::size_t>(e.j));
    for (std::int32_t k = static_cast<std::int32_t>(n_) - 1; k >= 0; --k) {
      if (k == e.i || k == e.j) continue;
      const double diameter = std::max(e.diameter, std::max(rowI[k], rowJ[k]));
      if (diameter <= threshold_) heap.push({diameter, triangleIndex(e.i, e.j, k)});
    }
  }

  // The emergent-pair shortcut (Bauer 2021, §3.3/§5.3): cofaces are enumerated in decreasing index
  // order, so the first coface with the edge's own diameter is the pivot of the unreduced column. If no
  // earlier column has that pivot, the column is reduced as it is: return the pivot without building δe.
  bool emergentPivot(const Edge& e, const std::unordered_map<Index, std::size_t>& pivots, Entry& pivot) const {
    const double* rowI = d_.row(static_cast<std::size_t>(e.i));
    const double* rowJ = d_.row(static_cast<std::size_t>(e.j));
    for (std::int32_t k = static_cast<std::int32_t>(n_) - 1; k >= 0; --k) {
      if (k == e.i || k == e.j) continue;
      const double diameter = std::max(rowI[k], rowJ[k]);
      if (diameter <= e.diameter) {
        const Index index = triangleIndex(e.i, e.j, k);
        if (pivots.count(index) != 0) return false;
        pivot = {e.diameter, index};
        return true;
      }
    }
    return false;
  }

  // Pops the earliest entry with a non-zero coefficient: over Z/2, equal entries cancel in pairs.
  template <class Heap>
  static bool popPivot(Heap& heap, Entry& pivot) {
    while (!heap.empty()) {
      pivot = heap.top();
      heap.pop();
      if (heap.empty() || heap.top().index != pivot.index) return true;
      heap.pop();
    }
    return false;
  }

  template <class Heap>
  static bool peekPivot(Heap& heap, Entry& pivot) {
    if (!popPivot(heap, pivot)) return false;
    heap.push(pivot);
    return true;
  }

  // Dimension 1 by reducing the coboundary matrix column by column (Bauer 2021, Algorithm 1, with the
  // implicit columns above). Column e is reduced when its pivot is not the pivot of an earlier column;
  // then (e, pivot) is a persistence pair [d(e), d(pivot)). A column that reduces to zero is an
  // essential class [d(e), ∞).
  void computeDim1(const std::vector<Edge>& columns, std::vector<Bar>& bars) {
    std::unordered_map<Index, std::size_t> pivots;  // triangle index -> column that has it as pivot
    pivots.reserve(columns.size());
    // Reduction matrix V, stored column by column as the other columns added to it (V = I + these).
    std::vector<std::size_t> reductionStart{0};
    std::vector<std::size_t> reductionEntries;
    using Heap = std::priority_queue<Entry, std::vector<Entry>, LaterInFiltration>;
    std::vector<Entry> storage;
    std::vector<std::size_t> added;  // columns added into the current one (with repetitions)

    for (std::size_t c = 0; c < columns.size(); ++c) {
      poll(c);
      const Edge& e = columns[c];
      Entry pivot{};
      if (emergentPivot(e, pivots, pivot)) {
        pivots.emplace(pivot.index, c);
        reductionStart.push_back(reductionEntries.size());
        if (pivot.diameter > e.diameter) bars.push_back({e.diameter, pivot.diameter});
        continue;
      }
      storage.clear();
      Heap heap(LaterInFiltration{}, std::move(storage));
      added.clear();
      pushCoboundary(e, heap);
      bool hasPivot = peekPivot(heap, pivot);
      std::size_t additions = 0;
      while (hasPivot) {
        const auto found = pivots.find(pivot.index);
        if (found == pivots.end()) break;
        poll(++additions);
        // Add column `other` of the reduced matrix, R_other = δ(V_other), to cancel the pivot.
        const std::size_t other = found->second;
        added.push_back(other);
        pushCoboundary(columns[other], heap);
        for (std::size_t p = reductionStart[other]; p < reductionStart[other + 1]; ++p) {
          added.push_back(reductionEntries[p]);
          pushCoboundary(columns[reductionEntries[p]], heap);
        }
        hasPivot = peekPivot(heap, pivot);
      }
      // V_c = e + (the added columns, with pairs cancelling over Z/2).
      std::sort(added.begin(), added.end());
      for (std::size_t p = 0; p < added.size();) {
        std::size_t q = p;
        while (q < added.size() && added[q] == added[p]) ++q;
        if ((q - p) % 2 == 1) reductionEntries.push_back(added[p]);
        p = q;
      }
      reductionStart.push_back(reductionEntries.size());
      if (hasPivot) {
        pivots.emplace(pivot.index, c);
        if (pivot.diameter > e.diameter) bars.push_back({e.diameter, pivot.diameter});
      } else {
        bars.push_back({e.diameter, std::numeric_limits<double>::infinity()});
      }
    }
  }

  std::size_t n_;
  Matrix d_;
  Binomials binomial_;
  double threshold_ = std::numeric_limits<double>::infinity();
  int maxDim_ = 1;
};

}  // namespace

namespace {

void checkArguments(std::size_t rows, std::size_t cols, const PersistenceOptions& options) {
  if (rows != cols) {
    throw Error(ErrorCode::Shape, "a distance matrix must be square (got " + std::to_string(rows) + " x " +
                                      std::to_string(cols) + ")");
  }
  if (options.maxDim < 0 || options.maxDim > 1) throw Error(ErrorCode::Option, "maxDim must be 0 or 1");
  if (std::isnan(options.threshold) || options.threshold < 0.0) {
    throw Error(ErrorCode::Option, "threshold must be a non-negative number (or Infinity)");
  }
  if (rows > 2000000) throw Error(ErrorCode::Shape, "too many points for the combinatorial number system");
}

}  // namespace

const OptionSpecs& persistenceOptionSpecs() {
  static const OptionSpecs specs = {
      integerOption("maxDim", 1).atLeast(0).atMost(1),
      numberOption("threshold").atLeast(0.0),
      enumOption("input", {"distances", "points"}, "distances"),
  };
  return specs;
}

PersistenceOptions persistenceOptions(const Options& resolved) {
  PersistenceOptions options;
  options.maxDim = static_cast<int>(resolved.integer("maxDim"));
  if (resolved.has("threshold")) options.threshold = resolved.number("threshold");
  return options;
}

Barcodes ripsPersistence(MatrixView distances, const PersistenceOptions& options, const RunControl* control) {
  checkArguments(distances.rows, distances.cols, options);
  const RunControl::Scope scope(control != nullptr ? control : RunControl::current());
  // A full symmetric copy of the lower triangle.
  const std::size_t n = distances.rows;
  Matrix full = Matrix::uninitialized(n, n);
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
    full(i, i) = 0.0;
    for (std::size_t j = 0; j < i; ++j) full(i, j) = full(j, i) = distances(i, j);
  }
  RipsComputation computation(std::move(full), options);
  return computation.run();
}

Barcodes ripsPersistence(Matrix&& symmetric, const PersistenceOptions& options, const RunControl* control) {
  checkArguments(symmetric.rows(), symmetric.cols(), options);
  const RunControl::Scope scope(control != nullptr ? control : RunControl::current());
  RipsComputation computation(std::move(symmetric), options);
  return computation.run();
}

Barcodes pointCloudPersistence(MatrixView points, const PersistenceOptions& options, const RunControl* control) {
  const RunControl::Scope scope(control != nullptr ? control : RunControl::current());
  const Representation cloud(points);
  const int e = cloud.scaleExponent();
  PersistenceOptions scaled = options;
  scaled.threshold = std::ldexp(options.threshold, -e);
  Barcodes out = ripsPersistence(euclideanDistances(cloud).view(), scaled, control);
  if (e != 0) {
    for (auto& bars : out.bars) {
      for (Bar& bar : bars) {
        bar.birth = std::ldexp(bar.birth, e);
        bar.death = std::ldexp(bar.death, e);
      }
    }
  }
  return out;
}

void validateDistanceMatrix(MatrixView d) {
  if (d.rows != d.cols) {
    throw Error(ErrorCode::Shape, "a distance matrix must be square (got " + std::to_string(d.rows) + " x " +
                                      std::to_string(d.cols) + ")");
  }
  const std::size_t n = d.rows;
  double largest = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double v = d(i, j);
      if (std::isfinite(v) && v >= 0.0 && (i != j || v == 0.0)) {
        largest = std::max(largest, v);
        continue;
      }
      const std::string where = "distance matrix entry (" + std::to_string(i) + ", " + std::to_string(j) + ")";
      if (!std::isfinite(v)) throw Error(ErrorCode::NonFinite, where + " is not finite");
      if (v < 0.0) throw Error(ErrorCode::Degenerate, where + " is negative (" + std::to_string(v) + ")");
      throw Error(ErrorCode::Degenerate, where + " is on the diagonal and must be 0");
    }
  }
  const double tolerance = 1e-12 * largest;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (std::abs(d(i, j) - d(j, i)) > tolerance) {
        throw Error(ErrorCode::Degenerate, "the distance matrix is not symmetric: entry (" + std::to_string(i) + ", " +
                                               std::to_string(j) + ") differs from (" + std::to_string(j) + ", " +
                                               std::to_string(i) + ")");
      }
    }
  }
}

double finiteBarLengthSum(const std::vector<Bar>& bars) {
  double sum = 0.0;
  for (const Bar& bar : bars) {
    if (std::isfinite(bar.death)) sum += bar.death - bar.birth;
  }
  return sum;
}

}  // namespace nnsim::topology
