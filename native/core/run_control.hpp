// Progress reporting, cooperative cancellation and time budgets for long computations.
//
// A run has one RunControl. The binding's async worker sets its cancel flag when the caller aborts; a
// synchronous call with a timeout gives it a deadline. Long computations stop at cancellation points:
//   - control.step(done, total) between units of work (trials, repetitions, measures) also reports
//     progress;
//   - checkpoint() anywhere in the core (kernels, shared derived quantities, sorts, blocked BLAS): it
//     reads the control of the run on the current thread, set by RunControl::Scope (the runner sets it,
//     parallelFor carries it into its threads), so deep helpers need no control argument.
// Every loop whose length depends on the input calls one of them at least every few milliseconds of
// work, so an aborted run stops promptly; a single LAPACK call in progress is the only thing that runs
// to its end first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "errors.hpp"

namespace nnsim {

class RunControl {
 public:
  using Clock = std::chrono::steady_clock;

  // The cancel flag may be shared with whoever cancels (the binding's control object).
  explicit RunControl(std::shared_ptr<std::atomic<bool>> cancelFlag = std::make_shared<std::atomic<bool>>(false))
      : cancelled_(std::move(cancelFlag)) {}
  virtual ~RunControl() = default;

  // A wall-clock budget: after `milliseconds` (from now) every cancellation point throws
  // Error(Timeout). Infinity or a negative value: no deadline.
  void setTimeout(double milliseconds) {
    hasDeadline_ = milliseconds >= 0.0 && milliseconds < 1e15;
    if (hasDeadline_) {
      deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double, std::milli>(milliseconds));
    }
    timeoutMilliseconds_ = milliseconds;
  }

  // Reports progress of the current measure as done/total units and throws when the run was cancelled
  // or is past its deadline, so a loop that reports progress is also a cancellation point.
  void step(std::size_t done, std::size_t total) {
    throwIfCancelled();
    onProgress(done, total);
  }

  void throwIfCancelled() const {
    if (cancelled()) throw Error(ErrorCode::Cancelled, "the computation was cancelled");
    if (hasDeadline_ && Clock::now() >= deadline_) {
      throw Error(ErrorCode::Timeout, "the computation took longer than its timeout of " +
                                          formatMilliseconds(timeoutMilliseconds_) + " ms");
    }
  }

  // Whether anything can stop this run: a deadline, or a cancel flag shared with someone who can set it.
  bool stoppable() const { return hasDeadline_ || cancelled_.use_count() > 1 || cancelled(); }

  void cancel() { cancelled_->store(true, std::memory_order_relaxed); }
  // The cancel flag, shared with whoever may cancel this run.
  const std::shared_ptr<std::atomic<bool>>& cancelFlag() const { return cancelled_; }
  // A control of the same run for work that reports no progress of its own (helper threads, a measure
  // evaluated inside a larger run such as a permutation test): the same cancel flag and deadline.
  RunControl quiet() const {
    RunControl out(cancelled_);
    out.hasDeadline_ = hasDeadline_;
    out.deadline_ = deadline_;
    out.timeoutMilliseconds_ = timeoutMilliseconds_;
    return out;
  }
  bool cancelled() const { return cancelled_->load(std::memory_order_relaxed); }

  // Set by the runner: which measure of a compareMany call is running.
  void beginMeasure(std::size_t index, const std::string& id) {
    measureIndex_ = index;
    measureId_ = id;
  }
  std::size_t measureIndex() const { return measureIndex_; }
  const std::string& measureId() const { return measureId_; }

  // The control of the run on this thread (nullptr outside a run).
  static const RunControl* current() { return currentSlot(); }

  // Makes `control` the current one of this thread for the scope's lifetime (nests: restores the
  // previous one).
  class Scope {
   public:
    explicit Scope(const RunControl* control) : previous_(currentSlot()) { currentSlot() = control; }
    ~Scope() { currentSlot() = previous_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const RunControl* previous_;
  };

 protected:
  virtual void onProgress(std::size_t /*done*/, std::size_t /*total*/) {}

 private:
  static const RunControl*& currentSlot() {
    thread_local const RunControl* slot = nullptr;
    return slot;
  }
  static std::string formatMilliseconds(double ms) {
    std::string s = std::to_string(ms);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  std::shared_ptr<std::atomic<bool>> cancelled_;
  bool hasDeadline_ = false;
  Clock::time_point deadline_{};
  double timeoutMilliseconds_ = -1.0;
  std::size_t measureIndex_ = 0;
  std::string measureId_;
};

// A cancellation point: throws Error(Cancelled | Timeout) when the run on this thread must stop.
// Costs a thread-local read and an atomic load (plus a clock read when the run has a deadline).
inline void checkpoint() {
  if (const RunControl* control = RunControl::current()) control->throwIfCancelled();
}

// Calls checkpoint() once every `every` calls of tick(): for loops whose iterations are too cheap to
// check each time.
class CheckpointCounter {
 public:
  explicit CheckpointCounter(std::size_t every) : every_(every == 0 ? 1 : every) {}
  void tick(std::size_t units = 1) {
    count_ += units;
    if (count_ >= every_) {
      count_ = 0;
      checkpoint();
    }
  }

 private:
  std::size_t every_;
  std::size_t count_ = 0;
};

// vector.resize(n) for a large n, with a cancellation point every 2^20 new elements (the zero-fill of
// hundreds of megabytes is otherwise one uninterruptible pass).
template <class Vector>
void resizeWithCheckpoints(Vector& v, std::size_t n) {
  constexpr std::size_t piece = std::size_t{1} << 20;
  v.reserve(n);
  while (v.size() + piece < n) {
    checkpoint();
    v.resize(v.size() + piece);
  }
  v.resize(n);
}

}  // namespace nnsim
