#include "convert.hpp"

#include <climits>
#include <cmath>

namespace nnsim::binding {
namespace {

// The typed array's buffer, read through N-API rather than the (overridable) JS `buffer` getter.
Napi::Value underlyingBuffer(Napi::Env env, const Napi::TypedArray& typed) {
  napi_value buffer = nullptr;
  if (napi_get_typedarray_info(env, typed, nullptr, nullptr, nullptr, &buffer, nullptr) != napi_ok || buffer == nullptr) {
    throwError(env, ErrorCode::Type, "could not read the typed array's buffer");
  }
  return Napi::Value(env, buffer);
}

}  // namespace

ErrorRecord currentError(const std::string& measure) {
  ErrorRecord record;
  record.measure = measure;
  try {
    throw;
  } catch (const Error& e) {
    record.code = e.code();
    record.message = e.what();
  } catch (const std::bad_alloc&) {
    record.code = ErrorCode::OutOfMemory;
    record.message = "out of memory";
  } catch (const std::exception& e) {
    record.code = ErrorCode::Internal;
    record.message = std::string("internal error: ") + e.what();
  } catch (...) {
    record.code = ErrorCode::Internal;
    record.message = "internal error: unknown exception";
  }
  return record;
}

namespace {

// Per-environment data of the addon (napi instance data): the registered error class.
struct AddonData {
  Napi::FunctionReference errorClass;
};

}  // namespace

void registerErrorClass(Napi::Env env, const Napi::Function& errorClass) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr) {
    data = new AddonData();
    env.SetInstanceData(data);  // deleted by the environment's teardown
  }
  data->errorClass = Napi::Persistent(errorClass);
}

Napi::Error makeError(Napi::Env env, const ErrorRecord& record) {
  const std::string message = record.measure.empty() ? record.message : record.measure + ": " + record.message;
  const AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->errorClass.IsEmpty()) {
    Napi::Object options = Napi::Object::New(env);
    if (!record.measure.empty()) options.Set("measure", Napi::String::New(env, record.measure));
    Napi::Object error = data->errorClass.New(
        {Napi::String::New(env, errorCodeName(record.code)), Napi::String::New(env, message), options});
    return Napi::Error(env, error);
  }
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, errorCodeName(record.code)));
  error.Set("name", Napi::String::New(env, "NnsimError"));
  if (!record.measure.empty()) error.Set("measure", Napi::String::New(env, record.measure));
  return error;
}

Napi::Error makeError(Napi::Env env, ErrorCode code, const std::string& message) {
  return makeError(env, ErrorRecord{code, message, ""});
}

void throwError(Napi::Env env, ErrorCode code, const std::string& message) { throw makeError(env, code, message); }

std::size_t sizeArgument(Napi::Env env, const Napi::Value& value, const std::string& what, std::size_t max) {
  if (!value.IsNumber()) throwError(env, ErrorCode::Type, what + " must be a number");
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || v < 0 || std::floor(v) != v || v > static_cast<double>(max)) {
    throwError(env, ErrorCode::Shape, what + " must be an integer in [0, " + std::to_string(max) + "]");
  }
  return static_cast<std::size_t>(v);
}

SourceView sourceArgument(Napi::Env env, const Napi::Value& data, const Napi::Value& rowsValue,
                          const Napi::Value& colsValue) {
  const bool typed = data.IsTypedArray();
  const napi_typedarray_type type = typed ? data.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
  if (!typed || (type != napi_float64_array && type != napi_float32_array)) {
    throwError(env, ErrorCode::Type, "matrix data must be a Float64Array or Float32Array (convert other arrays first)");
  }
  Napi::TypedArray array = data.As<Napi::TypedArray>();
  Napi::Value buffer = underlyingBuffer(env, array);
  bool isArrayBuffer = false;
  napi_is_arraybuffer(env, buffer, &isArrayBuffer);
  if (!isArrayBuffer) {
    throwError(env, ErrorCode::SharedBuffer,
               "matrix data lives in a SharedArrayBuffer; copy it into a Float64Array first");
  }
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, buffer, &detached) != napi_ok || detached) {
    throwError(env, ErrorCode::Detached, "the ArrayBuffer behind the matrix data is detached");
  }
  // BLAS uses 32-bit dimensions.
  const std::size_t rows = sizeArgument(env, rowsValue, "rows", static_cast<std::size_t>(INT_MAX));
  const std::size_t cols = sizeArgument(env, colsValue, "cols", static_cast<std::size_t>(INT_MAX));
  const std::size_t length = array.ElementLength();
  if (rows == 0 || cols == 0) {
    throwError(env, ErrorCode::Shape, "a matrix needs at least one row and one column (got " + std::to_string(rows) +
                                          " x " + std::to_string(cols) + ")");
  }
  if (rows > length / cols || rows * cols != length) {
    throwError(env, ErrorCode::Shape, "rows x cols = " + std::to_string(rows) + " x " + std::to_string(cols) +
                                          " does not match the data length " + std::to_string(length));
  }
  if (type == napi_float32_array) return SourceView(data.As<Napi::Float32Array>().Data(), rows, cols);
  return SourceView(MatrixView(data.As<Napi::Float64Array>().Data(), rows, cols));
}

MatrixView matrixArgument(Napi::Env env, const Napi::Value& data, const Napi::Value& rows, const Napi::Value& cols) {
  if (data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throwError(env, ErrorCode::Type, "matrix data must be a Float64Array (convert other arrays first)");
  }
  return sourceArgument(env, data, rows, cols).doubles();
}

Options optionsArgument(Napi::Env env, const Napi::Value& value, const std::string& where) {
  Options options;
  if (value.IsUndefined() || value.IsNull()) return options;
  if (!value.IsObject() || value.IsArray()) throwError(env, ErrorCode::Option, where + ": options must be a plain object");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Array keys = object.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    Napi::Value keyValue = keys.Get(i);
    const std::string key = keyValue.ToString().Utf8Value();
    Napi::Value v = object.Get(keyValue);
    if (v.IsNumber()) {
      options.set(key, v.As<Napi::Number>().DoubleValue());
    } else if (v.IsBoolean()) {
      options.set(key, v.As<Napi::Boolean>().Value());
    } else if (v.IsString()) {
      options.set(key, v.As<Napi::String>().Utf8Value());
    } else if (v.IsUndefined()) {
      continue;
    } else {
      throwError(env, ErrorCode::Option, where + ": option '" + key + "' must be a number, boolean or string");
    }
  }
  return options;
}

Options resolvedOptionsArgument(Napi::Env env, const Napi::Value& value, const OptionSpecs& specs,
                                const std::string& where) {
  return optionsArgument(env, value, where).resolved(specs, where);
}

namespace {

Napi::Value optionValueToJs(Napi::Env env, const OptionValue& value) {
  if (std::holds_alternative<double>(value)) return Napi::Number::New(env, std::get<double>(value));
  if (std::holds_alternative<bool>(value)) return Napi::Boolean::New(env, std::get<bool>(value));
  return Napi::String::New(env, std::get<std::string>(value));
}

}  // namespace

Napi::Object optionSpecsToJs(Napi::Env env, const OptionSpecs& specs) {
  Napi::Object out = Napi::Object::New(env);
  for (const OptionSpec& spec : specs) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", Napi::String::New(env, optionTypeName(spec.type)));
    if (spec.defaultValue) o.Set("default", optionValueToJs(env, *spec.defaultValue));
    if (spec.required) o.Set("required", Napi::Boolean::New(env, true));
    if (std::isfinite(spec.min)) {
      o.Set("min", Napi::Number::New(env, spec.min));
      if (spec.minExclusive) o.Set("minExclusive", Napi::Boolean::New(env, true));
    }
    if (std::isfinite(spec.max)) {
      o.Set("max", Napi::Number::New(env, spec.max));
      if (spec.maxExclusive) o.Set("maxExclusive", Napi::Boolean::New(env, true));
    }
    if (spec.type == OptionType::Enum) {
      Napi::Array values = Napi::Array::New(env, spec.values.size());
      for (std::size_t i = 0; i < spec.values.size(); ++i) {
        values.Set(static_cast<uint32_t>(i), Napi::String::New(env, spec.values[i]));
      }
      o.Set("values", values);
    }
    out.Set(spec.name, o);
  }
  return out;
}

Precision precisionArgument(Napi::Env env, const Napi::Value& value) {
  return choiceArgument(env, value, Precision::Double, {{"double", Precision::Double}, {"single", Precision::Single}},
                        "precision must be 'double' or 'single'");
}

double timeoutArgument(Napi::Env env, const Napi::Value& value) {
  if (value.IsUndefined() || value.IsNull()) return -1.0;
  const double ms = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!value.IsNumber() || std::isnan(ms) || ms < 0.0) {
    throwError(env, ErrorCode::Option, "timeout must be a number of milliseconds >= 0 (or Infinity)");
  }
  return std::isinf(ms) ? -1.0 : ms;
}

std::vector<std::string> stringArrayArgument(Napi::Env env, const Napi::Value& value, const std::string& what) {
  if (!value.IsArray()) throwError(env, ErrorCode::Type, what + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value v = array.Get(i);
    if (!v.IsString()) throwError(env, ErrorCode::Type, what + " must be an array of strings");
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

Napi::Array outcomesToJs(Napi::Env env, const std::vector<MeasureOutcome>& outcomes, const std::vector<std::string>& ids) {
  Napi::Array out = Napi::Array::New(env, outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const MeasureOutcome& o = outcomes[i];
    if (o.ok()) {
      out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, o.value));
      continue;
    }
    ErrorRecord record;
    try {
      std::rethrow_exception(o.error);
    } catch (...) {
      record = currentError(i < ids.size() ? ids[i] : "");
    }
    out.Set(static_cast<uint32_t>(i), makeError(env, record).Value());
  }
  return out;
}

std::vector<std::pair<std::string, MatrixView>> matrixOptionsArgument(Napi::Env env, const Napi::Value& value,
                                                                      const std::string& where) {
  std::vector<std::pair<std::string, MatrixView>> out;
  if (value.IsUndefined() || value.IsNull()) return out;
  if (!value.IsObject() || value.IsArray()) throwError(env, ErrorCode::Option, where + ": matrix options must be a plain object");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Array keys = object.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    const std::string key = keys.Get(i).ToString().Utf8Value();
    Napi::Value m = object.Get(key);
    if (!m.IsObject() || m.IsArray() || m.IsTypedArray()) {
      throwError(env, ErrorCode::Option, where + ": matrix option '" + key + "' must be { data: Float64Array, rows, cols }");
    }
    Napi::Object matrix = m.As<Napi::Object>();
    out.emplace_back(key, matrixArgument(env, matrix.Get("data"), matrix.Get("rows"), matrix.Get("cols")));
  }
  return out;
}

Napi::Object matrixOptionSpecsToJs(Napi::Env env, const MatrixOptionSpecs& specs) {
  Napi::Object out = Napi::Object::New(env);
  for (const MatrixOptionSpec& spec : specs) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("shape", Napi::String::New(env, "symmetric"));
    if (spec.required) o.Set("required", Napi::Boolean::New(env, true));
    out.Set(spec.name, o);
  }
  return out;
}

std::vector<std::int32_t> labelsArgument(Napi::Env env, const Napi::Value& value, bool& present) {
  present = false;
  if (value.IsUndefined() || value.IsNull()) return {};
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throwError(env, ErrorCode::Type, "labels must be an Int32Array");
  }
  Napi::Int32Array labels = value.As<Napi::Int32Array>();
  Napi::Value buffer = underlyingBuffer(env, labels);
  bool detached = false;
  if (napi_is_detached_arraybuffer(env, buffer, &detached) == napi_ok && detached) {
    throwError(env, ErrorCode::Detached, "the ArrayBuffer behind the labels is detached");
  }
  present = true;
  // Copied: labels are small and an async worker must not depend on JS memory it does not own.
  return std::vector<std::int32_t>(labels.Data(), labels.Data() + labels.ElementLength());
}

}  // namespace nnsim::binding
