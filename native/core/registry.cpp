#include <algorithm>
#include <climits>
#include <cmath>
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
  const RepresentationPair pair(scaledA ? *scaledA : a, scaledB ? *scaledB : b);
  const MeasureContext scaled{pair, ctx.options, ctx.labels, ctx.control};
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

}  // namespace

ScaleRule homogeneousOfDegree1(const Options&) { return {ScaleRule::Homogeneous, 1}; }
ScaleRule homogeneousOfDegree0(const Options&) { return {ScaleRule::Homogeneous, 0}; }
ScaleRule ownScale(const Options&) { return {ScaleRule::OwnScale, 0}; }

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

double runMeasure(const std::string& id, const MeasureContext& ctx) {
  const MeasureDef* def = findMeasure(id);
  if (def == nullptr) throw Error(ErrorCode::UnknownMeasure, "unknown measure '" + id + "'");
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
  const RunControl::Scope scope(&ctx.control);
  ctx.control.throwIfCancelled();
  takeLapackReport();  // a report left by an earlier call on this thread is not this measure's
  const double value = runKernel(*def, MeasureContext{ctx.pair, options, ctx.labels, ctx.control});
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
