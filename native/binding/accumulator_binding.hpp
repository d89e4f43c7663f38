// JS class of the binding for streaming accumulators (native/core/streaming.hpp): push row batches
// (Float64Array or Float32Array, read in place by push, copied by pushAsync), merge, result, state.
#pragma once

#include <napi.h>

#include <memory>
#include <utility>

#include "streaming.hpp"

namespace nnsim::binding {

// Type-tagged like NativeRepresentation; methods and accessors are plain prototype functions that check
// the tag of `this` themselves (a wrong receiver is an E_TYPE NnsimError).
class NativeAccumulator : public Napi::ObjectWrap<NativeAccumulator> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeAccumulator(ids, options[], colsA, colsB, precision)
  explicit NativeAccumulator(const Napi::CallbackInfo& info);

 private:
  static Napi::Value Push(const Napi::CallbackInfo& info);
  static Napi::Value PushAsync(const Napi::CallbackInfo& info);
  static Napi::Value Merge(const Napi::CallbackInfo& info);
  static Napi::Value Result(const Napi::CallbackInfo& info);
  static Napi::Value State(const Napi::CallbackInfo& info);
  static Napi::Value Restore(const Napi::CallbackInfo& info);
  static Napi::Value Rows(const Napi::CallbackInfo& info);
  static Napi::Value Batches(const Napi::CallbackInfo& info);

  // Unwraps a NativeAccumulator (type-tagged) that no async push is using, else throws.
  static NativeAccumulator& From(Napi::Env env, const Napi::Value& value, const char* what);
  std::pair<SourceView, SourceView> batchArguments(const Napi::CallbackInfo& info) const;

  friend class PushWorker;
  std::unique_ptr<Accumulator> accumulator_;
  bool busy_ = false;  // an async push owns the accumulator until it settles
};

}  // namespace nnsim::binding
