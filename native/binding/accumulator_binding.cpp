#include "accumulator_binding.hpp"

#include <string>
#include <vector>

#include "convert.hpp"
#include "native_objects.hpp"

namespace nnsim::binding {
namespace {

constexpr napi_type_tag kAccumulatorTag = {0x6e6e73696d2d6163ULL, 0x3a91c47e0d5b28f6ULL};

// A batch's rows as owned memory of the same element type (for the async push).
struct OwnedBatch {
  std::vector<double> f64;
  std::vector<float> f32;
  SourceView view;

  explicit OwnedBatch(const SourceView& s) {
    if (s.isSingle()) {
      f32.assign(s.f32(), s.f32() + s.size());
      view = SourceView(f32.data(), s.rows, s.cols);
    } else {
      f64.assign(s.f64(), s.f64() + s.size());
      view = SourceView(MatrixView(f64.data(), s.rows, s.cols));
    }
  }
};

}  // namespace

class PushWorker : public Napi::AsyncWorker {
 public:
  PushWorker(Napi::Env env, NativeAccumulator* owner, Napi::Object self, SourceView a, SourceView b,
             std::shared_ptr<std::atomic<bool>> flag)
      : Napi::AsyncWorker(env, "nnsim.accumulator.push"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(owner),
        a_(a),
        b_(b),
        control_(std::move(flag)) {
    self_ = Napi::Persistent(self);  // keeps the accumulator alive until the push settles
    owner_->busy_ = true;
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      owner_->accumulator_->push(a_.view, b_.view, &control_);
    } catch (...) {
      failed_ = true;
      error_ = currentError();
    }
  }

  void OnOK() override {
    owner_->busy_ = false;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failed_) {
      deferred_.Reject(makeError(env, error_).Value());
    } else {
      deferred_.Resolve(env.Undefined());
    }
  }
  void OnError(const Napi::Error& error) override {
    owner_->busy_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  NativeAccumulator* owner_;
  Napi::ObjectReference self_;
  OwnedBatch a_;
  OwnedBatch b_;
  RunControl control_;
  bool failed_ = false;
  ErrorRecord error_;
};

Napi::Function NativeAccumulator::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "NativeAccumulator", {});
  definePrototype(env, constructor,
                  {{"push", &NativeAccumulator::Push},
                   {"pushAsync", &NativeAccumulator::PushAsync},
                   {"merge", &NativeAccumulator::Merge},
                   {"result", &NativeAccumulator::Result},
                   {"state", &NativeAccumulator::State},
                   {"restore", &NativeAccumulator::Restore}},
                  {{"rows", &NativeAccumulator::Rows}, {"batches", &NativeAccumulator::Batches}});
  return constructor;
}

NativeAccumulator::NativeAccumulator(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeAccumulator>(info) {
  Napi::Env env = info.Env();
  guarded(env, [&] {
    if (info.Length() < 5) {
      throwError(env, ErrorCode::Type, "NativeAccumulator(ids, options, colsA, colsB, precision) needs 5 arguments");
    }
    const std::vector<std::string> ids = stringArrayArgument(env, info[0], "ids");
    if (!info[1].IsArray() || info[1].As<Napi::Array>().Length() != ids.size()) {
      throwError(env, ErrorCode::Type, "options must be an array with one object per id");
    }
    Napi::Array options = info[1].As<Napi::Array>();
    std::vector<StreamedMeasure> measures;
    for (uint32_t i = 0; i < ids.size(); ++i) {
      measures.push_back({ids[i], optionsArgument(env, options.Get(i), "measure '" + ids[i] + "'")});
    }
    const std::size_t colsA = sizeArgument(env, info[2], "colsA", 1u << 20);
    const std::size_t colsB = sizeArgument(env, info[3], "colsB", 1u << 20);
    accumulator_ = std::make_unique<Accumulator>(std::move(measures), colsA, colsB, precisionArgument(env, info[4]));
    tagObject(env, info.This().As<Napi::Object>(), &kAccumulatorTag);
  });
}

NativeAccumulator& NativeAccumulator::From(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!hasTag(env, value, &kAccumulatorTag)) throwError(env, ErrorCode::Type, std::string(what) + " must be a NativeAccumulator");
  NativeAccumulator* self = Unwrap(value.As<Napi::Object>());
  if (self == nullptr || !self->accumulator_) throwError(env, ErrorCode::Type, std::string(what) + " is not initialised");
  if (self->busy_) {
    throwError(env, ErrorCode::State, std::string(what) + " is busy with an asynchronous push; await it first");
  }
  return *self;
}

// The batches (a, b, rows) of push and pushAsync, viewed where they lie, with this accumulator's widths.
std::pair<SourceView, SourceView> NativeAccumulator::batchArguments(const Napi::CallbackInfo& info) const {
  Napi::Env env = info.Env();
  const auto width = [&](std::size_t cols) { return Napi::Number::New(env, static_cast<double>(cols)); };
  return {sourceArgument(env, info[0], info[2], width(accumulator_->colsA())),
          sourceArgument(env, info[1], info[2], width(accumulator_->colsB()))};
}

// push(a, b, rows): row-aligned batches read in place.
Napi::Value NativeAccumulator::Push(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeAccumulator& self = From(env, info.This(), "this");
    const auto [a, b] = self.batchArguments(info);
    self.accumulator_->push(a, b);
    return env.Undefined();
  });
}

// pushAsync(a, b, rows, control?): the batch is copied (element type kept) and added on a worker thread.
Napi::Value NativeAccumulator::PushAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeAccumulator& self = From(env, info.This(), "this");
    const auto [a, b] = self.batchArguments(info);
    NativeControl* control = NativeControl::FromOptional(env, info[3]);
    auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
    auto* worker = new PushWorker(env, &self, info.This().As<Napi::Object>(), a, b, std::move(flag));
    Napi::Promise promise = worker->promise();
    worker->Queue();  // deletes itself after OnOK/OnError
    return promise;
  });
}

Napi::Value NativeAccumulator::Merge(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeAccumulator& self = From(env, info.This(), "this");
    NativeAccumulator& other = From(env, info[0], "the accumulator to merge");
    self.accumulator_->merge(*other.accumulator_);
    return env.Undefined();
  });
}

Napi::Value NativeAccumulator::Result(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Accumulator& accumulator = *From(env, info.This(), "this").accumulator_;
    std::vector<std::string> ids;
    for (const StreamedMeasure& m : accumulator.measures()) ids.push_back(m.id);
    return outcomesToJs(env, accumulator.result(), ids);
  });
}

// state() → { name: { shape: number[], data: Float64Array } }
Napi::Value NativeAccumulator::State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const auto tensors = From(env, info.This(), "this").accumulator_->state();
    Napi::Object out = Napi::Object::New(env);
    for (const auto& [name, tensor] : tensors) {
      Napi::Array shape = Napi::Array::New(env, tensor.shape.size());
      for (std::size_t i = 0; i < tensor.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(tensor.shape[i])));
      Napi::Float64Array data = Napi::Float64Array::New(env, tensor.values.size());
      std::copy(tensor.values.begin(), tensor.values.end(), data.Data());
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("shape", shape);
      entry.Set("data", data);
      out.Set(name, entry);
    }
    return out;
  });
}

// restore({ name: { shape, data } }): replaces the state (validated by the core, all or nothing).
Napi::Value NativeAccumulator::Restore(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    NativeAccumulator& self = From(env, info.This(), "this");
    if (!info[0].IsObject() || info[0].IsArray()) throwError(env, ErrorCode::State, "the state must be an object of tensors");
    Napi::Object object = info[0].As<Napi::Object>();
    Napi::Array names = object.GetPropertyNames();
    std::map<std::string, Accumulator::Tensor> tensors;
    for (uint32_t i = 0; i < names.Length(); ++i) {
      const std::string name = names.Get(i).ToString().Utf8Value();
      Napi::Value entry = object.Get(name);
      if (!entry.IsObject()) throwError(env, ErrorCode::State, "state tensor '" + name + "' is not an object");
      Napi::Value shapeValue = entry.As<Napi::Object>().Get("shape");
      Napi::Value dataValue = entry.As<Napi::Object>().Get("data");
      if (!shapeValue.IsArray() || !dataValue.IsTypedArray() ||
          dataValue.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
        throwError(env, ErrorCode::State, "state tensor '" + name + "' needs a shape array and Float64Array data");
      }
      Napi::Array shape = shapeValue.As<Napi::Array>();
      Accumulator::Tensor tensor;
      for (uint32_t d = 0; d < shape.Length(); ++d) {
        tensor.shape.push_back(sizeArgument(env, shape.Get(d), "state tensor '" + name + "' dimension", std::size_t{1} << 40));
      }
      Napi::Float64Array data = dataValue.As<Napi::Float64Array>();
      tensor.values.assign(data.Data(), data.Data() + data.ElementLength());
      tensors.emplace(name, std::move(tensor));
    }
    self.accumulator_->restore(tensors);
    return env.Undefined();
  });
}

Napi::Value NativeAccumulator::Rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value { return Napi::Number::New(env, From(env, info.This(), "this").accumulator_->rows()); });
}

Napi::Value NativeAccumulator::Batches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    return Napi::Number::New(env, static_cast<double>(From(env, info.This(), "this").accumulator_->batches()));
  });
}

}  // namespace nnsim::binding
