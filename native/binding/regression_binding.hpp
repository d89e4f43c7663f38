// fitAffineMap: the closed-form stitching layer (native/core/regression.hpp) and the stitched
// representation it gives.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// fitAffineMap(a: Float64Array, aRows, aCols, b: Float64Array, bRows, bCols, options?: { ridge?: number },
//              timeout?: ms)
//   -> { weights: Float64Array (aCols × bCols, row-major), bias: Float64Array (bCols),
//        stitched: Float64Array (aRows × bCols: a·weights + bias) }
Napi::Value FitAffineMap(const Napi::CallbackInfo& info);

// fitAffineMapAsync(same first 7 arguments, control?: NativeControl) -> Promise<same result>, computed on a
// worker thread from copies of a and b.
Napi::Value FitAffineMapAsync(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
