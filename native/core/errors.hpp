// Typed errors of the core. Every failure the core can detect is an nnsim::Error with a stable code;
// the binding turns it into a JS error whose `code` property is errorCodeName(code).
#pragma once

#include <stdexcept>
#include <string>

namespace nnsim {

enum class ErrorCode {
  Type,            // E_TYPE: an argument has the wrong type (binding level)
  Shape,           // E_SHAPE: rows x cols does not match, mismatched N, D = 0
  TooFewRows,      // E_TOO_FEW_ROWS: N is below the minimum a measure needs
  NonFinite,       // E_NONFINITE: NaN or +-Inf in the input
  Detached,        // E_DETACHED: the ArrayBuffer behind an input was detached
  SharedBuffer,    // E_SHARED_BUFFER: the input lives in a SharedArrayBuffer
  Option,          // E_OPTION: an option has the wrong type or value
  UnknownMeasure,  // E_UNKNOWN_MEASURE: no measure with that id
  Degenerate,      // E_DEGENERATE: the measure is undefined for this input (e.g. zero variance)
  Numerical,       // E_NUMERICAL: LAPACK did not converge or a result was not finite
  Cancelled,       // E_CANCELLED: the run was cancelled through its RunControl
  Timeout,         // E_TIMEOUT: the run went past its RunControl's deadline
  OutOfMemory,     // E_OUT_OF_MEMORY: an allocation failed
  NotStreamable,   // E_NOT_STREAMABLE: the measure (with these options) cannot be accumulated over row batches
  State,           // E_STATE: an accumulator state or merge does not match (version, measures, options, shape)
  Internal,        // E_INTERNAL: a bug; please report
};

inline const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Type: return "E_TYPE";
    case ErrorCode::Shape: return "E_SHAPE";
    case ErrorCode::TooFewRows: return "E_TOO_FEW_ROWS";
    case ErrorCode::NonFinite: return "E_NONFINITE";
    case ErrorCode::Detached: return "E_DETACHED";
    case ErrorCode::SharedBuffer: return "E_SHARED_BUFFER";
    case ErrorCode::Option: return "E_OPTION";
    case ErrorCode::UnknownMeasure: return "E_UNKNOWN_MEASURE";
    case ErrorCode::Degenerate: return "E_DEGENERATE";
    case ErrorCode::Numerical: return "E_NUMERICAL";
    case ErrorCode::Cancelled: return "E_CANCELLED";
    case ErrorCode::Timeout: return "E_TIMEOUT";
    case ErrorCode::OutOfMemory: return "E_OUT_OF_MEMORY";
    case ErrorCode::NotStreamable: return "E_NOT_STREAMABLE";
    case ErrorCode::State: return "E_STATE";
    case ErrorCode::Internal: return "E_INTERNAL";
  }
  return "E_INTERNAL";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace nnsim
