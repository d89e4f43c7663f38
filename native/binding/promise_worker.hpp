// The binding's one async worker: runs one core computation on a libuv thread and settles a promise
// with its result, or rejects it with the typed error the computation threw (compare, inference,
// persistence, the stitching fit). Optionally it forwards progress to a JS callback and keeps the
// NativeRepresentations the computation reads alive and in use until it settles.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "convert.hpp"
#include "native_objects.hpp"
#include "run_control.hpp"

namespace nnsim::binding {

// One progress report as the JS callback receives it: (index, done, total) — the measure's index in a
// compareMany call (0 for a single computation) and its units done out of total.
struct ProgressEvent {
  std::uint32_t index;
  double done;
  double total;
};

// Forwards RunControl progress to a worker's queue, at most once per percent of a measure's work (and
// always for the last unit), so a fine-grained loop does not flood the event loop.
class QueueControl : public RunControl {
 public:
  using Progress = Napi::AsyncProgressQueueWorker<ProgressEvent>::ExecutionProgress;
  explicit QueueControl(std::shared_ptr<std::atomic<bool>> flag) : RunControl(std::move(flag)) {}
  void attach(const Progress* progress) { progress_ = progress; }

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
  const Progress* progress_ = nullptr;
  std::size_t lastMeasure_ = static_cast<std::size_t>(-1);
  int lastPercent_ = -1;
};

// An optional onProgress argument: a function, or undefined/null (none); anything else is E_TYPE.
inline Napi::Value progressArgument(Napi::Env env, const Napi::Value& value) {
  if (!value.IsUndefined() && !value.IsNull() && !value.IsFunction()) {
    throwError(env, ErrorCode::Type, "onProgress must be a function");
  }
  return value;
}

// What a worker reports to and holds on the main thread.
struct WorkerOptions {
  Napi::Value onProgress;              // called with (index, done, total); empty or not a function: none
  std::vector<Napi::Object> inUse;     // NativeRepresentation objects the task reads (see beginUse)
  std::string measure;                 // the measure a failure belongs to ("" none)
};

// Task: `Result run(RunControl&)` (its data owned, or held through WorkerOptions::inUse, so JS cannot
// free it meanwhile) and `static Napi::Value toJs(Napi::Env, const Result&)`.
template <class Task, class Result>
class PromiseWorker : public Napi::AsyncProgressQueueWorker<ProgressEvent> {
 public:
  // Queues a worker for `task` (it deletes itself once settled) and returns its promise.
  static Napi::Promise start(Napi::Env env, const char* name, Task task, std::shared_ptr<std::atomic<bool>> flag,
                             WorkerOptions options = {}) {
    auto* worker = new PromiseWorker(env, name, std::move(task), std::move(flag), std::move(options));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

  void Execute(const ExecutionProgress& progress) override {
    control_.attach(&progress);
    try {
      result_ = task_.run(control_);
    } catch (...) {
      error_ = currentError(measure_);
      failed_ = true;
    }
    control_.attach(nullptr);
  }

  void OnProgress(const ProgressEvent* events, size_t count) override {
    if (onProgress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      // A throwing callback must not take the process down; the TypeScript layer wraps the caller's
      // callback and stops the run itself when it throws.
      try {
        onProgress_.Call({Napi::Number::New(env, events[i].index), Napi::Number::New(env, events[i].done),
                          Napi::Number::New(env, events[i].total)});
      } catch (const Napi::Error& e) {
        e.Value();
      }
    }
  }

  void OnOK() override {
    finishUse();
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failed_) {
      deferred_.Reject(makeError(env, error_).Value());
      return;
    }
    try {
      deferred_.Resolve(Task::toJs(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& error) override {
    finishUse();
    deferred_.Reject(error.Value());
  }

 private:
  PromiseWorker(Napi::Env env, const char* name, Task task, std::shared_ptr<std::atomic<bool>> flag, WorkerOptions options)
      : Napi::AsyncProgressQueueWorker<ProgressEvent>(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        task_(std::move(task)),
        control_(std::move(flag)),
        measure_(std::move(options.measure)) {
    if (!options.onProgress.IsEmpty() && options.onProgress.IsFunction()) {
      onProgress_ = Napi::Persistent(options.onProgress.As<Napi::Function>());
    }
    // Keep the JS representations (and so their memory) alive until the worker is done, and mark them
    // in use so that release() waits for it.
    for (Napi::Object& object : options.inUse) {
      references_.push_back(Napi::Persistent(object));
      users_.push_back(NativeRepresentation::Unwrap(object));
      users_.back()->beginUse();
    }
  }

  void finishUse() {
    for (NativeRepresentation* user : users_) user->endUse();
    users_.clear();
  }

  Napi::Promise::Deferred deferred_;
  Task task_;
  QueueControl control_;
  std::string measure_;
  Result result_{};
  bool failed_ = false;
  ErrorRecord error_;
  Napi::FunctionReference onProgress_;
  std::vector<Napi::ObjectReference> references_;
  std::vector<NativeRepresentation*> users_;
};

}  // namespace nnsim::binding
