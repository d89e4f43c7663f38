#include "regression_binding.hpp"

#include <cstring>

#include "convert.hpp"
#include "regression.hpp"

namespace nnsim::binding {

Napi::Value FitAffineMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 6) {
      throwError(env, ErrorCode::Type, "fitAffineMap(a, aRows, aCols, b, bRows, bCols, options?) needs 6 arguments");
    }
    // Options first: their getters run JS, which must not see (or detach) the data after it is viewed.
    const Options options = resolvedOptionsArgument(env, info[6], affineMapOptionSpecs(), "fitAffineMap");
    const MatrixView a = matrixArgument(env, info[0], info[1], info[2]);
    const MatrixView b = matrixArgument(env, info[3], info[4], info[5]);
    const AffineFit fit = fitAffineMap(a, b, options);
    Napi::Float64Array weights = Napi::Float64Array::New(env, fit.weights.size());
    std::memcpy(weights.Data(), fit.weights.data(), fit.weights.size() * sizeof(double));
    Napi::Float64Array bias = Napi::Float64Array::New(env, fit.bias.size());
    std::memcpy(bias.Data(), fit.bias.data(), fit.bias.size() * sizeof(double));
    Napi::Object out = Napi::Object::New(env);
    out.Set("weights", weights);
    out.Set("bias", bias);
    return out;
  });
}

}  // namespace nnsim::binding
