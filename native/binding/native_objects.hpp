// JS classes of the binding: a prepared representation (zero-copy over a Float64Array) and a run
// control (cancellation flag shared with async workers).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "representation.hpp"

namespace nnsim::binding {

struct AddonData {
  Napi::FunctionReference representationClass;
  Napi::FunctionReference controlClass;
};

class NativeRepresentation : public Napi::ObjectWrap<NativeRepresentation> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeRepresentation(const Napi::CallbackInfo& info);

  const Representation& core() const { return *representation_; }
  // Unwraps `value` if it is a NativeRepresentation, else throws E_TYPE.
  static NativeRepresentation& From(Napi::Env env, const Napi::Value& value, const char* what);

 private:
  Napi::Value Rows(const Napi::CallbackInfo& info);
  Napi::Value Cols(const Napi::CallbackInfo& info);

  Napi::Reference<Napi::Value> data_;  // keeps the Float64Array (and its memory) alive
  std::unique_ptr<Representation> representation_;
};

class NativeControl : public Napi::ObjectWrap<NativeControl> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeControl(const Napi::CallbackInfo& info);

  std::shared_ptr<std::atomic<bool>> flag() const { return flag_; }
  static NativeControl* FromOptional(Napi::Env env, const Napi::Value& value);

 private:
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Cancelled(const Napi::CallbackInfo& info);

  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace nnsim::binding
