#include "compare.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "convert.hpp"
#include "measure.hpp"
#include "native_objects.hpp"

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

  std::vector<Outcome> run(RunControl& control) const {
    std::vector<Outcome> outcomes(ids.size());
    // Construction checks that N matches; a mismatch fails every measure with the same error.
    std::unique_ptr<RepresentationPair> pair;
    Outcome pairFailure;
    try {
      pair = std::make_unique<RepresentationPair>(*a, *b);
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
        const MeasureContext ctx{*pair, options[i], labelsView, control};
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

Job parseJob(const Napi::CallbackInfo& info) {
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
  return job;
}

Napi::Array toJs(Napi::Env env, const std::vector<Outcome>& outcomes) {
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

struct ProgressEvent {
  std::uint32_t measureIndex;
  double done;
  double total;
};

class CompareWorker;

// Forwards RunControl progress to the worker's queue, at most once per percent of a measure's work
// (and always for the last unit), so a fine-grained loop does not flood the event loop.
class WorkerControl : public RunControl {
 public:
  explicit WorkerControl(std::shared_ptr<std::atomic<bool>> flag) : RunControl(std::move(flag)) {}
  void attach(const Napi::AsyncProgressQueueWorker<ProgressEvent>::ExecutionProgress* progress) { progress_ = progress; }

 protected:
  void onProgress(std::size_t done, std::size_t total) override {
    if (progress_ == nullptr || total == 0) return;
    const int percent = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total));
    if (measureIndex() == lastMeasure_ && percent == lastPercent_ && done != total) return;
    lastMeasure_ = measureIndex();
    lastPercent_ = percent;
    const ProgressEvent event{static_cast<std::uint32_t>(measureIndex()), static_cast<double>(done),
                              static_cast<double>(total)};
    progress_->Send(&event, 1);
  }

 private:
  const Napi::AsyncProgressQueueWorker<ProgressEvent>::ExecutionProgress* progress_ = nullptr;
  std::size_t lastMeasure_ = static_cast<std::size_t>(-1);
  int lastPercent_ = -1;
};

class CompareWorker : public Napi::AsyncProgressQueueWorker<ProgressEvent> {
 public:
  CompareWorker(Napi::Env env, Job job, Napi::Object a, Napi::Object b, std::shared_ptr<std::atomic<bool>> flag,
                Napi::Value onProgress)
      : Napi::AsyncProgressQueueWorker<ProgressEvent>(env, "nnsim.compare"),
        deferred_(Napi::Promise::Deferred::New(env)),
        job_(std::move(job)),
        control_(std::move(flag)) {
    // Keep both JS representations (and thus their Float64Arrays) alive until the worker is done, and
    // mark them in use so that release() waits for it.
    aRef_ = Napi::Persistent(a);
    bRef_ = Napi::Persistent(b);
    users_[0] = NativeRepresentation::Unwrap(a);
    users_[1] = NativeRepresentation::Unwrap(b);
    for (NativeRepresentation* user : users_) user->beginUse();
    if (onProgress.IsFunction()) onProgress_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    control_.attach(&progress);
    outcomes_ = job_.run(control_);
    control_.attach(nullptr);
  }

  void OnProgress(const ProgressEvent* events, size_t count) override {
    if (onProgress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      // A throwing progress callback must not take the process down: report and continue.
      try {
        onProgress_.Call({Napi::Number::New(env, events[i].measureIndex), Napi::Number::New(env, events[i].done),
                          Napi::Number::New(env, events[i].total)});
      } catch (const Napi::Error& e) {
        e.Value();  // swallow: the promise still settles with the computed results
      }
    }
  }

  void OnOK() override {
    finishUse();
    deferred_.Resolve(toJs(Env(), outcomes_));
  }
  void OnError(const Napi::Error& error) override {
    finishUse();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  WorkerControl control_;
  std::vector<Outcome> outcomes_;
  Napi::ObjectReference aRef_;
  Napi::ObjectReference bRef_;
  Napi::FunctionReference onProgress_;
  NativeRepresentation* users_[2] = {nullptr, nullptr};

  void finishUse() {
    for (NativeRepresentation*& user : users_) {
      if (user != nullptr) user->endUse();
      user = nullptr;
    }
  }
};

}  // namespace

Napi::Value Compare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4) {
      throwError(env, ErrorCode::Type, "compare(ids, options, a, b, labels?, timeout?) needs 4 arguments");
    }
    const Job job = parseJob(info);
    RunControl control;
    control.setTimeout(timeoutArgument(env, info[5]));
    return toJs(env, job.run(control));
  });
}

Napi::Value CompareAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 4) {
      throwError(env, ErrorCode::Type, "compareAsync(ids, options, a, b, labels?, control?, onProgress?) needs 4 arguments");
    }
    Job job = parseJob(info);
    NativeControl* control = NativeControl::FromOptional(env, info[5]);
    auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
    Napi::Value onProgress = info[6];
    if (!onProgress.IsUndefined() && !onProgress.IsNull() && !onProgress.IsFunction()) {
      throwError(env, ErrorCode::Type, "onProgress must be a function");
    }
    // The worker reads the data while JS runs: never the caller's buffer (see adoptCopyForAsync).
    NativeRepresentation::From(env, info[2], "a").adoptCopyForAsync();
    NativeRepresentation::From(env, info[3], "b").adoptCopyForAsync();
    auto* worker = new CompareWorker(env, std::move(job), info[2].As<Napi::Object>(), info[3].As<Napi::Object>(),
                                     std::move(flag), onProgress);
    Napi::Promise promise = worker->promise();
    worker->Queue();  // the worker deletes itself after OnOK/OnError
    return promise;
  });
}

}  // namespace nnsim::binding
