#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "lapack_errors.hpp"
#include "measure.hpp"

namespace nnsim {
namespace {

using FamilyList = const std::vector<MeasureDef>& (*)();
constexpr FamilyList kFamilies[] = {ccaMeasures,      alignmentMeasures, matchingMeasures,  rsmMeasures,
                                    neighborMeasures, topologyMeasures,  statisticsMeasures};

// Two inputs whose largest entries differ by more than this factor (as a power of two) cannot be brought
// to one scale where both are safe: the smaller one's squares would underflow.
constexpr int kMaxMagnitudeSpread = 2 * Representation::kSafeExponent;

// value · 2^exponent, the value of a homogeneous measure at its inputs' own scale.
double scaleBack(const MeasureDef& def, double value, int exponent) {
  const double out = std::ldexp(value, exponent);
  if (std::isfinite(value) && !std::isfinite(out)) {
    throw Error(ErrorCode::Numerical, "measure '" + std::string(def.id) +
                                          "': its value exceeds the range of double precision (the inputs' entries are too large)");
  }
  return out;
}

// A homogeneous measure on inputs at different scales: both are copied to the scale of the larger one.
double runAtCommonScale(const MeasureDef& def, const MeasureContext& ctx, int degree) {
  const Representation& a = ctx.a();
  const Representation& b = ctx.b();
  const int common = std::max(a.magnitude(), b.magnitude());  // ilogb of the larger max |entry|
  const int smaller = std::min(a.magnitude(), b.magnitude());
  if (smaller != INT_MIN && common - smaller > kMaxMagnitudeSpread) {
    throw Error(ErrorCode::Numerical,
                "measure '" + std::string(def.id) + "' needs both inputs at one scale, but their largest entries "
                "differ by a factor 2^" + std::to_string(common - smaller) + " (more than 2^" +
                    std::to_string(kMaxMagnitudeSpread) + ") and one of them lies outside [2^-" +
                    std::to_string(Representation::kSafeExponent) + ", 2^" + std::to_string(Representation::kSafeExponent) +
                    "): rescale the inputs to comparable magnitudes");
  }
  std::unique_ptr<Representation> scaledA, scaledB;
  if (a.scaleExponent() != common) scaledA = Representation::atScale(a, common);
  if (b.scaleExponent() != common) scaledB = Representation::atScale(b, common);
  const RepresentationPair pair(scaledA ? *scaledA : a, scaledB ? *scaledB : b, ctx.pair.precision());
  const MeasureContext scaled{pair, ctx.options, ctx.labels, ctx.control, ctx.matrices};
  return scaleBack(def, def.kernel(scaled), degree * common);
}

double runKernel(const MeasureDef& def, const MeasureContext& ctx) {
  const int ea = ctx.a().scaleExponent(), eb = ctx.b().scaleExponent();
  if (ea == 0 && eb == 0) return def.kernel(ctx);
  const ScaleRule rule = def.scaling != nullptr ? def.scaling(ctx.options) : ScaleRule{};
  if (rule.kind != ScaleRule::Homogeneous) return def.kernel(ctx);
  if (ea == eb) return scaleBack(def, def.kernel(ctx), rule.degree * ea);
  return runAtCommonScale(def, ctx, rule.degree);
}

std::atomic<double> gMemoryLimit{std::numeric_limits<double>::infinity()};

// What no estimate lists: small per-column vectors, the memo's bookkeeping, the allocator's slack and
// the BLAS threads' buffers (about 10 MB measured for any measure at N = 3000).
constexpr double kFixedAllowance = 16 << 20;

std::string byteText(double bytes) {
  char buffer[64];
  if (bytes >= 1e12) {
    std::snprintf(buffer, sizeof buffer, "%.1f TB", bytes / 1e12);
  } else if (bytes >= 1e9) {
    std::snprintf(buffer, sizeof buffer, "%.1f GB", bytes / 1e9);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f MB", bytes / 1e6);
  }
  return buffer;
}

const MeasureDef& definition(const std::string& id) {
  const MeasureDef* def = findMeasure(id);
  if (def == nullptr) throw Error(ErrorCode::UnknownMeasure, "unknown measure '" + id + "'");
  return *def;
}

}  // namespace

ScaleRule homogeneousOfDegree1(const Options&) { return {ScaleRule::Homogeneous, 1}; }
ScaleRule homogeneousOfDegree0(const Options&) { return {ScaleRule::Homogeneous, 0}; }
ScaleRule ownScale(const Options&) { return {ScaleRule::OwnScale, 0}; }

namespace memory {

double matrix(double rows, double cols) { return 8.0 * rows * cols; }

// dgesdd (JOBZ = 'S' or 'N') on a copy of the m × n matrix: U (m × k), Vᵀ (k × n), and its workspace,
// at most about 7k² + max(m, n) doubles (LAPACK's documented LWORK) plus 8k integers.
double thinSvd(double rows, double cols) {
  const double k = std::min(rows, cols);
  return matrix(rows, cols) + matrix(rows, k) + matrix(k, cols) + matrix(8.0 * k, k) + matrix(2.0 * std::max(rows, cols), 1);
}

double centredSvd(double rows, double cols) { return matrix(rows, cols) + thinSvd(rows, cols); }

// D ≤ N: a view of the data (nothing). D > N: a copy for dgeqrf and the N × N R factor.
double rowSpaceFactor(double rows, double cols) { return cols <= rows ? 0.0 : matrix(rows, cols) + matrix(rows, rows); }

// Feature space (D, D′ ≤ N): D × D′ and the two centring blocks of centeredCrossProduct (up to ~4 MB
// each); else the two row-space factors and their r_a × r_b product; either way the singular values of
// the product.
double crossFactor(double rows, double colsA, double colsB) {
  const double ra = std::min(rows, colsA), rb = std::min(rows, colsB);
  double bytes = matrix(ra, rb) + thinSvd(ra, rb);
  if (colsA <= rows && colsB <= rows) {
    const double block = std::min(rows, std::clamp(std::floor(524288.0 / std::max(colsA, colsB)), 64.0, 4096.0));
    return bytes + matrix(block, colsA + colsB);
  }
  return bytes + rowSpaceFactor(rows, colsA) + rowSpaceFactor(rows, colsB);
}

}  // namespace memory

const MeasureDef* findMeasure(const std::string& id) {
  for (FamilyList family : kFamilies) {
    for (const MeasureDef& def : family()) {
      if (id == def.id) return &def;
    }
  }
  return nullptr;
}

std::vector<std::string> measureIds() {
  std::vector<std::string> ids;
  for (FamilyList family : kFamilies) {
    for (const MeasureDef& def : family()) ids.emplace_back(def.id);
  }
  return ids;
}

namespace {

// The estimate of `def` for options already resolved against its spec.
double resolvedEstimate(const MeasureDef& def, const MemoryShape& shape, const Options& resolved) {
  if (def.memory == nullptr) {
    throw Error(ErrorCode::Internal, std::string("measure '") + def.id + "' declares no memory estimate");
  }
  return def.memory(shape, resolved) + kFixedAllowance;
}

}  // namespace

double estimateMemory(const std::string& id, const MemoryShape& shape, const Options& options) {
  const MeasureDef& def = definition(id);
  return resolvedEstimate(def, shape, options.resolved(def.options, "measure '" + id + "'"));
}

void setMemoryLimit(double bytes) {
  if (!(bytes > 0.0)) throw Error(ErrorCode::Option, "the memory limit must be a positive number of bytes");
  gMemoryLimit.store(bytes);
}

double memoryLimit() { return gMemoryLimit.load(); }

double runMeasure(const std::string& id, const MeasureContext& ctx) {
  const MeasureDef* def = &definition(id);
  const Options options = ctx.options.resolved(def->options, "measure '" + id + "'");
  if (ctx.pair.rows() < def->minRows) {
    throw Error(ErrorCode::TooFewRows, "measure '" + id + "' needs at least " + std::to_string(def->minRows) +
                                           " rows (inputs); got " + std::to_string(ctx.pair.rows()));
  }
  if (def->needsLabels) {
    if (!ctx.labels.present()) throw Error(ErrorCode::Option, "measure '" + id + "' needs labels");
    if (ctx.labels.size != ctx.pair.rows()) {
      throw Error(ErrorCode::Shape, "measure '" + id + "': got " + std::to_string(ctx.labels.size) + " labels for " +
                                        std::to_string(ctx.pair.rows()) + " rows");
    }
  }
  MemoryShape shape{ctx.pair.rows(), ctx.a().cols(), ctx.b().cols(), 0};
  shape.float64CopyBytes = static_cast<double>(ctx.a().float64CopyBytes()) +
                           (&ctx.b() != &ctx.a() ? static_cast<double>(ctx.b().float64CopyBytes()) : 0.0);
  if (def->needsLabels) {  // (checked present above)
    std::vector<std::int32_t> distinct(ctx.labels.data, ctx.labels.data + ctx.labels.size);
    std::sort(distinct.begin(), distinct.end());
    shape.classes = static_cast<std::size_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
  }
  const double needed = resolvedEstimate(*def, shape, options);
  const double limit = memoryLimit();
  if (needed > limit) {
    throw Error(ErrorCode::OutOfMemory,
                "measure '" + id + "' needs about " + byteText(needed) + " of working memory for N = " +
                    std::to_string(shape.rows) + " inputs (D = " + std::to_string(shape.colsA) + ", D′ = " +
                    std::to_string(shape.colsB) + "), more than the memory limit of " + byteText(limit) +
                    ". Compare a random subset of the inputs (sampleRows() in the library, --rows N --seed S in the "
                    "CLI), use a smaller 'batch' where the measure has one or a streaming accumulator where it "
                    "supports one, or raise the limit with configure({ memoryLimit }) if the machine has the memory");
  }
  const RunControl::Scope scope(&ctx.control);
  const MatrixOptions matrices =
      (ctx.matrices != nullptr ? *ctx.matrices : MatrixOptions()).resolved(def->matrixOptions, ctx.pair.rows(), "measure '" + id + "'");
  ctx.control.throwIfCancelled();
  takeLapackReport();  // a report left by an earlier call on this thread is not this measure's
  const double value = runKernel(*def, MeasureContext{ctx.pair, options, ctx.labels, ctx.control, &matrices});
  // Reports that no checkLapack consumed came from BLAS or from an unchecked call: a bug.
  throwIfLapackReported(("measure '" + id + "'").c_str(), true);
  if (!std::isfinite(value)) {
    throw Error(ErrorCode::Numerical, "measure '" + id + "' produced a non-finite value");
  }
  return value;
}

void requirePositive(double value, const std::string& what) {
  if (!(value > 0.0)) throw Error(ErrorCode::Degenerate, what);
}

}  // namespace nnsim
