// RSM-based measures: compare the inputs' similarity structure (kernels, distance matrices).
#include <cmath>

#include "measure.hpp"

namespace nnsim {
namespace {

// Linear CKA with the biased HSIC estimator (Kornblith et al. 2019, Eq. 4):
//   CKA = ‖YcᵀXc‖_F² / (‖XcᵀXc‖_F ‖YcᵀYc‖_F).
// The pair works in feature space (D x D' products over N inputs) when D <= N and in an N x N
// factor space otherwise (RowSpaceFactor), so the cost is min(N·D², N²·D)-like either way.
double cka(const MeasureContext& ctx) {
  const std::string kernel = ctx.options.choice("kernel", "linear", {"linear"});
  const std::string estimator = ctx.options.choice("estimator", "biased", {"biased"});
  (void)kernel;
  (void)estimator;
  for (const Representation* r : {&ctx.a(), &ctx.b()}) {
    if (r->isConstant(Centering::Columns)) {
      throw Error(ErrorCode::Degenerate,
                  std::string("CKA is undefined: the ") + (r == &ctx.a() ? "first" : "second") +
                      " representation has all rows equal (zero variance after centring)");
    }
  }
  const double cross = ctx.pair.crossSquaredNorm(Centering::Columns);
  const double selfA = ctx.a().covarianceSquaredNorm(Centering::Columns);
  const double selfB = ctx.b().covarianceSquaredNorm(Centering::Columns);
  return cross / (std::sqrt(selfA) * std::sqrt(selfB));
}

}  // namespace

const std::vector<MeasureDef>& rsmMeasures() {
  static const std::vector<MeasureDef> list = {
      {"cka", cka, 2, false},
  };
  return list;
}

}  // namespace nnsim
