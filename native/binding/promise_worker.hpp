// An async worker that runs one core computation on a libuv thread and settles a promise with its
// result, or rejects it with the typed error the computation threw (persistence, the stitching fit).
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "convert.hpp"
#include "run_control.hpp"

namespace nnsim::binding {

// Task: `Result run(const RunControl&)` (its data owned, so JS cannot free it meanwhile) and
// `static Napi::Value toJs(Napi::Env, const Result&)`.
template <class Task, class Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char* name, Task task, std::shared_ptr<std::atomic<bool>> flag)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        task_(std::move(task)),
        control_(std::move(flag)) {}

  // Queues a worker for `task` (it deletes itself once settled) and returns its promise.
  static Napi::Promise start(Napi::Env env, const char* name, Task task, std::shared_ptr<std::atomic<bool>> flag) {
    auto* worker = new PromiseWorker(env, name, std::move(task), std::move(flag));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

  void Execute() override {
    try {
      result_ = task_.run(control_);
    } catch (...) {
      error_ = currentError();
      failed_ = true;
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failed_) {
      deferred_.Reject(makeError(env, error_).Value());
    } else {
      deferred_.Resolve(Task::toJs(env, result_));
    }
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Task task_;
  RunControl control_;
  Result result_;
  bool failed_ = false;
  ErrorRecord error_;
};

}  // namespace nnsim::binding
