#include "regression_binding.hpp"

#include <cstring>

#include "convert.hpp"
#include "regression.hpp"

namespace nnsim::binding {

Napi::Value FitAffineMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 7) throwError(env, ErrorCode::Type, "fitAffineMap(a, aRows, aCols, b, bRows, bCols, ridge) needs 7 arguments");
    const MatrixView a = matrixArgument(env, info[0], info[1], info[2]);
    const MatrixView b = matrixArgument(env, info[3], info[4], info[5]);
    if (!info[6].IsNumber()) throwError(env, ErrorCode::Type, "fitAffineMap: ridge must be a number");
    const AffineFit fit = fitAffineMap(a, b, info[6].As<Napi::Number>().DoubleValue());
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
