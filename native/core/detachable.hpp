// A LAPACK factorisation cannot be interrupted, and on a large matrix one call runs for seconds. So that
// an aborted or timed-out run still stops promptly, a large call runs on a helper thread while the
// run's thread waits and checks the run control (run_control.hpp) every millisecond; when the run must
// stop, the run's thread throws at once and leaves the helper to finish on its own, its result
// discarded. The helper only touches what `compute` owns (the wrappers hand it their own copies of the
// input), so nothing it reads or writes is freed under it; the cost of stopping is that the CPU stays
// busy until the factorisation in progress ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "run_control.hpp"

namespace nnsim {

// Below this many flops a call is run in place (a helper thread would cost more than it could save).
constexpr double kDetachableFlops = 5e7;

// Runs `compute()` and returns its result. When the run on this thread can be stopped and the call is
// estimated at `flops` ≥ kDetachableFlops, it runs on a helper thread as described above.
template <class Compute>
auto detachable(double flops, Compute compute) -> std::invoke_result_t<Compute&> {
  using Result = std::invoke_result_t<Compute&>;
  const RunControl* control = RunControl::current();
  if (control == nullptr || !control->stoppable() || flops < kDetachableFlops) return compute();
  control->throwIfCancelled();
  struct State {
    std::mutex mutex;
    std::condition_variable done;
    bool finished = false;
    std::optional<Result> result;
    std::exception_ptr error;
  };
  auto state = std::make_shared<State>();
  std::thread helper([state, compute = std::move(compute)]() mutable {
    std::optional<Result> result;
    std::exception_ptr error;
    try {
      result.emplace(compute());
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(state->mutex);
    state->result = std::move(result);
    state->error = error;
    state->finished = true;
    state->done.notify_all();
  });
  std::unique_lock<std::mutex> lock(state->mutex);
  while (!state->done.wait_for(lock, std::chrono::milliseconds(1), [&] { return state->finished; })) {
    try {
      control->throwIfCancelled();
    } catch (...) {
      lock.unlock();
      helper.detach();  // it finishes on its own; `state` keeps what it writes alive
      throw;
    }
  }
  lock.unlock();
  helper.join();
  if (state->error) std::rethrow_exception(state->error);
  return std::move(*state->result);
}

}  // namespace nnsim
