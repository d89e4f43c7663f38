// Progress reporting and cooperative cancellation for long computations. A measure calls
// control.step(done, total) between units of work (trials, repetitions, measures); the binding's
// async worker forwards progress to JS and sets the cancel flag when the caller aborts.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "errors.hpp"

namespace nnsim {

class RunControl {
 public:
  // The cancel flag may be shared with whoever cancels (the binding's control object).
  explicit RunControl(std::shared_ptr<std::atomic<bool>> cancelFlag = std::make_shared<std::atomic<bool>>(false))
      : cancelled_(std::move(cancelFlag)) {}
  virtual ~RunControl() = default;

  // Reports progress of the current measure as done/total units and throws Error(Cancelled) when the
  // run was cancelled, so a loop that reports progress is also a cancellation point.
  void step(std::size_t done, std::size_t total) {
    throwIfCancelled();
    onProgress(done, total);
  }

  void throwIfCancelled() const {
    if (cancelled()) throw Error(ErrorCode::Cancelled, "the computation was cancelled");
  }

  void cancel() { cancelled_->store(true, std::memory_order_relaxed); }
  // The cancel flag, for the controls of helper threads of this run (which report no progress).
  const std::shared_ptr<std::atomic<bool>>& cancelFlag() const { return cancelled_; }
  bool cancelled() const { return cancelled_->load(std::memory_order_relaxed); }

  // Set by the runner: which measure of a compareMany call is running.
  void beginMeasure(std::size_t index, const std::string& id) {
    measureIndex_ = index;
    measureId_ = id;
  }
  std::size_t measureIndex() const { return measureIndex_; }
  const std::string& measureId() const { return measureId_; }

 protected:
  virtual void onProgress(std::size_t /*done*/, std::size_t /*total*/) {}

 private:
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::size_t measureIndex_ = 0;
  std::string measureId_;
};

}  // namespace nnsim
