// Argument checking and conversion at the JS boundary. Every check the TypeScript layer makes is made
// again here, so calling the raw binding with hostile arguments gives a typed error, never a crash or
// an out-of-bounds read.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "errors.hpp"
#include "matrix.hpp"
#include "options.hpp"

namespace nnsim::binding {

// A JS Error with `code` (E_...) and `name` 'NnsimError'.
Napi::Error makeError(Napi::Env env, ErrorCode code, const std::string& message);
[[noreturn]] void throwError(Napi::Env env, ErrorCode code, const std::string& message);

// Runs `body`, converting C++ exceptions (nnsim::Error, std::bad_alloc, anything else) into JS errors.
template <class Body>
auto guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw makeError(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw makeError(env, ErrorCode::OutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    throw makeError(env, ErrorCode::Internal, std::string("internal error: ") + e.what());
  }
}

// A Float64Array view of rows x cols; checks type, detached/shared buffers and rows·cols = length.
// Finiteness is checked by the core Representation.
MatrixView matrixArgument(Napi::Env env, const Napi::Value& data, const Napi::Value& rows, const Napi::Value& cols);

// A plain object of option values (number | boolean | string) -> Options.
Options optionsArgument(Napi::Env env, const Napi::Value& value, const std::string& where);

// An array of measure ids.
std::vector<std::string> stringArrayArgument(Napi::Env env, const Napi::Value& value, const std::string& what);

// Optional Int32Array of labels (undefined -> empty vector, `present` false).
std::vector<std::int32_t> labelsArgument(Napi::Env env, const Napi::Value& value, bool& present);

// An optional time budget in milliseconds for a synchronous run: undefined, null or Infinity → none
// (-1); otherwise a number ≥ 0 (E_OPTION else).
double timeoutArgument(Napi::Env env, const Napi::Value& value);

// A non-negative integer argument below `max`.
std::size_t sizeArgument(Napi::Env env, const Napi::Value& value, const std::string& what, std::size_t max);

}  // namespace nnsim::binding
