#include "inference_binding.hpp"

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alignment_maps.hpp"
#include "convert.hpp"
#include "inference.hpp"
#include "native_objects.hpp"
#include "promise_worker.hpp"

namespace nnsim::binding {
namespace {

// One inference call, copied out of JS values on the main thread: the representations are referenced
// (kept alive by the JS objects), labels and options are copied — options first: their getters run JS,
// which must not see (or detach) the data after it is viewed.
struct Call {
  MeasureCall measure;
  std::vector<std::int32_t> labels;
  const Representation* a = nullptr;
  const Representation* b = nullptr;
  Options options;  // the entry point's own (permutations, resamples, folds, seed)
  bool hasLabels = false;

  void bindLabels() {
    measure.labels = hasLabels ? LabelsView{labels.data(), labels.size()} : LabelsView{};
  }
};

Call parseCall(const Napi::CallbackInfo& info, bool withLabels, std::size_t optionsIndex, const char* signature) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString()) throwError(env, ErrorCode::Type, std::string(signature) + ": needs an id, options, a and b");
  Call call;
  call.measure.id = info[0].As<Napi::String>().Utf8Value();
  call.measure.options = optionsArgument(env, info[1], "measure '" + call.measure.id + "'");
  call.options = optionsArgument(env, info[optionsIndex], signature);
  if (withLabels) call.labels = labelsArgument(env, info[4], call.hasLabels);
  call.a = &NativeRepresentation::From(env, info[2], "a").core();
  call.b = &NativeRepresentation::From(env, info[3], "b").core();
  call.bindLabels();
  return call;
}

Napi::Float64Array toFloat64Array(Napi::Env env, const std::vector<double>& values) {
  Napi::Float64Array out = Napi::Float64Array::New(env, values.size());
  if (!values.empty()) std::memcpy(out.Data(), values.data(), values.size() * sizeof(double));
  return out;
}

PermutationPath pathArgument(Napi::Env env, const Napi::Value& value) {
  return choiceArgument(env, value, PermutationPath::Auto,
                        {{"auto", PermutationPath::Auto}, {"generic", PermutationPath::Generic}},
                        "the permutation path must be 'auto' or 'generic'");
}

nnsim::Resampling schemeArgument(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) throwError(env, ErrorCode::Type, "resampling: the scheme must be an object");
  Napi::Object o = value.As<Napi::Object>();
  nnsim::Resampling scheme;
  const Napi::Value replace = o.Get("withReplacement");
  if (!replace.IsBoolean()) throwError(env, ErrorCode::Type, "resampling: withReplacement must be a boolean");
  scheme.withReplacement = replace.As<Napi::Boolean>().Value();
  scheme.sampleSize = sizeArgument(env, o.Get("sampleSize"), "sampleSize", static_cast<std::size_t>(INT32_MAX));
  scheme.jackknifeGroups = sizeArgument(env, o.Get("jackknifeGroups"), "jackknifeGroups", static_cast<std::size_t>(INT32_MAX));
  return scheme;
}

// A computation whose result converts itself to JS values: run on the calling thread (runSync) or on a
// PromiseWorker (queue).
using ToJs = std::function<Napi::Value(Napi::Env)>;
struct Task {
  std::function<ToJs(RunControl&)> compute;
  ToJs run(RunControl& control) const { return compute(control); }
  static Napi::Value toJs(Napi::Env env, const ToJs& convert) { return convert(env); }
};

Task permutationTask(Call call, PermutationPath path) {
  auto shared = std::make_shared<Call>(std::move(call));
  shared->bindLabels();  // the labels vector moved: view it again
  return {[shared, path](RunControl& control) -> ToJs {
    auto out = std::make_shared<nnsim::PermutationNull>(
        permutationNull(shared->measure, *shared->a, *shared->b, shared->options, control, path));
    return [out](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("value", Napi::Number::New(env, out->value));
      o.Set("null", toFloat64Array(env, out->null));
      o.Set("method", Napi::String::New(env, out->method));
      return o;
    };
  }};
}

Task resamplingTask(Call call, nnsim::Resampling scheme) {
  auto shared = std::make_shared<Call>(std::move(call));
  shared->bindLabels();
  return {[shared, scheme](RunControl& control) -> ToJs {
    auto out = std::make_shared<ResamplingDistribution>(
        resamplingDistribution(shared->measure, *shared->a, *shared->b, shared->options, scheme, control));
    return [out](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("value", Napi::Number::New(env, out->value));
      o.Set("values", toFloat64Array(env, out->values));
      o.Set("jackknife", toFloat64Array(env, out->jackknife));
      return o;
    };
  }};
}

Task crossValidationTask(Call call) {
  auto shared = std::make_shared<Call>(std::move(call));
  shared->bindLabels();
  return {[shared](RunControl& control) -> ToJs {
    auto out = std::make_shared<CrossValidation>(crossValidate(shared->measure, *shared->a, *shared->b, shared->options, control));
    return [out](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("value", Napi::Number::New(env, out->value));
      o.Set("folds", toFloat64Array(env, out->folds));
      o.Set("testRows", toFloat64Array(env, std::vector<double>(out->testRows.begin(), out->testRows.end())));
      return o;
    };
  }};
}

// The synchronous form, within the time budget at `timeoutIndex` (see timeoutArgument).
Napi::Value runSync(const Napi::CallbackInfo& info, const Task& task, std::size_t timeoutIndex) {
  RunControl control;
  control.setTimeout(timeoutArgument(info.Env(), info[timeoutIndex]));
  return task.run(control)(info.Env());
}

// The async form on the binding's PromiseWorker: control and onProgress(0, done, total) at
// `controlIndex`, `controlIndex + 1`. Like compareAsync, the worker reads copies of both
// representations' data (adoptCopyForAsync) and keeps them in use until it settles.
Napi::Value queue(const Napi::CallbackInfo& info, Task task, const std::string& id, std::size_t controlIndex) {
  Napi::Env env = info.Env();
  NativeControl* control = NativeControl::FromOptional(env, info[controlIndex]);
  auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
  Napi::Value onProgress = progressArgument(env, info[controlIndex + 1]);
  NativeRepresentation::From(env, info[2], "a").adoptCopyForAsync();
  NativeRepresentation::From(env, info[3], "b").adoptCopyForAsync();
  return PromiseWorker<Task, ToJs>::start(env, "nnsim.inference", std::move(task), std::move(flag),
                                          {onProgress, {info[2].As<Napi::Object>(), info[3].As<Napi::Object>()}, id});
}

Napi::Object sideToJs(Napi::Env env, const SideMap& side) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mean", toFloat64Array(env, side.mean));
  std::vector<double> transform(side.transform.data(), side.transform.data() + side.transform.size());
  o.Set("transform", toFloat64Array(env, transform));
  o.Set("rows", Napi::Number::New(env, static_cast<double>(side.transform.rows())));
  o.Set("cols", Napi::Number::New(env, static_cast<double>(side.transform.cols())));
  return o;
}

const char* scoreName(MapScore score) {
  switch (score) {
    case MapScore::Euclidean: return "euclidean";
    case MapScore::Chord: return "chord";
    case MapScore::Angular: return "angular";
    case MapScore::RowCosine: return "row-cosine";
    case MapScore::RSquared: return "r-squared";
  }
  return "euclidean";
}

}  // namespace

Napi::Value PermutationTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Call call = parseCall(info, true, 5, "permutation test");
    const PermutationPath path = pathArgument(env, info[6]);
    return runSync(info, permutationTask(std::move(call), path), 7);
  });
}

Napi::Value PermutationTestAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Call call = parseCall(info, true, 5, "permutation test");
    const PermutationPath path = pathArgument(env, info[6]);
    const std::string id = call.measure.id;
    return queue(info, permutationTask(std::move(call), path), id, 7);
  });
}

Napi::Value Resample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const nnsim::Resampling scheme = schemeArgument(env, info[6]);  // (getters: before the data is viewed)
    Call call = parseCall(info, true, 5, "resampling");
    return runSync(info, resamplingTask(std::move(call), scheme), 7);
  });
}

Napi::Value ResampleAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    const nnsim::Resampling scheme = schemeArgument(env, info[6]);  // (getters: before the data is viewed)
    Call call = parseCall(info, true, 5, "resampling");
    const std::string id = call.measure.id;
    return queue(info, resamplingTask(std::move(call), scheme), id, 7);
  });
}

Napi::Value CrossValidate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value { return runSync(info, crossValidationTask(parseCall(info, false, 4, "cross-validation")), 5); });
}

Napi::Value CrossValidateAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Call call = parseCall(info, false, 4, "cross-validation");
    const std::string id = call.measure.id;
    return queue(info, crossValidationTask(std::move(call)), id, 5);
  });
}

Napi::Value AlignmentMapOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4 || !info[0].IsString()) {
      throwError(env, ErrorCode::Type, "alignmentMap(id, options, a, b, timeout?) needs 4 arguments");
    }
    const std::string id = info[0].As<Napi::String>().Utf8Value();
    const Options options = optionsArgument(env, info[1], "measure '" + id + "'");
    RunControl control;
    control.setTimeout(timeoutArgument(env, info[4]));
    const Representation& a = NativeRepresentation::From(env, info[2], "a").core();
    const Representation& b = NativeRepresentation::From(env, info[3], "b").core();
    const nnsim::AlignmentMap map = alignmentMapOf(id, RepresentationPair(a, b), options, control);
    Napi::Object out = Napi::Object::New(env);
    out.Set("a", sideToJs(env, map.a));
    out.Set("b", sideToJs(env, map.b));
    out.Set("score", Napi::String::New(env, scoreName(map.score)));
    return out;
  });
}

Napi::Value InferenceIndices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 6 || !info[0].IsString()) {
      throwError(env, ErrorCode::Type, "inferenceIndices(kind, n, seed, first, count, m) needs 6 arguments");
    }
    const std::string kind = info[0].As<Napi::String>().Utf8Value();
    const std::size_t n = sizeArgument(env, info[1], "n", static_cast<std::size_t>(INT32_MAX));
    Options seedOption;
    if (!info[2].IsNumber()) throwError(env, ErrorCode::Option, "inferenceIndices: seed must be a number");
    seedOption.set("seed", info[2].As<Napi::Number>().DoubleValue());
    const auto seed = static_cast<std::uint64_t>(seedOption.resolved(permutationOptionSpecs(), "inferenceIndices").integer("seed"));
    const std::size_t first = sizeArgument(env, info[3], "first", static_cast<std::size_t>(kMaxDraws) << 2);
    const std::size_t count = sizeArgument(env, info[4], "count", static_cast<std::size_t>(kMaxDraws));
    const std::size_t m = sizeArgument(env, info[5], "m", static_cast<std::size_t>(INT32_MAX));
    if (n < 1) throwError(env, ErrorCode::Shape, "inferenceIndices: n must be at least 1");
    if (kind == "jackknife" || kind == "folds") {
      if (m < 1 || m > n) throwError(env, ErrorCode::Option, "inferenceIndices: groups must be in [1, n]");
      const std::vector<std::int32_t> groups = kind == "folds" ? crossValidationFolds(seed, n, m) : jackknifeGroups(seed, n, m);
      Napi::Int32Array out = Napi::Int32Array::New(env, n);
      std::memcpy(out.Data(), groups.data(), n * sizeof(std::int32_t));
      return out;
    }
    const bool permutation = kind == "permutation";
    if (!permutation && kind != "bootstrap" && kind != "subsample") {
      throwError(env, ErrorCode::Type,
                 "inferenceIndices: kind must be 'permutation', 'bootstrap', 'subsample', 'jackknife' or 'folds'");
    }
    const std::size_t width = permutation ? n : m;
    if (!permutation && (m < 1 || m > n)) throwError(env, ErrorCode::Option, "inferenceIndices: m must be in [1, n]");
    if (width != 0 && count > (std::size_t{1} << 28) / width) {
      throwError(env, ErrorCode::Option, "inferenceIndices: at most 2^28 indices per call");
    }
    Napi::Int32Array out = Napi::Int32Array::New(env, count * width);
    for (std::size_t p = 0; p < count; ++p) {
      if (permutation) {
        rowPermutation(seed, first + p, n, out.Data() + p * width);
      } else {
        resampleRows(seed, first + p, n, m, kind == "bootstrap", out.Data() + p * width);
      }
    }
    return out;
  });
}

Napi::Object InferenceSpecs(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("permutation", optionSpecsToJs(env, permutationOptionSpecs()));
  out.Set("resampling", optionSpecsToJs(env, resamplingOptionSpecs()));
  out.Set("crossValidation", optionSpecsToJs(env, crossValidationOptionSpecs()));
  const auto& ids = alignmentMapIds();
  Napi::Array maps = Napi::Array::New(env, ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) maps.Set(static_cast<uint32_t>(i), Napi::String::New(env, ids[i]));
  out.Set("alignmentMaps", maps);
  return out;
}

}  // namespace nnsim::binding
