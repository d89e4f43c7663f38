// JS classes of the binding: a prepared representation (zero-copy over a Float64Array) and a run
// control (cancellation flag shared with async workers).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "representation.hpp"

namespace nnsim::binding {

// Objects are type-tagged at construction (napi_type_tag_object) and checked on every unwrap, so
// neither a spoofed `instanceof` (Symbol.hasInstance) nor a method applied to another wrapped class can
// make the binding reinterpret one C++ object as another. Methods and accessors are plain prototype
// functions that check the tag of `this` themselves, so a wrong receiver is an E_TYPE NnsimError.
class NativeRepresentation : public Napi::ObjectWrap<NativeRepresentation> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeRepresentation(const Napi::CallbackInfo& info);

  const Representation& core() const { return *representation_; }
  // Unwraps `value` if it is a NativeRepresentation whose memory is still attached, else throws.
  static NativeRepresentation& From(Napi::Env env, const Napi::Value& value, const char* what);

  // An async worker reads the representation's data on another thread while JS runs, and JS can
  // transfer (detach) the Float64Array meanwhile — N-API cannot pin it. So before its first async use the
  // core adopts a copy of the data (N·D·8 bytes, kept until release() so repeated async calls copy
  // once; none when the magnitude rule already made one), and every use re-checks that the JS array is
  // still attached (E_DETACHED otherwise).
  void adoptCopyForAsync();

  // Async workers hold the representation while they run (main thread only). release() frees the core
  // and its cached intermediates at once, or when the last worker using it has finished: ObjectWrap
  // finalizers only run once the event loop turns, so a synchronous loop of comparisons would otherwise
  // keep every comparison's N × N matrices alive until it returns.
  void beginUse() { ++users_; }
  void endUse();

 private:
  static Napi::Value Rows(const Napi::CallbackInfo& info);
  static Napi::Value Cols(const Napi::CallbackInfo& info);
  static Napi::Value Release(const Napi::CallbackInfo& info);
  void freeCore();
  // Throws E_DETACHED if the Float64Array's buffer was detached or moved since construction.
  void checkAttached(Napi::Env env, const char* what) const;

  Napi::Reference<Napi::Value> data_;  // keeps the Float64Array (and its memory) alive
  const double* jsData_ = nullptr;     // where the Float64Array's elements were at construction
  std::size_t jsLength_ = 0;
  std::unique_ptr<Representation> representation_;
  int users_ = 0;
  bool releaseRequested_ = false;
};

class NativeControl : public Napi::ObjectWrap<NativeControl> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeControl(const Napi::CallbackInfo& info);

  std::shared_ptr<std::atomic<bool>> flag() const { return flag_; }
  static NativeControl* FromOptional(Napi::Env env, const Napi::Value& value);

 private:
  static Napi::Value Cancel(const Napi::CallbackInfo& info);
  static Napi::Value Cancelled(const Napi::CallbackInfo& info);

  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

// Tags `object` as created by class `tag`, and checks such a tag.
void tagObject(Napi::Env env, const Napi::Object& object, const napi_type_tag* tag);
bool hasTag(Napi::Env env, const Napi::Value& value, const napi_type_tag* tag);

}  // namespace nnsim::binding
