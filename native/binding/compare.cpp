#include "compare.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convert.hpp"
#include "measure.hpp"
#include "native_objects.hpp"
#include "promise_worker.hpp"

namespace nnsim::binding {
namespace {

struct Outcome {
  bool ok = false;
  double value = 0.0;
  ErrorRecord error;
};

// Everything a comparison needs, copied out of JS values on the main thread (the representations are
// referenced, not copied: their memory is kept alive by the JS objects the caller holds or the
// worker references).
struct Job {
  std::vector<std::string> ids;
  std::vector<Options> options;
  const Representation* a = nullptr;
  const Representation* b = nullptr;
  std::vector<std::int32_t> labels;
  bool hasLabels = false;
  Precision precision = Precision::Double;
  // Matrix options of each measure, viewing the copies in `matrixData` (an async worker must not read JS
  // memory it does not own).
  std::vector<MatrixOptions> matrices;
  std::vector<std::unique_ptr<Matrix>> matrixData;

  std::vector<Outcome> run(RunControl& control) const {
    std::vector<Outcome> outcomes(ids.size());
    // Construction checks that N matches; a mismatch fails every measure with the same error.
    std::unique_ptr<RepresentationPair> pair;
    Outcome pairFailure;
    try {
      pair = std::make_unique<RepresentationPair>(*a, *b, precision);
    } catch (...) {
      pairFailure.error = currentError();
    }
    LabelsView labelsView;
    if (hasLabels) labelsView = LabelsView{labels.data(), labels.size()};
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!pair) {
        outcomes[i] = pairFailure;
        continue;
      }
      control.beginMeasure(i, ids[i]);
      Outcome& out = outcomes[i];
      try {
        const MeasureContext ctx{*pair, options[i], labelsView, control, &matrices[i]};
        control.step(0, 1);  // start of measure i (and a cancellation point)
        out.value = runMeasure(ids[i], ctx);
        control.step(1, 1);
        out.ok = true;
      } catch (...) {
        out.error = currentError(ids[i]);
      }
      if (!out.ok && (out.error.code == ErrorCode::Cancelled || out.error.code == ErrorCode::Timeout)) {
        for (std::size_t j = i + 1; j < ids.size(); ++j) {
          outcomes[j] = out;
          outcomes[j].error.measure = ids[j];
        }
        break;
      }
    }
    return outcomes;
  }
};

// `matricesIndex`: where the call has its matrices argument (compare: 6, compareAsync: 7); the optional
// precision argument follows it.
Job parseJob(const Napi::CallbackInfo& info, std::size_t matricesIndex) {
  Napi::Env env = info.Env();
  Job job;
  job.ids = stringArrayArgument(env, info[0], "ids");
  if (!info[1].IsArray()) throwError(env, ErrorCode::Type, "options must be an array with one object per id");
  Napi::Array options = info[1].As<Napi::Array>();
  if (options.Length() != job.ids.size()) {
    throwError(env, ErrorCode::Type, "options must have one entry per id (" + std::to_string(job.ids.size()) + ")");
  }
  for (uint32_t i = 0; i < options.Length(); ++i) {
    job.options.push_back(optionsArgument(env, options.Get(i), "measure '" + job.ids[i] + "'"));
  }
  job.a = &NativeRepresentation::From(env, info[2], "a").core();
  job.b = &NativeRepresentation::From(env, info[3], "b").core();
  job.labels = labelsArgument(env, info[4], job.hasLabels);
  job.precision = precisionArgument(env, info[matricesIndex + 1]);
  job.matrices.resize(job.ids.size());
  const Napi::Value matricesValue = info[matricesIndex];
  if (!matricesValue.IsUndefined() && !matricesValue.IsNull()) {
    if (!matricesValue.IsArray() || matricesValue.As<Napi::Array>().Length() != job.ids.size()) {
      throwError(env, ErrorCode::Type, "matrices must be an array with one entry (an object or undefined) per id");
    }
    Napi::Array matrices = matricesValue.As<Napi::Array>();
    for (uint32_t i = 0; i < matrices.Length(); ++i) {
      for (auto& [name, view] : matrixOptionsArgument(env, matrices.Get(i), "measure '" + job.ids[i] + "'")) {
        job.matrixData.push_back(std::make_unique<Matrix>(Matrix::copyOf(view)));
        job.matrices[i].set(name, job.matrixData.back()->view());
      }
    }
  }
  return job;
}

Napi::Array outcomesToJs(Napi::Env env, const std::vector<Outcome>& outcomes) {
  Napi::Array out = Napi::Array::New(env, outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (o.ok) {
      out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, o.value));
    } else {
      out.Set(static_cast<uint32_t>(i), makeError(env, o.error).Value());
    }
  }
  return out;
}

// The async form's task: the job reads the representations, which the worker keeps in use.
struct CompareTask {
  Job job;
  std::vector<Outcome> run(RunControl& control) const { return job.run(control); }
  static Napi::Value toJs(Napi::Env env, const std::vector<Outcome>& outcomes) { return outcomesToJs(env, outcomes); }
};

}  // namespace

Napi::Value Compare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4) {
      throwError(env, ErrorCode::Type, "compare(ids, options, a, b, labels?, timeout?, matrices?, precision?) needs 4 arguments");
    }
    const Job job = parseJob(info, 6);
    RunControl control;
    control.setTimeout(timeoutArgument(env, info[5]));
    return outcomesToJs(env, job.run(control));
  });
}

Napi::Value CompareAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4) {
      throwError(env, ErrorCode::Type,
                 "compareAsync(ids, options, a, b, labels?, control?, onProgress?, matrices?, precision?) needs 4 arguments");
    }
    Job job = parseJob(info, 7);
    NativeControl* control = NativeControl::FromOptional(env, info[5]);
    auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
    Napi::Value onProgress = progressArgument(env, info[6]);
    // The worker reads the data while JS runs: never the caller's buffer (see adoptCopyForAsync).
    NativeRepresentation::From(env, info[2], "a").adoptCopyForAsync();
    NativeRepresentation::From(env, info[3], "b").adoptCopyForAsync();
    return PromiseWorker<CompareTask, std::vector<Outcome>>::start(
        env, "nnsim.compare", CompareTask{std::move(job)}, std::move(flag),
        {onProgress, {info[2].As<Napi::Object>(), info[3].As<Napi::Object>()}, ""});
  });
}

}  // namespace nnsim::binding
