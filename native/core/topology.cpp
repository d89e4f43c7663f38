// Topology-based measures: persistent homology and heat-kernel signatures of the representations.
//   geometry-score  Khrulkov & Oseledets 2018 (ICML), "Geometry Score"
//   imd             Tsitsulin, Munkhoeva, Mottin, Karras, Bronstein, Oseledets, Müller 2020 (ICLR), MSID
//   rtd             Barannikov, Trofimov, Balabin, Burnaev 2022 (ICML), "Representation Topology Divergence"
// Persistence itself lives in topology/persistence.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "distances.hpp"
#include "measure.hpp"
#include "parallel.hpp"
#include "random.hpp"
#include "sorting.hpp"
#include "threads.hpp"
#include "topology/heat_trace.hpp"
#include "topology/persistence.hpp"
#include "topology/witness.hpp"

namespace nnsim {
namespace {

constexpr std::int64_t kMaxSeed = 9007199254740991;  // 2^53 − 1: every such seed is exact in a JS number

// The q-quantile of all entries of a square matrix with numpy's default ('linear') interpolation, as
// RTD's reference code (np.quantile(r, 0.9)) takes it over the full n × n matrix, zero diagonal included.
double quantileOfEntries(const Matrix& m, double q) {
  std::vector<double> values(m.data(), m.data() + m.size());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(lower);
  nthElementWithCheckpoints(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lower), values.end(),
                            std::less<double>());
  const double a = values[lower];
  if (fraction == 0.0 || lower + 1 >= values.size()) return a;
  const double b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lower) + 1, values.end());
  return fraction >= 0.5 ? b - (b - a) * (1.0 - fraction) : a + (b - a) * fraction;
}

// Euclidean distances between the rows `rows` of r, divided by their 0.9-quantile (RTD's normalisation).
Matrix normalisedDistances(const Representation& r, const std::vector<std::size_t>& rows, const char* which) {
  Matrix distances;
  if (rows.size() == r.rows()) {
    distances = euclideanDistances(r);
  } else {
    Matrix subset = Matrix::uninitialized(rows.size(), r.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) std::copy_n(r.raw().row(rows[i]), r.cols(), subset.row(i));
    const Representation sub(subset.view());
    distances = euclideanDistances(sub);
  }
  const double scale = quantileOfEntries(distances, 0.9);
  if (!(scale > 0.0)) {
    throw Error(ErrorCode::Degenerate, std::string("RTD is undefined: at least 90% of the pairwise distances of the ") +
                                           which + " representation's subsample are zero (duplicated rows)");
  }
  for (std::size_t i = 0; i < distances.size(); ++i) distances.data()[i] /= scale;
  return distances;
}

// Sum of the H1 bar lengths of the R-Cross-Barcode of (r1, r2) (Barannikov et al. 2022, §3): the Rips
// filtration of the 2n-point space with distances
//       [ 0    r1ᵀ        ]
//       [ r1   min(r1, r2) ]
// with entries below 1e-6·mean(r1) set to 0, as the reference code does before calling ripser++.
double crossBarcodeH1(const Matrix& r1, const Matrix& r2, const RunControl& control) {
  const std::size_t n = r1.rows();
  double mean = 0.0;
  for (std::size_t i = 0; i < r1.size(); ++i) mean += r1.data()[i];
  mean /= static_cast<double>(r1.size());
  const double cutoff = 1e-6 * mean;
  const auto clean = [cutoff](double v) { return v < cutoff ? 0.0 : v; };
  Matrix cross(2 * n, 2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    checkpoint();
    for (std::size_t j = 0; j < n; ++j) {
      const double offDiagonal = clean(r1(i, j));
      cross(n + i, j) = offDiagonal;
      cross(j, n + i) = offDiagonal;
      cross(n + i, n + j) = clean(std::min(r1(i, j), r2(i, j)));
    }
  }
  topology::PersistenceOptions options;
  options.maxDim = 1;
  const topology::Barcodes bars = topology::ripsPersistence(std::move(cross), options, &control);
  return topology::finiteBarLengthSum(bars.bars[1]);
}

// RTD (Barannikov et al. 2022, §4; IlyaTrofimov/RTD `rtd`): per trial, the same random `batch` rows of
// both representations, RTD_1 = (H1sum(cross(a, b)) + H1sum(cross(b, a))) / 2; the mean over trials.
double rtd(const MeasureContext& ctx) {
  const auto trials = static_cast<std::size_t>(ctx.options.integer("trials"));
  const auto batch = static_cast<std::size_t>(ctx.options.integer("batch"));
  const auto seed = static_cast<std::uint64_t>(ctx.options.integer("seed"));
  const std::size_t rows = ctx.pair.rows();
  const std::size_t n = std::min(batch, rows);
  // With every row in every subsample the barcode does not depend on their order: one trial is the mean.
  const std::size_t count = n == rows ? 1 : trials;
  // Trials run in blocks: a block's distance matrices are computed one after the other (BLAS is parallel
  // inside), then its 2·size cross-barcodes run in parallel. Subsets are drawn and values summed in trial
  // order, so the result does not depend on the thread count.
  // Concurrency is capped by memory too: a cross-barcode of 2n points holds the 2n × 2n matrix, its edge
  // list and pivot table, roughly 80·n² bytes; at most ~1 GB of them at a time.
  const double bytesPerCross = 80.0 * static_cast<double>(n) * static_cast<double>(n);
  const auto byMemory = static_cast<std::size_t>(std::max(2.0, 1e9 / bytesPerCross));
  const std::size_t concurrent = std::min(static_cast<std::size_t>(std::max(1, blasThreads())), byMemory);
  const std::size_t block = std::max<std::size_t>(1, concurrent / 2);
  Random random(seed);
  double total = 0.0;
  for (std::size_t first = 0; first < count; first += block) {
    ctx.control.step(first, count);
    const std::size_t size = std::min(block, count - first);
    std::vector<Matrix> r1(size), r2(size);
    for (std::size_t b = 0; b < size; ++b) {
      const std::vector<std::size_t> subset = random.sample(rows, n);
      r1[b] = normalisedDistances(ctx.a(), subset, "first");
      r2[b] = normalisedDistances(ctx.b(), subset, "second");
    }
    std::vector<double> h1(2 * size, 0.0);
    parallelFor(2 * size, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t k = begin; k < end; ++k) {
        const std::size_t b = k / 2;
        h1[k] = k % 2 == 0 ? crossBarcodeH1(r1[b], r2[b], ctx.control) : crossBarcodeH1(r2[b], r1[b], ctx.control);
      }
    });
    for (std::size_t b = 0; b < size; ++b) total += 0.5 * (h1[2 * b] + h1[2 * b + 1]);
  }
  return total / static_cast<double>(count);
}

// IMD / MSID (Tsitsulin et al. 2020, §4; xgfs/imd `msid_score` defaults): for each representation the
// k-NN graph's normalised Laplacian, its heat trace h(t) = tr exp(−tL) estimated by stochastic Lanczos
// quadrature with msid's control variate at t ∈ logspace(−1, 1, 256), normalised by n ('empty' graph)
// and scaled by 1e6; the score is max_t e^{−2(t + 1/t)} |h_a(t) − h_b(t)|. Both representations use the
// same seeded start vectors (common random numbers), so IMD(X, X) = 0 and the score is symmetric.
double imd(const MeasureContext& ctx) {
  const auto k = static_cast<std::size_t>(ctx.options.integer("k"));
  const auto steps = static_cast<std::size_t>(ctx.options.integer("lanczosSteps"));
  const auto iterations = static_cast<std::size_t>(ctx.options.integer("iterations"));
  const auto seed = static_cast<std::uint64_t>(ctx.options.integer("seed"));
  const std::size_t n = ctx.pair.rows();
  if (k >= n) {
    throw Error(ErrorCode::TooFewRows, "IMD with k = " + std::to_string(k) + " needs more than k rows; got " +
                                           std::to_string(n));
  }
  std::vector<double> ts(256);
  for (std::size_t s = 0; s < ts.size(); ++s) {
    ts[s] = std::pow(10.0, -1.0 + 2.0 * static_cast<double>(s) / static_cast<double>(ts.size() - 1));
  }
  std::vector<double> descriptors[2];
  for (int which = 0; which < 2; ++which) {
    const Representation& r = which == 0 ? ctx.a() : ctx.b();
    if (r.isConstant(Centering::Columns)) {
      // Every distance is 0: the k-NN graph would be an artefact of tie-breaking.
      throw Error(ErrorCode::Degenerate, std::string("IMD is undefined: the ") + (which == 0 ? "first" : "second") +
                                             " representation has all rows equal");
    }
    const topology::NormalizedLaplacian laplacian(knn(r, k, Metric::Euclidean, &ctx.control));
    Random random(seed);
    const auto gaussian = [&random](std::size_t, std::vector<double>& out) {
      for (double& v : out) v = random.normal();
    };
    descriptors[which] = topology::heatTrace(laplacian, iterations, gaussian, steps, ts, &ctx.control,
                                             static_cast<std::size_t>(which) * iterations, 2 * iterations);
    for (double& h : descriptors[which]) h = h / static_cast<double>(n) * 1e6;
  }
  double score = 0.0;
  for (std::size_t s = 0; s < ts.size(); ++s) {
    const double weight = std::exp(-2.0 * (ts[s] + 1.0 / ts[s]));
    score = std::max(score, weight * std::abs(descriptors[0][s] - descriptors[1][s]));
  }
  return score;
}

// Distances from every row of r (witnesses) to the rows `landmarks` (N × L), on the column-centred data
// (translation-invariant): the Gram expansion by one gemm, recomputed by direct differences where it
// cancels (d² < 1e-4 of ‖x‖² + ‖l‖²), so a landmark is at distance exactly 0 from itself.
Matrix witnessDistances(const Representation& r, const std::vector<std::size_t>& landmarks) {
  const MatrixView x = r.data(Centering::Columns);
  const std::size_t n = x.rows, d = x.cols, l = landmarks.size();
  const auto& norms = r.memo<std::vector<double>>("topology:centred-row-norms", [&] {
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) {
      double s = 0.0;
      for (std::size_t c = 0; c < d; ++c) s += x(i, c) * x(i, c);
      out[i] = s;
    }
    return out;
  });
  Matrix chosen = Matrix::uninitialized(l, d);
  for (std::size_t j = 0; j < l; ++j) std::copy_n(x.row(landmarks[j]), d, chosen.row(j));
  Matrix out = multiply(x, Trans::No, chosen.view(), Trans::Yes);
  for (std::size_t i = 0; i < n; ++i) {
    if ((i & 0xff) == 0) checkpoint();
    for (std::size_t j = 0; j < l; ++j) {
      const double scale = norms[i] + norms[landmarks[j]];
      double squared = scale - 2.0 * out(i, j);
      if (squared < 1e-4 * scale) {
        squared = 0.0;
        for (std::size_t c = 0; c < d; ++c) {
          const double diff = x(i, c) - chosen(j, c);
          squared += diff * diff;
        }
      }
      out(i, j) = std::sqrt(std::max(0.0, squared));
    }
  }
  return out;
}

// Geometry Score (Khrulkov & Oseledets 2018, Algorithms 1–2; KhrulkovV/geometry-score `rlts`,
// `geom_score`): per repetition, L landmarks drawn uniformly with replacement, the witness complex of all
// rows on them up to alpha_max = gamma·(largest witness–landmark distance), and the relative living
// times of its H1 bars; the score is Σ_i (mean RLT_a(i) − mean RLT_b(i))². Both inputs use the same
// seeded landmark indices, so GS(X, X) = 0 and the score is symmetric.
double geometryScore(const MeasureContext& ctx) {
  const std::size_t n = ctx.pair.rows();
  const auto landmarks = static_cast<std::size_t>(ctx.options.integer("landmarks"));
  // gamma absent: the reference default N / (128 · 5000).
  const double gamma =
      ctx.options.has("gamma") ? ctx.options.number("gamma") : static_cast<double>(n) / (128.0 * 5000.0);
  const auto iMax = static_cast<std::size_t>(ctx.options.integer("iMax"));
  const auto repetitions = static_cast<std::size_t>(ctx.options.integer("repetitions"));
  const auto seed = static_cast<std::uint64_t>(ctx.options.integer("seed"));
  std::vector<double> mean[2];
  for (int which = 0; which < 2; ++which) {
    const Representation& r = which == 0 ? ctx.a() : ctx.b();
    if (r.isConstant(Centering::Columns)) {
      throw Error(ErrorCode::Degenerate, std::string("the geometry score is undefined: the ") +
                                             (which == 0 ? "first" : "second") + " representation has all rows equal");
    }
    mean[which].assign(iMax, 0.0);
    Random random(seed);
    std::vector<std::size_t> chosen(landmarks);
    for (std::size_t rep = 0; rep < repetitions; ++rep) {
      ctx.control.step(static_cast<std::size_t>(which) * repetitions + rep, 2 * repetitions);
      for (auto& index : chosen) index = static_cast<std::size_t>(random.below(n));
      const Matrix table = witnessDistances(r, chosen);
      const double maxDistance = *std::max_element(table.data(), table.data() + table.size());
      const double alphaMax = maxDistance * gamma;
      const auto rlt = topology::relativeLivingTimes(topology::witnessComplexH1(table.view(), alphaMax), alphaMax, iMax);
      for (std::size_t i = 0; i < iMax; ++i) mean[which][i] += rlt[i];
    }
    for (double& v : mean[which]) v /= static_cast<double>(repetitions);
  }
  double score = 0.0;
  for (std::size_t i = 0; i < iMax; ++i) score += (mean[0][i] - mean[1][i]) * (mean[0][i] - mean[1][i]);
  return score;
}

// Working memory (MemoryEstimate). Geometry score: per input the centred copy, the N × L witness table
// and the witness complex's L³ triangle table.
double geometryScoreMemory(const MemoryShape& s, const Options& options) {
  const auto l = static_cast<double>(options.integer("landmarks"));
  const double rows = static_cast<double>(s.rows);
  return memory::matrix(rows, static_cast<double>(s.colsA + s.colsB)) + 2 * memory::matrix(rows, l + 1) +
         memory::matrix(l, static_cast<double>(std::max(s.colsA, s.colsB))) + memory::matrix(l * l, l + 2);
}

// IMD: per input its k-NN lists and sparse Laplacian (≤ 2k entries per row), then 64 start vectors and
// a Lanczos basis per thread.
double imdMemory(const MemoryShape& s, const Options& options) {
  const auto k = std::min(static_cast<std::size_t>(options.integer("k")), s.rows);
  const auto steps = static_cast<double>(options.integer("lanczosSteps"));
  const double rows = static_cast<double>(s.rows);
  const double laplacian = rows * (16.0 + 2.0 * static_cast<double>(k) * 12.0);
  const double lanczos = memory::matrix(rows, 64.0 + static_cast<double>(std::max(1, blasThreads())) * (steps + 3.0));
  return knnMemoryBytes(s.rows, s.colsA, k) + knnMemoryBytes(s.rows, s.colsB, k) + laplacian + lanczos + s.float64CopyBytes;
}

// RTD: per block of trials the normalised distance matrices of both subsamples (and the distance
// computation's own n × n and n × D intermediates), and the concurrent cross-barcodes of 2n points
// (about 80·n² bytes each, the cap rtd() applies).
double rtdMemory(const MemoryShape& s, const Options& options) {
  const auto batch = static_cast<double>(options.integer("batch"));
  const double n = std::min(batch, static_cast<double>(s.rows));
  const double bytesPerCross = 80.0 * n * n;
  const double concurrent = std::min(static_cast<double>(std::max(1, blasThreads())), std::max(2.0, std::floor(1e9 / bytesPerCross)));
  const double block = std::max(1.0, std::floor(concurrent / 2));
  const double distances = 2 * memory::matrix(n, n) + 3 * memory::matrix(n, n) +
                           3 * memory::matrix(n, static_cast<double>(std::max(s.colsA, s.colsB)));
  return block * distances + concurrent * bytesPerCross;
}

}  // namespace

const std::vector<MeasureDef>& topologyMeasures() {
  static const OptionSpec seed = integerOption("seed", 0).atLeast(0).atMost(kMaxSeed);
  static const std::vector<MeasureDef> list = {
      MeasureDef("geometry-score", geometryScore)
          .withMinRows(2)
          .option(integerOption("landmarks", 64).atLeast(3).atMost(128))
          .option(numberOption("gamma").above(0.0).atMost(1.0))  // absent: N / (128 · 5000), see geometryScore
          .option(integerOption("iMax", 100).atLeast(1).atMost(10000))
          .option(integerOption("repetitions", 100).atLeast(1).atMost(100000))
          .option(seed)
          .withMemory(geometryScoreMemory),
      MeasureDef("imd", imd)
          .withMinRows(2)
          .option(integerOption("k", 5).atLeast(1).atMost(1000000))
          .option(integerOption("lanczosSteps", 10).atLeast(1).atMost(200))
          .option(integerOption("iterations", 100).atLeast(1).atMost(100000))
          .option(seed)
          .withMemory(imdMemory),
      MeasureDef("rtd", rtd)
          .withMinRows(3)
          .option(integerOption("trials", 10).atLeast(1).atMost(10000))
          .option(integerOption("batch", 500).atLeast(3).atMost(1000000))
          .option(seed)
          .withMemory(rtdMemory),
  };
  return list;
}

}  // namespace nnsim
