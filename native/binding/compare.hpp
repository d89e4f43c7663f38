// compare / compareAsync: run a list of measures on one pair of prepared representations, sharing
// every intermediate through one RepresentationPair. Each measure yields a number or an error record;
// one failing measure does not hide the others.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// compare(ids: string[], options: object[], a: NativeRepresentation, b: NativeRepresentation,
//         labels?: Int32Array, timeout?: number (ms),
//         matrices?: ({ [name]: { data: Float64Array, rows, cols } } | undefined)[])
//   -> Array<number | { code, message }>
// `matrices` holds each measure's matrix-valued options (one entry per id), handed to the core beside
// the scalar options, as the labels are; the core checks them against the measure's spec.
Napi::Value Compare(const Napi::CallbackInfo& info);

// compareAsync(ids, options, a, b, labels?, control?: NativeControl,
//              onProgress?: (measureIndex, done, total) => void, matrices?) -> Promise<same as compare>
// The worker computes on the representations' own copies of their data (adopted on first async use);
// the matrices are copied into the job.
Napi::Value CompareAsync(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
