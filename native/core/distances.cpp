#include "distances.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "errors.hpp"
#include "linalg.hpp"
#include "parallel.hpp"

namespace nnsim {
namespace {

std::size_t rowsPerThread(std::size_t n) { return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, n)); }

}  // namespace

Metric parseMetric(const std::string& name, const std::string& option) {
  if (name == "euclidean") return Metric::Euclidean;
  if (name == "sqeuclidean") return Metric::SquaredEuclidean;
  if (name == "cosine") return Metric::Cosine;
  throw Error(ErrorCode::Option, "Expected one of 'euclidean' 'sqeuclidean' 'cosine' for option '" + option +
                                     "' but received string \"" + name + "\"");
}

const char* metricName(Metric m) {
  switch (m) {
    case Metric::Euclidean: return "euclidean";
    case Metric::SquaredEuclidean: return "sqeuclidean";
    case Metric::Cosine: return "cosine";
    case Metric::InnerProduct: return "inner-product";
  }
  return "euclidean";
}

const Matrix& squaredEuclideanDistances(const Representation& r) {
  return r.memo<Matrix>("distances:sqeuclidean", [&] {
    const MatrixView x = r.data(Centering::Columns);  // translation-invariant; centring shrinks the norms
    const std::size_t n = x.rows;
    Matrix d = gramOfRows(x);
    std::vector<double> norms(n);
    for (std::size_t i = 0; i < n; ++i) norms[i] = d(i, i);
    parallelFor(n, rowsPerThread(n), [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          if (i == j) {
            d(i, j) = 0.0;
            continue;
          }
          const double scale = norms[i] + norms[j];
          double v = scale - 2.0 * d(i, j);
          if (v < 1e-4 * scale) {
            // The expansion cancels: recompute from the differences.
            const double* xi = x.row(i);
            const double* xj = x.row(j);
            v = 0.0;
            for (std::size_t c = 0; c < x.cols; ++c) {
              const double diff = xi[c] - xj[c];
              v += diff * diff;
            }
          }
          d(i, j) = std::max(0.0, v);
        }
      }
    });
    // Rows were written independently; make the matrix exactly symmetric.
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) d(j, i) = d(i, j);
    }
    return d;
  });
}

const Matrix& euclideanDistances(const Representation& r) {
  return r.memo<Matrix>("distances:euclidean", [&] {
    Matrix d = Matrix::copyOf(squaredEuclideanDistances(r));
    for (std::size_t i = 0; i < d.size(); ++i) d.data()[i] = std::sqrt(d.data()[i]);
    return d;
  });
}

const Matrix& cosineSimilarities(const Representation& r) {
  return r.memo<Matrix>("similarities:cosine", [&] {
    const MatrixView x = r.raw();
    const std::size_t n = x.rows;
    Matrix unit = Matrix::uninitialized(n, x.cols);
    for (std::size_t i = 0; i < n; ++i) {
      const double* src = x.row(i);
      double norm = 0.0;
      for (std::size_t c = 0; c < x.cols; ++c) norm += src[c] * src[c];
      norm = std::sqrt(norm);
      const double inv = norm > 0.0 ? 1.0 / norm : 0.0;
      double* dst = unit.row(i);
      for (std::size_t c = 0; c < x.cols; ++c) dst[c] = src[c] * inv;
    }
    Matrix s = gramOfRows(unit);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) s(i, j) = i == j ? 1.0 : std::clamp(s(i, j), -1.0, 1.0);
    }
    return s;
  });
}

const Matrix& pairwiseDistances(const Representation& r, Metric metric) {
  switch (metric) {
    case Metric::SquaredEuclidean: return squaredEuclideanDistances(r);
    case Metric::Euclidean: return euclideanDistances(r);
    case Metric::Cosine:
      return r.memo<Matrix>("distances:cosine", [&] {
        Matrix d = Matrix::copyOf(cosineSimilarities(r));
        for (std::size_t i = 0; i < d.size(); ++i) d.data()[i] = std::clamp(1.0 - d.data()[i], 0.0, 2.0);
        return d;
      });
    case Metric::InnerProduct:
      return r.memo<Matrix>("distances:negative-inner-product", [&] {
        Matrix d = Matrix::copyOf(r.gram(Centering::None));
        for (std::size_t i = 0; i < d.size(); ++i) d.data()[i] = -d.data()[i];
        return d;
      });
  }
  throw Error(ErrorCode::Internal, "unknown metric");
}

const KnnLists& knn(const Representation& r, std::size_t k, Metric metric) {
  const std::size_t n = r.rows();
  if (k < 1 || k + 1 > n) {
    throw Error(ErrorCode::TooFewRows, "k-nearest neighbours with k = " + std::to_string(k) + " need at least " +
                                           std::to_string(k + 1) + " rows; got " + std::to_string(n));
  }
  return r.memo<KnnLists>(std::string("knn:") + metricName(metric) + ":" + std::to_string(k), [&] {
    // Squared Euclidean orders neighbours like Euclidean: share its lists.
    const Matrix& d = pairwiseDistances(r, metric == Metric::Euclidean ? Metric::SquaredEuclidean : metric);
    KnnLists lists;
    lists.n = n;
    lists.k = k;
    lists.indices.resize(n * k);
    lists.distances.resize(n * k);
    parallelFor(n, rowsPerThread(n), [&](std::size_t begin, std::size_t end) {
      std::vector<std::int32_t> order(n - 1);
      for (std::size_t i = begin; i < end; ++i) {
        const double* di = d.row(i);
        std::size_t p = 0;
        for (std::size_t j = 0; j < n; ++j) {
          if (j != i) order[p++] = static_cast<std::int32_t>(j);
        }
        auto closer = [di](std::int32_t a, std::int32_t b) { return di[a] < di[b] || (di[a] == di[b] && a < b); };
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(), closer);
        for (std::size_t t = 0; t < k; ++t) {
          lists.indices[i * k + t] = order[t];
          const double v = di[order[t]];
          lists.distances[i * k + t] = metric == Metric::Euclidean ? std::sqrt(v) : v;
        }
      }
    });
    return lists;
  });
}

}  // namespace nnsim
