// JS classes of the binding: a prepared representation (zero-copy over a Float64Array or Float32Array) and a run
// control (cancellation flag shared with async workers).
#pragma once

#include <napi.h>

#include <atomic>
#include <initializer_list>
#include <memory>
#include <utility>

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
  // transfer (detach) the typed array meanwhile — N-API cannot pin it. So before its first async use the
  // core adopts a copy of the data in its own element type (N·D·8 bytes, or N·D·4 for a Float32Array,
  // kept until release() so repeated async calls copy once; none when the magnitude rule already made
  // one), and every use re-checks that the JS array is still attached (E_DETACHED otherwise).
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
  // Bytes a float64 copy of a float32 input would take if a measure needed one now (0 once made, or for
  // float64 input): lets tests see that float32 data was read in place.
  static Napi::Value Float64CopyBytes(const Napi::CallbackInfo& info);
  static Napi::Value Release(const Napi::CallbackInfo& info);
  void freeCore();
  // Throws E_DETACHED if the typed array's buffer was detached or moved since construction.
  void checkAttached(Napi::Env env, const char* what) const;

  Napi::Reference<Napi::Value> data_;  // keeps the typed array (and its memory) alive
  const void* jsData_ = nullptr;       // where the typed array's elements were at construction
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

// Adds methods and getters to a class's prototype as plain functions (no receiver check by V8 or by
// ObjectWrap's unwrap, whose failures are not NnsimErrors): each checks `this` itself.
void definePrototype(Napi::Env env, const Napi::Function& constructor,
                     std::initializer_list<std::pair<const char*, Napi::Function::Callback>> methods,
                     std::initializer_list<std::pair<const char*, Napi::Function::Callback>> getters);

// Tags `object` as created by class `tag`, and checks such a tag.
void tagObject(Napi::Env env, const Napi::Object& object, const napi_type_tag* tag);
bool hasTag(Napi::Env env, const Napi::Value& value, const napi_type_tag* tag);

}  // namespace nnsim::binding
