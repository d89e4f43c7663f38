#include "native_objects.hpp"

#include "convert.hpp"

namespace nnsim::binding {
namespace {

// Random 128-bit tags, one per class.
constexpr napi_type_tag kRepresentationTag = {0x6e6e73696d2d7265ULL, 0x9b1f3c55d2a84e71ULL};
constexpr napi_type_tag kControlTag = {0x6e6e73696d2d6374ULL, 0x47d0e2a6c1b95f38ULL};

}  // namespace

void tagObject(Napi::Env env, const Napi::Object& object, const napi_type_tag* tag) {
  if (napi_type_tag_object(env, object, tag) != napi_ok) throwError(env, ErrorCode::Internal, "could not tag object");
}

bool hasTag(Napi::Env env, const Napi::Value& value, const napi_type_tag* tag) {
  if (!value.IsObject()) return false;
  bool matches = false;
  return napi_check_object_type_tag(env, value, tag, &matches) == napi_ok && matches;
}

// Adds methods and getters to a class's prototype as plain functions (no receiver check by V8 or by
// ObjectWrap's unwrap, whose failures are not NnsimErrors): each checks `this` itself.
void definePrototype(Napi::Env env, const Napi::Function& constructor,
                     std::initializer_list<std::pair<const char*, Napi::Function::Callback>> methods,
                     std::initializer_list<std::pair<const char*, Napi::Function::Callback>> getters) {
  Napi::Object prototype = constructor.Get("prototype").As<Napi::Object>();
  for (const auto& [name, callback] : methods) {
    prototype.DefineProperty(Napi::PropertyDescriptor::Value(name, Napi::Function::New(env, callback, name),
                                                             napi_configurable));
  }
  for (const auto& [name, callback] : getters) {
    prototype.DefineProperty(Napi::PropertyDescriptor::Accessor(env, prototype, name, callback, napi_configurable));
  }
}

Napi::Function NativeRepresentation::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "NativeRepresentation", {});
  definePrototype(env, constructor, {{"release", &NativeRepresentation::Release}},
                  {{"rows", &NativeRepresentation::Rows},
                   {"cols", &NativeRepresentation::Cols},
                   {"float64CopyBytes", &NativeRepresentation::Float64CopyBytes}});
  return constructor;
}

NativeRepresentation::NativeRepresentation(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeRepresentation>(info) {
  Napi::Env env = info.Env();
  guarded(env, [&] {
    if (info.Length() < 3) throwError(env, ErrorCode::Type, "NativeRepresentation(data, rows, cols) needs 3 arguments");
    const SourceView view = sourceArgument(env, info[0], info[1], info[2]);
    jsData_ = view.data;
    jsLength_ = view.size();
    representation_ = std::make_unique<Representation>(view);
    data_ = Napi::Persistent(info[0]);
    tagObject(env, info.This().As<Napi::Object>(), &kRepresentationTag);
  });
}

NativeRepresentation& NativeRepresentation::From(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!hasTag(env, value, &kRepresentationTag)) {
    throwError(env, ErrorCode::Type, std::string(what) + " must be a NativeRepresentation");
  }
  NativeRepresentation* self = Unwrap(value.As<Napi::Object>());
  if (self == nullptr || !self->representation_ || self->releaseRequested_) {
    throwError(env, ErrorCode::Type, std::string(what) + " was released or is not initialised");
  }
  self->checkAttached(env, what);
  return *self;
}

void NativeRepresentation::checkAttached(Napi::Env env, const char* what) const {
  // JS may have transferred the buffer since construction (even from an option getter run during
  // argument parsing): then the view would dangle. Re-read the typed array and compare.
  napi_value array = data_.Value();
  napi_value buffer = nullptr;
  void* current = nullptr;
  size_t length = 0;
  bool detached = false;
  if (napi_get_typedarray_info(env, array, nullptr, &length, &current, &buffer, nullptr) != napi_ok ||
      napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached ||
      current != jsData_ || length != jsLength_) {
    throwError(env, ErrorCode::Detached,
               std::string("the typed array behind ") + what + " was detached or moved after it was prepared");
  }
}

void NativeRepresentation::adoptCopyForAsync() {
  if (users_ == 0) representation_->adoptCopy();
}

void NativeRepresentation::freeCore() {
  representation_.reset();
  data_.Reset();
}

void NativeRepresentation::endUse() {
  if (users_ > 0) --users_;
  if (users_ == 0 && releaseRequested_) freeCore();
}

Napi::Value NativeRepresentation::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!hasTag(env, info.This(), &kRepresentationTag)) {
      throwError(env, ErrorCode::Type, "release() must be called on a NativeRepresentation");
    }
    NativeRepresentation* self = Unwrap(info.This().As<Napi::Object>());
    self->releaseRequested_ = true;
    if (self->users_ == 0) self->freeCore();
    return env.Undefined();
  });
}

Napi::Value NativeRepresentation::Rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    return Napi::Number::New(env, static_cast<double>(From(env, info.This(), "this").representation_->rows()));
  });
}

Napi::Value NativeRepresentation::Cols(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    return Napi::Number::New(env, static_cast<double>(From(env, info.This(), "this").representation_->cols()));
  });
}

Napi::Value NativeRepresentation::Float64CopyBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    return Napi::Number::New(env, static_cast<double>(From(env, info.This(), "this").representation_->float64CopyBytes()));
  });
}

Napi::Function NativeControl::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "NativeControl", {});
  definePrototype(env, constructor, {{"cancel", &NativeControl::Cancel}}, {{"cancelled", &NativeControl::Cancelled}});
  return constructor;
}

NativeControl::NativeControl(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeControl>(info) {
  tagObject(info.Env(), info.This().As<Napi::Object>(), &kControlTag);
}

NativeControl* NativeControl::FromOptional(Napi::Env env, const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  if (!hasTag(env, value, &kControlTag)) throwError(env, ErrorCode::Type, "control must be a NativeControl");
  return Unwrap(value.As<Napi::Object>());
}

Napi::Value NativeControl::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeControl* self = FromOptional(env, info.This());
    if (self == nullptr) throwError(env, ErrorCode::Type, "cancel() must be called on a NativeControl");
    self->flag_->store(true);
    return env.Undefined();
  });
}

Napi::Value NativeControl::Cancelled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeControl* self = FromOptional(env, info.This());
    if (self == nullptr) throwError(env, ErrorCode::Type, "cancelled must be read from a NativeControl");
    return Napi::Boolean::New(env, self->flag_->load());
  });
}

}  // namespace nnsim::binding
