#include "native_objects.hpp"

#include "convert.hpp"

namespace nnsim::binding {

Napi::Function NativeRepresentation::Define(Napi::Env env) {
  return DefineClass(env, "NativeRepresentation",
                     {InstanceAccessor<&NativeRepresentation::Rows>("rows"),
                      InstanceAccessor<&NativeRepresentation::Cols>("cols")});
}

NativeRepresentation::NativeRepresentation(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeRepresentation>(info) {
  Napi::Env env = info.Env();
  guarded(env, [&] {
    if (info.Length() < 3) throwError(env, ErrorCode::Type, "NativeRepresentation(data, rows, cols) needs 3 arguments");
    const MatrixView view = matrixArgument(env, info[0], info[1], info[2]);
    representation_ = std::make_unique<Representation>(view);
    data_ = Napi::Persistent(info[0]);
  });
}

NativeRepresentation& NativeRepresentation::From(Napi::Env env, const Napi::Value& value, const char* what) {
  auto* data = env.GetInstanceData<AddonData>();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(data->representationClass.Value())) {
    throwError(env, ErrorCode::Type, std::string(what) + " must be a NativeRepresentation");
  }
  NativeRepresentation* self = Unwrap(value.As<Napi::Object>());
  if (self == nullptr || !self->representation_) throwError(env, ErrorCode::Type, std::string(what) + " is not initialised");
  return *self;
}

Napi::Value NativeRepresentation::Rows(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(representation_->rows()));
}

Napi::Value NativeRepresentation::Cols(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(representation_->cols()));
}

Napi::Function NativeControl::Define(Napi::Env env) {
  return DefineClass(env, "NativeControl",
                     {InstanceMethod<&NativeControl::Cancel>("cancel"),
                      InstanceAccessor<&NativeControl::Cancelled>("cancelled")});
}

NativeControl::NativeControl(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeControl>(info) {}

NativeControl* NativeControl::FromOptional(Napi::Env env, const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return nullptr;
  auto* data = env.GetInstanceData<AddonData>();
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(data->controlClass.Value())) {
    throwError(env, ErrorCode::Type, "control must be a NativeControl");
  }
  return Unwrap(value.As<Napi::Object>());
}

Napi::Value NativeControl::Cancel(const Napi::CallbackInfo& info) {
  flag_->store(true);
  return info.Env().Undefined();
}

Napi::Value NativeControl::Cancelled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), flag_->load()); }

}  // namespace nnsim::binding
