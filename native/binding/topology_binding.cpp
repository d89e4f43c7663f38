#include "topology_binding.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "convert.hpp"
#include "native_objects.hpp"
#include "promise_worker.hpp"
#include "topology/persistence.hpp"

namespace nnsim::binding {
namespace {

// The arguments, copied out of JS so a worker thread owns everything it reads.
// The synchronous call reads the caller's Float64Array in place (`view`); the async one owns a copy.
struct PersistenceJob {
  Matrix copy;
  MatrixView view;
  bool points = false;
  topology::PersistenceOptions options;

  topology::Barcodes run(const RunControl& control) const {
    if (!points) {
      topology::validateDistanceMatrix(view);
      return topology::ripsPersistence(view, options, &control);
    }
    return topology::pointCloudPersistence(view, options, &control);
  }
};

PersistenceJob parseJob(const Napi::CallbackInfo& info, bool copy) {
  Napi::Env env = info.Env();
  PersistenceJob job;
  // Options first: their getters run JS, which must not see (or detach) the data after it is viewed.
  const Options options = resolvedOptionsArgument(env, info[3], topology::persistenceOptionSpecs(), "persistence");
  job.points = options.choice("input") == "points";
  job.options = topology::persistenceOptions(options);
  job.view = matrixArgument(env, info[0], info[1], info[2]);
  if (copy) {
    job.copy = Matrix::copyOf(job.view);
    job.view = job.copy.view();
  }
  return job;
}

Napi::Array barcodesToJs(Napi::Env env, const topology::Barcodes& barcodes) {
  Napi::Array out = Napi::Array::New(env, barcodes.bars.size());
  for (std::size_t d = 0; d < barcodes.bars.size(); ++d) {
    const auto& bars = barcodes.bars[d];
    Napi::Float64Array births = Napi::Float64Array::New(env, bars.size());
    Napi::Float64Array deaths = Napi::Float64Array::New(env, bars.size());
    for (std::size_t i = 0; i < bars.size(); ++i) {
      births[i] = bars[i].birth;
      deaths[i] = bars[i].death;
    }
    Napi::Object dim = Napi::Object::New(env);
    dim.Set("births", births);
    dim.Set("deaths", deaths);
    out.Set(static_cast<uint32_t>(d), dim);
  }
  return out;
}

// The async form's task: the job owns a copy of the input.
struct PersistenceTask {
  PersistenceJob job;
  topology::Barcodes run(const RunControl& control) const { return job.run(control); }
  static Napi::Value toJs(Napi::Env env, const topology::Barcodes& barcodes) { return barcodesToJs(env, barcodes); }
};

}  // namespace

Napi::Value Persistence(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 3) {
      throwError(env, ErrorCode::Type, "persistence(data, rows, cols, options?, timeout?) needs 3 arguments");
    }
    const double timeout = timeoutArgument(env, info[4]);
    const PersistenceJob job = parseJob(info, false);
    RunControl control;
    control.setTimeout(timeout);
    return barcodesToJs(env, job.run(control));
  });
}

Napi::Value PersistenceAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() < 3) {
      throwError(env, ErrorCode::Type, "persistenceAsync(data, rows, cols, options?, control?) needs 3 arguments");
    }
    PersistenceJob job = parseJob(info, true);
    NativeControl* control = NativeControl::FromOptional(env, info[4]);
    auto flag = control != nullptr ? control->flag() : std::make_shared<std::atomic<bool>>(false);
    return PromiseWorker<PersistenceTask, topology::Barcodes>::start(env, "nnsim.persistence", PersistenceTask{std::move(job)},
                                                                     std::move(flag));
  });
}

}  // namespace nnsim::binding
