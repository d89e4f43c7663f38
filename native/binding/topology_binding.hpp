// persistence / persistenceAsync: Vietoris–Rips barcodes (native/core/topology/persistence.hpp) of a
// distance matrix or of a point cloud.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// persistence(data: Float64Array, rows, cols, options?: { maxDim?: 0 | 1, threshold?: number,
//             input?: 'distances' | 'points' }, timeout?: number (ms))
//   -> Array<{ births: Float64Array, deaths: Float64Array }>
// (one entry per dimension 0..maxDim; an essential class has death Infinity).
Napi::Value Persistence(const Napi::CallbackInfo& info);

// persistenceAsync(same arguments, control?: NativeControl) -> Promise<same result>, computed on a
// worker thread from a copy of the input.
Napi::Value PersistenceAsync(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
