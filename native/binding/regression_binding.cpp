#include "regression_binding.hpp"

#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "convert.hpp"
#include "native_objects.hpp"
#include "promise_worker.hpp"
#include "regression.hpp"
#include "run_control.hpp"

namespace nnsim::binding {
namespace {

// The fit and the stitched representation X W + b: X = A, or the rows the map is applied to instead
// (held-out inputs of a cross-validation).
struct Stitched {
  AffineFit fit;
  Matrix applied;
};

Stitched fitAndApply(MatrixView a, MatrixView b, MatrixView x, const Options& options, const RunControl& control) {
  const RunControl::Scope scope(&control);
  Stitched out;
  out.fit = fitAffineMap(a, b, options);
  control.throwIfCancelled();
  out.applied = applyAffineMap(out.fit, x);
  return out;
}

// The optional trailing (x, xRows, xCols) at `first`: the rows the map is applied to, or none.
std::optional<MatrixView> appliedToArgument(Napi::Env env, const Napi::CallbackInfo& info, std::size_t first) {
  if (info[first].IsUndefined() || info[first].IsNull()) return std::nullopt;
  return matrixArgument(env, info[first], info[first + 1], info[first + 2]);
}

Napi::Float64Array toFloat64Array(Napi::Env env, const double* data, std::size_t size) {
  Napi::Float64Array out = Napi::Float64Array::New(env, size);
  if (size > 0) std::memcpy(out.Data(), data, size * sizeof(double));
  return out;
}

Napi::Object stitchedToJs(Napi::Env env, const Stitched& s) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("weights", toFloat64Array(env, s.fit.weights.data(), s.fit.weights.size()));
  out.Set("bias", toFloat64Array(env, s.fit.bias.data(), s.fit.bias.size()));
  out.Set("stitched", toFloat64Array(env, s.applied.data(), s.applied.size()));
  return out;
}

// The async form's task: copies of A, B and X (JS may transfer their buffers while it runs).
struct FitTask {
  Matrix a;
  Matrix b;
  std::optional<Matrix> x;
  Options options;
  Stitched run(const RunControl& control) const {
    return fitAndApply(a.view(), b.view(), x ? x->view() : a.view(), options, control);
  }
  static Napi::Value toJs(Napi::Env env, const Stitched& s) { return stitchedToJs(env, s); }
};

}  // namespace

Napi::Value FitAffineMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 6) {
      throwError(env, ErrorCode::Type,
                 "fitAffineMap(a, aRows, aCols, b, bRows, bCols, options?, timeout?, x?, xRows?, xCols?) needs 6 arguments");
    }
    // Options first: their getters run JS, which must not see (or detach) the data after it is viewed.
    const Options options = resolvedOptionsArgument(env, info[6], affineMapOptionSpecs(), "fitAffineMap");
    RunControl control;
    control.setTimeout(timeoutArgument(env, info[7]));
    const MatrixView a = matrixArgument(env, info[0], info[1], info[2]);
    const MatrixView b = matrixArgument(env, info[3], info[4], info[5]);
    const std::optional<MatrixView> x = appliedToArgument(env, info, 8);
    return stitchedToJs(env, fitAndApply(a, b, x.value_or(a), options, control));
  });
}

Napi::Value FitAffineMapAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 6) {
      throwError(env, ErrorCode::Type,
                 "fitAffineMapAsync(a, aRows, aCols, b, bRows, bCols, options?, control?, x?, xRows?, xCols?) needs 6 arguments");
    }
    Options options = resolvedOptionsArgument(env, info[6], affineMapOptionSpecs(), "fitAffineMap");
    NativeControl* control = NativeControl::FromOptional(env, info[7]);
    auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
    Matrix a = Matrix::copyOf(matrixArgument(env, info[0], info[1], info[2]));
    Matrix b = Matrix::copyOf(matrixArgument(env, info[3], info[4], info[5]));
    std::optional<Matrix> x;
    if (const std::optional<MatrixView> view = appliedToArgument(env, info, 8)) x = Matrix::copyOf(*view);
    return PromiseWorker<FitTask, Stitched>::start(
        env, "nnsim.fitAffineMap", FitTask{std::move(a), std::move(b), std::move(x), std::move(options)}, std::move(flag));
  });
}

}  // namespace nnsim::binding
