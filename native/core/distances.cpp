#include "distances.hpp"

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>

#include "errors.hpp"
#include "linalg.hpp"
#include "parallel.hpp"
#include "run_control.hpp"

namespace nnsim {
namespace {

std::size_t rowsPerThread(std::size_t n) { return std::max<std::size_t>(1, (std::size_t{1} << 18) / std::max<std::size_t>(1, n)); }

constexpr double kUnitRoundoff = DBL_EPSILON / 2;

// The exact kernels below are never inlined: one code path (one instruction sequence, whatever the
// compiler vectorises or contracts) serves every pair, so a pair's value cannot depend on the call
// site. Four interleaved partial sums in a fixed pattern: faster than one chain, and still a fixed
// function of the two rows.
[[gnu::noinline]] double sumOfSquaredDifferences(const double* x, const double* y, std::size_t d) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t c = 0;
  for (; c + 4 <= d; c += 4) {
    const double t0 = x[c] - y[c], t1 = x[c + 1] - y[c + 1], t2 = x[c + 2] - y[c + 2], t3 = x[c + 3] - y[c + 3];
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; c < d; ++c) {
    const double t = x[c] - y[c];
    s0 += t * t;
  }
  return (s0 + s1) + (s2 + s3);
}

// Σ (sx·x_c)(sy·y_c) for power-of-two scales sx, sy (exact scalings: rows of any magnitude stay finite).
[[gnu::noinline]] double scaledDot(const double* x, double sx, const double* y, double sy, std::size_t d) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t c = 0;
  for (; c + 4 <= d; c += 4) {
    s0 += (sx * x[c]) * (sy * y[c]);
    s1 += (sx * x[c + 1]) * (sy * y[c + 1]);
    s2 += (sx * x[c + 2]) * (sy * y[c + 2]);
    s3 += (sx * x[c + 3]) * (sy * y[c + 3]);
  }
  for (; c < d; ++c) s0 += (sx * x[c]) * (sy * y[c]);
  return (s0 + s1) + (s2 + s3);
}

// The power of two that brings max |x_c| into [1/2, 1) (1 for a zero row).
double powerOfTwoScale(const double* x, std::size_t d) {
  double largest = 0.0;
  for (std::size_t c = 0; c < d; ++c) largest = std::max(largest, std::fabs(x[c]));
  if (!(largest > 0.0)) return 1.0;
  int exponent = 0;
  std::frexp(largest, &exponent);
  return std::ldexp(1.0, -exponent);
}

// Cosine similarity from x·y and the squared norms, as sign(x·y)·sqrt((x·y)² / (‖x‖²‖y‖²)): one
// correctly rounded division and square root of the exact quantities when they are exact (integers
// below 2^53), so equal true cosines give equal values. Falls back to |x·y| / (‖x‖‖y‖) when the
// squares underflow. 0 for a zero row.
double cosineFromDot(double dot, double xx, double yy) {
  if (dot == 0.0 || xx == 0.0 || yy == 0.0) return 0.0;
  const double squared = dot * dot;
  const double product = xx * yy;
  double s = squared >= DBL_MIN && product >= DBL_MIN ? std::sqrt(squared / product)
                                                       : std::fabs(dot) / (std::sqrt(xx) * std::sqrt(yy));
  s = std::min(s, 1.0);  // Cauchy–Schwarz up to rounding
  return dot < 0.0 ? -s : s;
}

bool isConstantRow(const double* x, std::size_t d) {
  for (std::size_t c = 1; c < d; ++c) {
    if (x[c] != x[0]) return false;
  }
  return true;
}

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
    case Metric::Correlation: return "correlation";
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
        checkpoint();
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
      checkpoint();
      for (std::size_t j = i + 1; j < n; ++j) d(j, i) = d(i, j);
    }
    return d;
  });
}

const Matrix& euclideanDistances(const Representation& r) {
  return r.memo<Matrix>("distances:euclidean", [&] {
    Matrix d = Matrix::copyOf(squaredEuclideanDistances(r));
    for (std::size_t i = 0; i < d.rows(); ++i) {
      checkpoint();
      for (double* v = d.row(i); v != d.row(i) + d.cols(); ++v) *v = std::sqrt(*v);
    }
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
      // Scaled by a power of two first (exact), so rows of any magnitude normalise without overflow.
      const double s = powerOfTwoScale(src, x.cols);
      double norm = 0.0;
      for (std::size_t c = 0; c < x.cols; ++c) norm += (s * src[c]) * (s * src[c]);
      const double inv = norm > 0.0 ? s / std::sqrt(norm) : 0.0;
      double* dst = unit.row(i);
      for (std::size_t c = 0; c < x.cols; ++c) dst[c] = src[c] * inv;
    }
    Matrix s = gramOfRows(unit);
    for (std::size_t i = 0; i < n; ++i) {
      checkpoint();
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
        for (std::size_t i = 0; i < d.rows(); ++i) {
          checkpoint();
          for (double* v = d.row(i); v != d.row(i) + d.cols(); ++v) *v = std::clamp(1.0 - *v, 0.0, 2.0);
        }
        return d;
      });
    case Metric::Correlation: break;
  }
  throw Error(ErrorCode::Internal, "pairwiseDistances: unsupported metric");
}

Matrix correlationDistances(const Representation& r) {
  const MatrixView x = r.raw();
  Matrix unit = Matrix::uninitialized(x.rows, x.cols);
  for (std::size_t i = 0; i < x.rows; ++i) {
    const double* src = x.row(i);
    double* dst = unit.row(i);
    if (isConstantRow(src, x.cols)) {  // exactly: its rounded mean need not equal its entries
      std::fill_n(dst, x.cols, 0.0);
      continue;
    }
    const double s = powerOfTwoScale(src, x.cols);  // (exact; no overflow in the centring)
    double mean = 0.0;
    for (std::size_t c = 0; c < x.cols; ++c) mean += s * src[c];
    mean /= static_cast<double>(x.cols);
    double norm = 0.0;
    for (std::size_t c = 0; c < x.cols; ++c) {
      dst[c] = s * src[c] - mean;
      norm += dst[c] * dst[c];
    }
    norm = std::sqrt(norm);
    const double inv = norm > 0.0 ? 1.0 / norm : 0.0;
    for (std::size_t c = 0; c < x.cols; ++c) dst[c] *= inv;
  }
  Matrix d = gramOfRows(unit);
  for (std::size_t i = 0; i < x.rows; ++i) {
    for (std::size_t j = 0; j < x.rows; ++j) d(i, j) = i == j ? 0.0 : 1.0 - std::clamp(d(i, j), -1.0, 1.0);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------
// Exact distances and the screening bound

ExactDistance::ExactDistance(const Representation& r, Metric metric) : metric_(metric), rows_(r.raw()) {
  const std::size_t n = rows_.rows, d = rows_.cols;
  if (metric == Metric::Euclidean || metric == Metric::SquaredEuclidean) return;
  norms_.resize(n);
  if (metric == Metric::Cosine) {
    scales_.resize(n);
    parallelFor(n, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d)),
                [&](std::size_t begin, std::size_t end) {
                  for (std::size_t i = begin; i < end; ++i) {
                    const double* x = rows_.row(i);
                    scales_[i] = powerOfTwoScale(x, d);
                    norms_[i] = scaledDot(x, scales_[i], x, scales_[i], d);
                  }
                });
    return;
  }
  // Correlation: y = D·(s·x) − Σ_c s·x_c with s a power of two (exact), so |y_c| < 2D: integer rows
  // stay integer and no row overflows. A constant row is exactly 0.
  centred_ = Matrix::uninitialized(n, d);
  scales_.assign(n, 1.0);
  const double width = static_cast<double>(d);
  parallelFor(n, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d)),
              [&](std::size_t begin, std::size_t end) {
                for (std::size_t i = begin; i < end; ++i) {
                  const double* x = rows_.row(i);
                  double* y = centred_.row(i);
                  if (isConstantRow(x, d)) {
                    std::fill_n(y, d, 0.0);
                  } else {
                    const double s = powerOfTwoScale(x, d);
                    double sum = 0.0;
                    for (std::size_t c = 0; c < d; ++c) sum += s * x[c];
                    for (std::size_t c = 0; c < d; ++c) y[c] = width * (s * x[c]) - sum;
                  }
                  norms_[i] = scaledDot(y, 1.0, y, 1.0, d);
                }
              });
  rows_ = centred_.view();
}

double ExactDistance::similarity(std::size_t i, std::size_t j) const {
  const double dot = scaledDot(rows_.row(i), scales_[i], rows_.row(j), scales_[j], rows_.cols);
  return cosineFromDot(dot, norms_[i], norms_[j]);
}

double ExactDistance::operator()(std::size_t i, std::size_t j) const {
  if (metric_ == Metric::Euclidean || metric_ == Metric::SquaredEuclidean) {
    return sumOfSquaredDifferences(rows_.row(i), rows_.row(j), rows_.cols);
  }
  return std::clamp(1.0 - similarity(i, j), 0.0, 2.0);
}

const ScreenBound& screenBound(const Representation& r, Metric metric) {
  if (metric == Metric::SquaredEuclidean) metric = Metric::Euclidean;
  return r.memo<ScreenBound>(std::string("distances:screen-bound:") + metricName(metric), [&] {
    const MatrixView x = r.raw();
    const std::size_t n = x.rows, d = x.cols;
    ScreenBound bound;
    // Per pair, |screened − exact| ≤ (4D + 12)·u·(w_i + w_j) (the dot product and the squared norms
    // each within γ_D, the centring or normalisation within a few u, the exact value within γ_{D+2}
    // of its true value); twice that, plus slack for the O(u²) terms.
    bound.coefficient = (8.0 * static_cast<double>(d) + 64.0) * kUnitRoundoff;
    bound.weights.assign(n, 0.5);
    if (metric == Metric::Cosine) return bound;
    const std::vector<double>& means = r.columnMeans();
    parallelFor(n, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d)),
                [&](std::size_t begin, std::size_t end) {
                  for (std::size_t i = begin; i < end; ++i) {
                    const double* xi = x.row(i);
                    if (metric == Metric::Euclidean) {
                      double s = 0.0;
                      for (std::size_t c = 0; c < d; ++c) s += (xi[c] - means[c]) * (xi[c] - means[c]);
                      bound.weights[i] = s;
                      continue;
                    }
                    // Correlation: ‖x‖ / ‖x − x̄‖ (scaled by a power of two so that neither overflows);
                    // a constant row is screened as exactly distance 1 and needs no allowance.
                    if (isConstantRow(xi, d)) {
                      bound.weights[i] = 0.0;
                      continue;
                    }
                    const double s = powerOfTwoScale(xi, d);
                    double sum = 0.0, raw = 0.0;
                    for (std::size_t c = 0; c < d; ++c) {
                      sum += s * xi[c];
                      raw += (s * xi[c]) * (s * xi[c]);
                    }
                    const double mean = sum / static_cast<double>(d);
                    double centred = 0.0;
                    for (std::size_t c = 0; c < d; ++c) centred += (s * xi[c] - mean) * (s * xi[c] - mean);
                    bound.weights[i] = centred > 0.0 ? std::sqrt(raw / centred)
                                                     : std::numeric_limits<double>::infinity();
                  }
                });
    return bound;
  });
}

// ---------------------------------------------------------------------------------------------------
// Blocked exact k-NN

namespace {

// Rows per tile: tiles of T × T Gram entries plus two T × D blocks of prepared rows, about 16 MB at
// D = 256; narrower tiles for wide inputs so the blocks stay near 4 MB each.
std::size_t tileRows(std::size_t n, std::size_t d) {
  const std::size_t byWidth = (std::size_t{1} << 19) / std::max<std::size_t>(1, d);
  return std::min(n, std::clamp<std::size_t>(byWidth, 64, 1024));
}

std::size_t candidateCapacity(std::size_t k) { return k + std::max<std::size_t>(k, 16); }

// Entries screened together before any is looked at one by one.
constexpr std::size_t kStrip = 16;

struct Candidate {
  double value;         // screened, or exact once `exact` is set
  std::int32_t index;
  std::int32_t exact;
};

bool before(const Candidate& a, const Candidate& b) { return a.value < b.value || (a.value == b.value && a.index < b.index); }

// Per-input selection state: a max-heap of the k smallest upper bounds offered so far (its top is the
// admission threshold: an input whose lower bound exceeds it has k inputs surely closer), and a bounded
// buffer of admitted candidates. When the buffer fills, the candidates still within the threshold are
// settled by their exact distances and only the exact k nearest are kept (the nearest k of a union are
// the nearest k of the nearest k of each part), which also tightens the threshold.
class NeighbourSelection {
 public:
  NeighbourSelection(std::size_t n, std::size_t k, const ScreenBound& bound, const ExactDistance& exact)
      : k_(k), capacity_(candidateCapacity(k)), bound_(bound), exact_(exact), heap_(n * k), heapSize_(n, 0),
        buffer_(n * capacity_), bufferSize_(n, 0) {}

  double threshold(std::size_t i) const {
    return heapSize_[i] == k_ ? heap_[i * k_] : std::numeric_limits<double>::infinity();
  }

  // Offers input j (screened value, its bound) to input i; returns i's threshold afterwards.
  double offer(std::size_t i, std::size_t j, double screened, double allowance) {
    if (bufferSize_[i] == capacity_) {
      settle(i);
      if (screened - allowance > threshold(i)) return threshold(i);
    }
    buffer_[i * capacity_ + bufferSize_[i]++] = {screened, static_cast<std::int32_t>(j), 0};
    double* heap = heap_.data() + i * k_;
    std::size_t& size = heapSize_[i];
    const double upper = screened + allowance;
    if (size < k_) {
      heap[size++] = upper;
      std::push_heap(heap, heap + size);
    } else if (upper < heap[0]) {
      std::pop_heap(heap, heap + k_);
      heap[k_ - 1] = upper;
      std::push_heap(heap, heap + k_);
    }
    return threshold(i);
  }

  // The exact k nearest of input i, nearest first (ties by index).
  void finish(std::size_t i, std::int32_t* indices, double* values) {
    settle(i);
    const Candidate* c = buffer_.data() + i * capacity_;
    for (std::size_t t = 0; t < k_; ++t) {
      indices[t] = c[t].index;
      values[t] = c[t].value;
    }
  }

 private:
  // Requires a full heap (true once more than k inputs were offered, and for every input at the end).
  void settle(std::size_t i) {
    Candidate* c = buffer_.data() + i * capacity_;
    const double limit = threshold(i);
    std::size_t kept = 0;
    for (std::size_t t = 0; t < bufferSize_[i]; ++t) {
      const double lower = c[t].exact ? c[t].value : c[t].value - bound_(i, static_cast<std::size_t>(c[t].index));
      if (!(lower > limit)) c[kept++] = c[t];  // (a NaN screen, from overflow, is settled exactly)
    }
    for (std::size_t t = 0; t < kept; ++t) {
      if (c[t].exact) continue;
      c[t].value = exact_(i, static_cast<std::size_t>(c[t].index));
      c[t].exact = 1;
    }
    // kept ≥ k: every heap entry belongs to a kept candidate (its lower bound ≤ its upper bound ≤ limit).
    std::partial_sort(c, c + k_, c + kept, before);
    bufferSize_[i] = k_;
    double* heap = heap_.data() + i * k_;
    for (std::size_t t = 0; t < k_; ++t) heap[t] = c[t].value;
    std::make_heap(heap, heap + k_);
    heapSize_[i] = k_;
  }

  std::size_t k_;
  std::size_t capacity_;
  const ScreenBound& bound_;
  const ExactDistance& exact_;
  std::vector<double> heap_;
  std::vector<std::size_t> heapSize_;
  std::vector<Candidate> buffer_;
  std::vector<std::size_t> bufferSize_;
};

// Rows [begin, begin + count) prepared for screening: column-centred (Euclidean) or unit length
// (cosine; a zero row stays zero), row-major with leading dimension D.
void prepareRows(const Representation& r, Metric metric, std::size_t begin, std::size_t count, double* out) {
  const MatrixView x = r.raw();
  const std::size_t d = x.cols;
  const std::vector<double>& means = r.columnMeans();
  parallelFor(count, std::max<std::size_t>(1, (std::size_t{1} << 16) / std::max<std::size_t>(1, d)),
              [&](std::size_t from, std::size_t to) {
                for (std::size_t p = from; p < to; ++p) {
                  const double* src = x.row(begin + p);
                  double* dst = out + p * d;
                  if (metric != Metric::Cosine) {
                    for (std::size_t c = 0; c < d; ++c) dst[c] = src[c] - means[c];
                    continue;
                  }
                  const double s = powerOfTwoScale(src, d);
                  double norm = 0.0;
                  for (std::size_t c = 0; c < d; ++c) norm += (s * src[c]) * (s * src[c]);
                  const double inv = norm > 0.0 ? s / std::sqrt(norm) : 0.0;
                  for (std::size_t c = 0; c < d; ++c) dst[c] = src[c] * inv;
                }
              });
}

KnnLists computeKnn(const Representation& r, std::size_t k, Metric metric, const RunControl* control) {
  const std::size_t n = r.rows(), d = r.cols();
  const bool cosine = metric == Metric::Cosine;
  const ScreenBound& bound = screenBound(r, metric);
  const ExactDistance exact(r, metric);
  NeighbourSelection selection(n, k, bound, exact);
  const std::size_t tile = tileRows(n, d);
  std::vector<double> blockI(tile * d), blockJ(tile * d), gram(tile * tile);
  const int di = blasInt(d, "the number of columns");
  const std::vector<double>& w = bound.weights;
  // Screened value of (i, j) from their Gram entry g: ‖x_i‖² + ‖x_j‖² − 2g on centred rows, 1 − g on
  // unit rows.
  const auto screened = [&](std::size_t i, std::size_t j, double g) { return cosine ? 1.0 - g : w[i] + w[j] - 2.0 * g; };
  // The same lower bound screened − allowance as α_i + α_j − slope·g (α_i = (1 − c)·w_i, slope 2;
  // cosine: α_i = (1 − c)/2, slope 1), for the strip prefilter; its own rounding (a few u·(w_i + w_j))
  // is far inside the slack of the bound's coefficient.
  const double slope = cosine ? 1.0 : 2.0;
  std::vector<double> alpha(n);
  for (std::size_t i = 0; i < n; ++i) alpha[i] = (1.0 - bound.coefficient) * w[i];
  for (std::size_t i0 = 0; i0 < n; i0 += tile) {
    const std::size_t ni = std::min(tile, n - i0);
    prepareRows(r, metric, i0, ni, blockI.data());
    for (std::size_t j0 = i0; j0 < n; j0 += tile) {
      if (control != nullptr) control->throwIfCancelled();
      const std::size_t nj = std::min(tile, n - j0);
      const bool diagonal = j0 == i0;
      if (diagonal) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(ni), di, 1.0, blockI.data(), di, 0.0,
                    gram.data(), static_cast<int>(nj));
        for (std::size_t p = 1; p < ni; ++p) {
          for (std::size_t q = 0; q < p; ++q) gram[p * nj + q] = gram[q * nj + p];
        }
      } else {
        prepareRows(r, metric, j0, nj, blockJ.data());
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(ni), static_cast<int>(nj), di, 1.0,
                    blockI.data(), di, blockJ.data(), di, 0.0, gram.data(), static_cast<int>(nj));
      }
      // The tile's rows: inputs of block I against the inputs of block J, a strip of entries at a time:
      // a strip none of whose lower bounds reaches the threshold (the usual case) costs one vectorised
      // pass; the others are offered entry by entry.
      parallelFor(ni, 16, [&](std::size_t from, std::size_t to) {
        for (std::size_t p = from; p < to; ++p) {
          const std::size_t i = i0 + p;
          const double* g = gram.data() + p * nj;
          const double* alphaJ = alpha.data() + j0;
          double limit = selection.threshold(i);
          for (std::size_t q0 = 0; q0 < nj; q0 += kStrip) {
            const std::size_t q1 = std::min(nj, q0 + kStrip);
            const double reach = limit - alpha[i];
            unsigned hits = 0;
            // (!(… > …): a NaN screen, from overflowing inputs, is looked at, not skipped.)
            for (std::size_t q = q0; q < q1; ++q) hits |= static_cast<unsigned>(!(alphaJ[q] - slope * g[q] > reach));
            if (hits == 0) continue;
            for (std::size_t q = q0; q < q1; ++q) {
              const std::size_t j = j0 + q;
              if (j == i) continue;
              const double value = screened(i, j, g[q]);
              const double allowance = bound(i, j);
              if (value - allowance > limit) continue;
              limit = selection.offer(i, j, value, allowance);
            }
          }
        }
      });
      if (diagonal) continue;
      // Its columns: inputs of block J against those of block I. Each thread owns a range of columns and
      // walks the tile by rows, so the reads stay contiguous.
      parallelFor(nj, 16, [&](std::size_t from, std::size_t to) {
        std::vector<double> limits(to - from), reach(to - from);
        for (std::size_t q = from; q < to; ++q) {
          limits[q - from] = selection.threshold(j0 + q);
          reach[q - from] = limits[q - from] - alpha[j0 + q];
        }
        for (std::size_t p = 0; p < ni; ++p) {
          const std::size_t i = i0 + p;
          const double* g = gram.data() + p * nj;
          const double own = -alpha[i];
          for (std::size_t q0 = from; q0 < to; q0 += kStrip) {
            const std::size_t q1 = std::min(to, q0 + kStrip);
            unsigned hits = 0;
            for (std::size_t q = q0; q < q1; ++q) hits |= static_cast<unsigned>(!(-slope * g[q] - reach[q - from] > own));
            if (hits == 0) continue;
            for (std::size_t q = q0; q < q1; ++q) {
              const std::size_t j = j0 + q;
              const double value = screened(j, i, g[q]);
              const double allowance = bound(j, i);
              if (value - allowance > limits[q - from]) continue;
              limits[q - from] = selection.offer(j, i, value, allowance);
              reach[q - from] = limits[q - from] - alpha[j];
            }
          }
        }
      });
    }
  }
  KnnLists lists;
  lists.n = n;
  lists.k = k;
  lists.indices.resize(n * k);
  lists.distances.resize(n * k);
  parallelFor(n, 64, [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      double* out = lists.distances.data() + i * k;
      selection.finish(i, lists.indices.data() + i * k, out);
      if (metric == Metric::Euclidean) {
        for (std::size_t t = 0; t < k; ++t) out[t] = std::sqrt(out[t]);
      }
    }
  });
  return lists;
}

}  // namespace

const KnnLists& knn(const Representation& r, std::size_t k, Metric metric, const RunControl* control) {
  const std::size_t n = r.rows();
  if (k < 1 || k + 1 > n) {
    throw Error(ErrorCode::TooFewRows, "k-nearest neighbours with k = " + std::to_string(k) + " need at least " +
                                           std::to_string(k + 1) + " rows; got " + std::to_string(n));
  }
  if (metric == Metric::Correlation) throw Error(ErrorCode::Internal, "knn: unsupported metric");
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw Error(ErrorCode::Shape, "k-nearest neighbours support at most 2^31 − 1 inputs");
  }
  return r.memo<KnnLists>(std::string("knn:") + metricName(metric) + ":" + std::to_string(k),
                          [&] { return computeKnn(r, k, metric, control); });
}

double knnMemoryBytes(std::size_t n, std::size_t d, std::size_t k) {
  const double rows = static_cast<double>(n), kk = static_cast<double>(k);
  const double tile = static_cast<double>(n == 0 ? 0 : tileRows(n, d));
  const double lists = rows * kk * (sizeof(std::int32_t) + sizeof(double));
  const double selection = rows * (kk * sizeof(double) + static_cast<double>(candidateCapacity(k)) * sizeof(Candidate) +
                                   2 * sizeof(std::size_t));
  const double blocks = (2.0 * tile * static_cast<double>(d) + tile * tile) * sizeof(double);
  const double perInput = rows * 4 * sizeof(double);  // bound weights, prefilter, exact scales and norms
  return lists + selection + blocks + perInput;
}

}  // namespace nnsim
