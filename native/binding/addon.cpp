// Module entry: registers the binding's classes and functions. No measure logic lives here.
#include <napi.h>

#include "accumulator_binding.hpp"
#include "compare.hpp"
#include "convert.hpp"
#include "inference_binding.hpp"
#include "measure.hpp"
#include "native_objects.hpp"
#include "random.hpp"
#include "regression.hpp"
#include "threads.hpp"
#include "regression_binding.hpp"
#include "topology/persistence.hpp"
#include "topology_binding.hpp"

namespace nnsim::binding {
namespace {

Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (std::size_t i = 0; i < items.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, items[i]));
  return out;
}

Napi::Value MeasureIds(const Napi::CallbackInfo& info) { return stringsToJs(info.Env(), measureIds()); }

Napi::Value StreamableIds(const Napi::CallbackInfo& info) { return stringsToJs(info.Env(), streamableIds()); }

// init({ NnsimError }): the error class the binding throws (see registerErrorClass).
Napi::Value InitBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsObject()) throwError(env, ErrorCode::Type, "init({ NnsimError }) needs an object");
    const Napi::Value errorClass = info[0].As<Napi::Object>().Get("NnsimError");
    if (!errorClass.IsFunction()) throwError(env, ErrorCode::Type, "init: NnsimError must be a class");
    registerErrorClass(env, errorClass.As<Napi::Function>());
    return env.Undefined();
  });
}

// specs() -> { measures: { [id]: { minRows, needsLabels, options, matrices } }, persistence: options,
//              fitAffineMap: options }: every parameter spec of the core (see optionSpecsToJs).
Napi::Value Specs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object measures = Napi::Object::New(env);
    for (const std::string& id : measureIds()) {
      const MeasureDef* def = findMeasure(id);
      Napi::Object m = Napi::Object::New(env);
      m.Set("minRows", Napi::Number::New(env, static_cast<double>(def->minRows)));
      m.Set("needsLabels", Napi::Boolean::New(env, def->needsLabels));
      m.Set("options", optionSpecsToJs(env, def->options));
      m.Set("matrices", matrixOptionSpecsToJs(env, def->matrixOptions));
      measures.Set(id, m);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("measures", measures);
    out.Set("persistence", optionSpecsToJs(env, topology::persistenceOptionSpecs()));
    out.Set("fitAffineMap", optionSpecsToJs(env, affineMapOptionSpecs()));
    out.Set("inference", InferenceSpecs(env));
    return out;
  });
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), blasThreads()); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const std::size_t n = sizeArgument(env, info[0], "threads", 4096);
    if (n < 1) throwError(env, ErrorCode::Option, "threads must be at least 1");
    setBlasThreads(static_cast<int>(n));
    return env.Undefined();
  });
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("config", Napi::String::New(env, blasConfig()));
  out.Set("cores", Napi::Number::New(env, cpuCount()));
  out.Set("threads", Napi::Number::New(env, blasThreads()));
  return out;
}

// estimateMemory(id, rows, colsA, colsB, options, classes?) → bytes.
Napi::Value EstimateMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsString()) throwError(env, ErrorCode::Type, "estimateMemory: the measure id must be a string");
    const std::string id = info[0].As<Napi::String>().Utf8Value();
    constexpr std::size_t kMaxSize = std::size_t{1} << 53;
    MemoryShape shape;
    shape.rows = sizeArgument(env, info[1], "rows", kMaxSize);
    shape.colsA = sizeArgument(env, info[2], "colsA", kMaxSize);
    shape.colsB = sizeArgument(env, info[3], "colsB", kMaxSize);
    shape.classes = info[5].IsUndefined() ? 0 : sizeArgument(env, info[5], "classes", kMaxSize);
    const Options options = optionsArgument(env, info[4], "measure '" + id + "'");
    return Napi::Number::New(env, estimateMemory(id, shape, options));
  });
}

Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsNumber()) throwError(env, ErrorCode::Option, "the memory limit must be a number of bytes");
    setMemoryLimit(info[0].As<Napi::Number>().DoubleValue());
    return env.Undefined();
  });
}

Napi::Value GetMemoryLimit(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), memoryLimit()); }

// sampleRows(n, count, seed, labels?) → Int32Array of sorted row indices (native/core/random.hpp).
Napi::Value SampleRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const std::size_t n = sizeArgument(env, info[0], "n", std::size_t{1} << 31);
    const std::size_t count = sizeArgument(env, info[1], "rows", std::size_t{1} << 31);
    const std::size_t seed = sizeArgument(env, info[2], "seed", std::size_t{1} << 53);
    bool hasLabels = false;
    const std::vector<std::int32_t> labels = labelsArgument(env, info[3], hasLabels);
    if (hasLabels && labels.size() != n) throwError(env, ErrorCode::Shape, "sampleRows: one label per row is needed");
    const std::vector<std::size_t> rows = sampleRows(n, count, seed, hasLabels ? labels.data() : nullptr);
    Napi::Int32Array out = Napi::Int32Array::New(env, rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = static_cast<std::int32_t>(rows[i]);
    return out;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New<InitBinding>(env, "init"));
  exports.Set("specs", Napi::Function::New<Specs>(env, "specs"));
  exports.Set("NativeRepresentation", NativeRepresentation::Define(env));
  exports.Set("NativeControl", NativeControl::Define(env));
  exports.Set("NativeAccumulator", NativeAccumulator::Define(env));
  exports.Set("compare", Napi::Function::New<Compare>(env, "compare"));
  exports.Set("compareAsync", Napi::Function::New<CompareAsync>(env, "compareAsync"));
  exports.Set("measureIds", Napi::Function::New<MeasureIds>(env, "measureIds"));
  exports.Set("getThreads", Napi::Function::New<GetThreads>(env, "getThreads"));
  exports.Set("setThreads", Napi::Function::New<SetThreads>(env, "setThreads"));
  exports.Set("persistence", Napi::Function::New<Persistence>(env, "persistence"));
  exports.Set("persistenceAsync", Napi::Function::New<PersistenceAsync>(env, "persistenceAsync"));
  exports.Set("blasInfo", Napi::Function::New<BlasInfo>(env, "blasInfo"));
  exports.Set("fitAffineMap", Napi::Function::New<FitAffineMap>(env, "fitAffineMap"));
  exports.Set("streamableIds", Napi::Function::New<StreamableIds>(env, "streamableIds"));
  exports.Set("permutationNull", Napi::Function::New<PermutationTest>(env, "permutationNull"));
  exports.Set("permutationNullAsync", Napi::Function::New<PermutationTestAsync>(env, "permutationNullAsync"));
  exports.Set("resampling", Napi::Function::New<Resample>(env, "resampling"));
  exports.Set("resamplingAsync", Napi::Function::New<ResampleAsync>(env, "resamplingAsync"));
  exports.Set("crossValidate", Napi::Function::New<CrossValidate>(env, "crossValidate"));
  exports.Set("crossValidateAsync", Napi::Function::New<CrossValidateAsync>(env, "crossValidateAsync"));
  exports.Set("alignmentMap", Napi::Function::New<AlignmentMapOf>(env, "alignmentMap"));
  exports.Set("inferenceIndices", Napi::Function::New<InferenceIndices>(env, "inferenceIndices"));
  exports.Set("fitAffineMapAsync", Napi::Function::New<FitAffineMapAsync>(env, "fitAffineMapAsync"));
  exports.Set("estimateMemory", Napi::Function::New<EstimateMemory>(env, "estimateMemory"));
  exports.Set("setMemoryLimit", Napi::Function::New<SetMemoryLimit>(env, "setMemoryLimit"));
  exports.Set("getMemoryLimit", Napi::Function::New<GetMemoryLimit>(env, "getMemoryLimit"));
  exports.Set("sampleRows", Napi::Function::New<SampleRows>(env, "sampleRows"));
  return exports;
}

}  // namespace
}  // namespace nnsim::binding

// NODE_API_MODULE pastes the function name into an identifier, so it needs an unqualified name.
static Napi::Object InitNnsim(Napi::Env env, Napi::Object exports) { return nnsim::binding::Init(env, exports); }

NODE_API_MODULE(nnsim, InitNnsim)
