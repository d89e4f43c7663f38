#include <cmath>
#include <string>

#include "measure.hpp"

namespace nnsim {
namespace {

using FamilyList = const std::vector<MeasureDef>& (*)();
constexpr FamilyList kFamilies[] = {ccaMeasures,      alignmentMeasures, matchingMeasures,  rsmMeasures,
                                    neighborMeasures, topologyMeasures,  statisticsMeasures};

}  // namespace

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
  const MatrixOptions matrices =
      (ctx.matrices != nullptr ? *ctx.matrices : MatrixOptions()).resolved(def->matrixOptions, ctx.pair.rows(), "measure '" + id + "'");
  ctx.control.throwIfCancelled();
  const double value = def->kernel(MeasureContext{ctx.pair, options, ctx.labels, ctx.control, &matrices});
  if (!std::isfinite(value)) {
    throw Error(ErrorCode::Numerical, "measure '" + id + "' produced a non-finite value");
  }
  return value;
}

void requirePositive(double value, const std::string& what) {
  if (!(value > 0.0)) throw Error(ErrorCode::Degenerate, what);
}

}  // namespace nnsim
