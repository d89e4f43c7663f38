// fitAffineMap: the closed-form stitching layer (native/core/regression.hpp).
#pragma once

#include <napi.h>

namespace nnsim::binding {

// fitAffineMap(a: Float64Array, aRows, aCols, b: Float64Array, bRows, bCols, options?: { ridge?: number })
//   -> { weights: Float64Array (aCols × bCols, row-major), bias: Float64Array (bCols) }
Napi::Value FitAffineMap(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
