// fitAffineMap: the closed-form stitching layer (native/core/regression.hpp) and the stitched
// representation it gives.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// fitAffineMap(a: Float64Array, aRows, aCols, b: Float64Array, bRows, bCols, options?: { ridge?: number },
//              timeout?: ms, x?: Float64Array, xRows?, xCols?)
//   -> { weights: Float64Array (aCols × bCols, row-major), bias: Float64Array (bCols),
//        stitched: Float64Array (xRows × bCols: x·weights + bias; x = a when not given) }
Napi::Value FitAffineMap(const Napi::CallbackInfo& info);

// fitAffineMapAsync(same first 7 arguments, control?: NativeControl, x?, xRows?, xCols?) -> Promise<same
// result>, computed on a worker thread from copies of a, b and x.
Napi::Value FitAffineMapAsync(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
