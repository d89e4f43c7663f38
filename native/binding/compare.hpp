// compare / compareAsync: run a list of measures on one pair of prepared representations, sharing
// every intermediate through one RepresentationPair. Each measure yields a number or an error record;
// one failing measure does not hide the others.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// compare(ids: string[], options: object[], a: NativeRepresentation, b: NativeRepresentation,
//         labels?: Int32Array, timeout?: number (ms)) -> Array<number | { code, message }>
Napi::Value Compare(const Napi::CallbackInfo& info);

// compareAsync(ids, options, a, b, labels?, control?: NativeControl,
//              onProgress?: (measureIndex, done, total) => void) -> Promise<same as compare>
// The worker computes on the representations' own copies of their data (adopted on first async use).
Napi::Value CompareAsync(const Napi::CallbackInfo& info);

}  // namespace nnsim::binding
