// Argument checking and conversion at the JS boundary. Every check the TypeScript layer makes is made
// again here, so calling the raw binding with hostile arguments gives a typed error, never a crash or
// an out-of-bounds read.
#pragma once

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "matrix.hpp"
#include "measure.hpp"
#include "moments.hpp"
#include "options.hpp"

namespace nnsim::binding {

// An error as it crosses the seam: the code, the message and the measure it belongs to (empty when
// none). Worker threads keep errors in this form until the main thread turns them into JS errors.
struct ErrorRecord {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::string measure;
};

// The one translation of C++ exceptions: call it inside a catch block. nnsim::Error keeps its code,
// std::bad_alloc is E_OUT_OF_MEMORY, anything else E_INTERNAL. `measure` (may be empty) is recorded;
// makeError prefixes it to the message.
ErrorRecord currentError(const std::string& measure = "");

// Registers the JS class the binding throws (nnsim's NnsimError: new NnsimError(code, message,
// { measure })), once per environment (main thread and each worker) when the TS layer loads the addon.
void registerErrorClass(Napi::Env env, const Napi::Function& errorClass);

// An instance of the registered error class (a plain Error with `code` and `name` 'NnsimError' before
// registration, e.g. when the raw addon is loaded by hand).
Napi::Error makeError(Napi::Env env, const ErrorRecord& record);
Napi::Error makeError(Napi::Env env, ErrorCode code, const std::string& message);
[[noreturn]] void throwError(Napi::Env env, ErrorCode code, const std::string& message);

// Runs `body`, converting C++ exceptions into JS errors (JS exceptions pass through unchanged).
template <class Body>
auto guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw makeError(env, currentError());
  }
}

// A Float64Array or Float32Array view of rows x cols, used in place; checks type, detached/shared buffers
// and rows·cols = length. Finiteness is checked by the core Representation.
SourceView sourceArgument(Napi::Env env, const Napi::Value& data, const Napi::Value& rows, const Napi::Value& cols);
// The same for arguments that must be float64.
MatrixView matrixArgument(Napi::Env env, const Napi::Value& data, const Napi::Value& rows, const Napi::Value& cols);

// A plain object of option values (number | boolean | string) -> Options (as given, not yet resolved).
Options optionsArgument(Napi::Env env, const Napi::Value& value, const std::string& where);

// The same, resolved against `specs` (unknown keys, types, bounds; defaults filled).
Options resolvedOptionsArgument(Napi::Env env, const Napi::Value& value, const OptionSpecs& specs,
                                const std::string& where);

// Option specs as JS data: { [name]: { type: 'number' | 'integer' | 'boolean' | 'enum', default?, required?,
// min?, max?, minExclusive?, maxExclusive?, values? } } (infinite bounds left out).
Napi::Object optionSpecsToJs(Napi::Env env, const OptionSpecs& specs);

// An array of measure ids.
std::vector<std::string> stringArrayArgument(Napi::Env env, const Napi::Value& value, const std::string& what);

// Optional plain object of matrix-valued options { [name]: { data: Float64Array, rows, cols } } (undefined →
// none); each matrix is checked like matrixArgument. The views are of JS memory: copy them to keep them.
std::vector<std::pair<std::string, MatrixView>> matrixOptionsArgument(Napi::Env env, const Napi::Value& value,
                                                                      const std::string& where);

// Matrix option specs as JS data: { [name]: { shape: 'symmetric', required? } }.
Napi::Object matrixOptionSpecsToJs(Napi::Env env, const MatrixOptionSpecs& specs);

// Optional Int32Array of labels (undefined -> empty vector, `present` false).
std::vector<std::int32_t> labelsArgument(Napi::Env env, const Napi::Value& value, bool& present);

// An optional time budget in milliseconds for a synchronous run: undefined, null or Infinity → none
// (-1); otherwise a number ≥ 0 (E_OPTION else).
double timeoutArgument(Napi::Env env, const Napi::Value& value);

// An optional string argument naming one of `choices`: undefined or null → `fallback`; another value →
// E_OPTION with `message`.
template <class T>
T choiceArgument(Napi::Env env, const Napi::Value& value, T fallback, std::initializer_list<std::pair<const char*, T>> choices,
                 const char* message) {
  if (value.IsUndefined() || value.IsNull()) return fallback;
  const std::string text = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  for (const auto& [name, choice] : choices) {
    if (text == name) return choice;
  }
  throwError(env, ErrorCode::Option, message);
}

// The precision of the feature-space products: 'double' (also for undefined or null) or 'single'
// (E_OPTION else).
Precision precisionArgument(Napi::Env env, const Napi::Value& value);

// One JS value per outcome of `ids`: the number, or the NnsimError (with its measure) translated from the
// outcome's exception by currentError.
Napi::Array outcomesToJs(Napi::Env env, const std::vector<MeasureOutcome>& outcomes, const std::vector<std::string>& ids);

// A non-negative integer argument below `max`.
std::size_t sizeArgument(Napi::Env env, const Napi::Value& value, const std::string& what, std::size_t max);

}  // namespace nnsim::binding
