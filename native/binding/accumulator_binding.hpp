// JS class of the binding for streaming accumulators (native/core/streaming.hpp): push row batches
// (Float64Array or Float32Array, read in place by push, copied by pushAsync), merge, result, state.
#pragma once

#include <napi.h>

#include <memory>

#include "streaming.hpp"

namespace nnsim::binding {

class NativeAccumulator : public Napi::ObjectWrap<NativeAccumulator> {
 public:
  static Napi::Function Define(Napi::Env env);
  // new NativeAccumulator(ids, options[], colsA, colsB, precision)
  explicit NativeAccumulator(const Napi::CallbackInfo& info);

 private:
  Napi::Value Push(const Napi::CallbackInfo& info);
  Napi::Value PushAsync(const Napi::CallbackInfo& info);
  Napi::Value Merge(const Napi::CallbackInfo& info);
  Napi::Value Result(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value Restore(const Napi::CallbackInfo& info);
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Batches(const Napi::CallbackInfo& info);

  // Unwraps a NativeAccumulator (type-tagged) that no async push is using, else throws.
  static NativeAccumulator& From(Napi::Env env, const Napi::Value& value, const char* what);

  friend class PushWorker;
  std::unique_ptr<Accumulator> accumulator_;
  bool busy_ = false;  // an async push owns the accumulator until it settles
};

}  // namespace nnsim::binding
