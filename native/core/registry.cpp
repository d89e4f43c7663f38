#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "measure.hpp"

namespace nnsim {
namespace {

using FamilyList = const std::vector<MeasureDef>& (*)();
constexpr FamilyList kFamilies[] = {ccaMeasures,      alignmentMeasures, matchingMeasures,  rsmMeasures,
                                    neighborMeasures, topologyMeasures,  statisticsMeasures};

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
  ctx.control.throwIfCancelled();
  const double value = def->kernel(MeasureContext{ctx.pair, options, ctx.labels, ctx.control});
  if (!std::isfinite(value)) {
    throw Error(ErrorCode::Numerical, "measure '" + id + "' produced a non-finite value");
  }
  return value;
}

void requirePositive(double value, const std::string& what) {
  if (!(value > 0.0)) throw Error(ErrorCode::Degenerate, what);
}

}  // namespace nnsim
