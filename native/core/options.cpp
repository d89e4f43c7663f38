#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "errors.hpp"
#include "run_control.hpp"

namespace nnsim {
namespace {

// A number as JavaScript prints it (fixed notation in [1e-7, 1e21), shortest round-trip digits), so
// messages read the same as the TypeScript layer's.
std::string jsNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buffer[400];
  const double magnitude = std::fabs(v);
  const auto format = magnitude == 0.0 || (magnitude >= 1e-7 && magnitude < 1e21) ? std::chars_format::fixed
                                                                                    : std::chars_format::scientific;
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v, format);
  return std::string(buffer, result.ptr);
}

std::string describe(const OptionValue& v) {
  if (std::holds_alternative<double>(v)) return "number " + jsNumber(std::get<double>(v));
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "boolean true" : "boolean false";
  return "string \"" + std::get<std::string>(v) + "\"";
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t previous = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t current = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1)});
      previous = current;
    }
  }
  return row[b.size()];
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

enum class Side { Lower, Upper };

OptionSpec withBound(OptionSpec spec, Side side, double bound, bool exclusive) {
  (side == Side::Lower ? spec.min : spec.max) = bound;
  (side == Side::Lower ? spec.minExclusive : spec.maxExclusive) = exclusive;
  return spec;
}

OptionSpec make(const char* name, OptionType type, std::optional<OptionValue> defaultValue) {
  OptionSpec spec;
  spec.name = name;
  spec.type = type;
  spec.defaultValue = std::move(defaultValue);
  return spec;
}

}  // namespace

OptionSpec OptionSpec::atLeast(double bound) const { return withBound(*this, Side::Lower, bound, false); }
OptionSpec OptionSpec::above(double bound) const { return withBound(*this, Side::Lower, bound, true); }
OptionSpec OptionSpec::atMost(double bound) const { return withBound(*this, Side::Upper, bound, false); }
OptionSpec OptionSpec::below(double bound) const { return withBound(*this, Side::Upper, bound, true); }

OptionSpec OptionSpec::isRequired() const {
  OptionSpec s = *this;
  s.required = true;
  return s;
}

bool OptionSpec::accepts(const OptionValue& value) const {
  switch (type) {
    case OptionType::Boolean: return std::holds_alternative<bool>(value);
    case OptionType::Enum:
      return std::holds_alternative<std::string>(value) &&
             std::find(values.begin(), values.end(), std::get<std::string>(value)) != values.end();
    case OptionType::Number:
    case OptionType::Integer: {
      if (!std::holds_alternative<double>(value)) return false;
      const double v = std::get<double>(value);
      if (!std::isfinite(v)) return false;
      if (type == OptionType::Integer && std::floor(v) != v) return false;
      if (v < min || (minExclusive && v == min)) return false;
      if (v > max || (maxExclusive && v == max)) return false;
      return true;
    }
  }
  return false;
}

std::string OptionSpec::expected() const {
  switch (type) {
    case OptionType::Boolean: return "a boolean";
    case OptionType::Enum: {
      std::string out = "one of ";
      for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", '" : "'") + values[i] + "'";
      return out;
    }
    case OptionType::Number:
    case OptionType::Integer: {
      std::string out = type == OptionType::Integer ? "an integer" : "a finite number";
      if (std::isfinite(min)) out += std::string(minExclusive ? " > " : " ≥ ") + jsNumber(min);
      if (std::isfinite(max)) out += std::string(maxExclusive ? " < " : " ≤ ") + jsNumber(max);
      return out;
    }
  }
  return "a value";
}

const char* optionTypeName(OptionType type) {
  switch (type) {
    case OptionType::Number: return "number";
    case OptionType::Integer: return "integer";
    case OptionType::Boolean: return "boolean";
    case OptionType::Enum: return "enum";
  }
  return "unknown";
}

OptionSpec numberOption(const char* name) { return make(name, OptionType::Number, std::nullopt); }
OptionSpec numberOption(const char* name, double defaultValue) { return make(name, OptionType::Number, defaultValue); }
OptionSpec integerOption(const char* name) { return make(name, OptionType::Integer, std::nullopt); }
OptionSpec integerOption(const char* name, std::int64_t defaultValue) {
  return make(name, OptionType::Integer, static_cast<double>(defaultValue));
}
OptionSpec booleanOption(const char* name, bool defaultValue) { return make(name, OptionType::Boolean, defaultValue); }
OptionSpec enumOption(const char* name, std::initializer_list<const char*> values, const char* defaultValue) {
  OptionSpec spec = make(name, OptionType::Enum, std::string(defaultValue));
  for (const char* v : values) spec.values.emplace_back(v);
  return spec;
}

std::optional<std::string> nearestName(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t bestDistance = std::numeric_limits<std::size_t>::max();
  for (const std::string& candidate : candidates) {
    const std::size_t d = editDistance(lower(word), lower(candidate));
    if (d < bestDistance) {
      best = &candidate;
      bestDistance = d;
    }
  }
  if (best == nullptr || bestDistance > std::max<std::size_t>(2, best->size() / 3)) return std::nullopt;
  return *best;
}

Options Options::resolved(const OptionSpecs& specs, const std::string& owner) const {
  if (specs_ != nullptr) throw Error(ErrorCode::Internal, "options of " + owner + " resolved twice");
  std::vector<std::string> names;
  for (const OptionSpec& spec : specs) names.push_back(spec.name);
  for (const auto& [key, value] : values_) {
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string message = "Unknown option '" + key + "' for " + owner;
    if (const auto suggestion = nearestName(key, names)) message += "; did you mean '" + *suggestion + "'?";
    if (names.empty()) {
      message += " It takes no options.";
    } else {
      message += " Its options are: ";
      for (std::size_t i = 0; i < names.size(); ++i) message += (i ? ", " : "") + names[i];
      message += ".";
    }
    throw Error(ErrorCode::Option, message);
  }
  Options out;
  out.specs_ = &specs;
  for (const OptionSpec& spec : specs) {
    const auto given = values_.find(spec.name);
    if (given == values_.end()) {
      if (spec.defaultValue) {
        out.values_[spec.name] = *spec.defaultValue;
      } else if (spec.required) {
        throw Error(ErrorCode::Option, owner + " needs option '" + spec.name + "' (" + spec.expected() + ")");
      }
      continue;
    }
    if (!spec.accepts(given->second)) {
      throw Error(ErrorCode::Option, "Expected " + spec.expected() + " for option '" + spec.name + "' of " + owner +
                                         " but received " + describe(given->second));
    }
    out.values_[spec.name] = given->second;
  }
  return out;
}

const OptionSpec& Options::declared(const std::string& key, std::initializer_list<OptionType> types) const {
  if (specs_ == nullptr) throw Error(ErrorCode::Internal, "option '" + key + "' read before the options were validated");
  for (const OptionSpec& spec : *specs_) {
    if (spec.name != key) continue;
    if (std::find(types.begin(), types.end(), spec.type) == types.end()) {
      throw Error(ErrorCode::Internal, "option '" + key + "' is declared as " + optionTypeName(spec.type) +
                                           " but read as another type");
    }
    return spec;
  }
  throw Error(ErrorCode::Internal, "option '" + key + "' is read but not declared in the spec");
}

const OptionValue& Options::value(const OptionSpec& spec) const {
  const auto it = values_.find(spec.name);
  if (it == values_.end()) {
    throw Error(ErrorCode::Internal, "option '" + spec.name + "' has no default: check has() before reading it");
  }
  return it->second;
}

bool Options::has(const std::string& key) const {
  declared(key, {OptionType::Number, OptionType::Integer, OptionType::Boolean, OptionType::Enum});
  return values_.count(key) != 0;
}

double Options::number(const std::string& key) const {
  return std::get<double>(value(declared(key, {OptionType::Number, OptionType::Integer})));
}

std::int64_t Options::integer(const std::string& key) const {
  return static_cast<std::int64_t>(std::get<double>(value(declared(key, {OptionType::Integer}))));
}

bool Options::flag(const std::string& key) const { return std::get<bool>(value(declared(key, {OptionType::Boolean}))); }

const std::string& Options::choice(const std::string& key) const {
  return std::get<std::string>(value(declared(key, {OptionType::Enum})));
}

MatrixOptionSpec MatrixOptionSpec::isRequired() const {
  MatrixOptionSpec s = *this;
  s.required = true;
  return s;
}

MatrixOptionSpec symmetricMatrixOption(const char* name) {
  MatrixOptionSpec spec;
  spec.name = name;
  return spec;
}

MatrixOptions MatrixOptions::resolved(const MatrixOptionSpecs& specs, std::size_t n, const std::string& owner) const {
  if (specs_ != nullptr) throw Error(ErrorCode::Internal, "matrix options of " + owner + " resolved twice");
  for (const auto& entry : values_) {
    // (A named variable, not a structured binding: C++17 lambdas cannot capture those, and clang refuses.)
    const std::string& key = entry.first;
    const bool known = std::any_of(specs.begin(), specs.end(), [&](const MatrixOptionSpec& s) { return s.name == key; });
    if (!known) throw Error(ErrorCode::Option, "Unknown matrix option '" + key + "' for " + owner);
  }
  MatrixOptions out;
  out.specs_ = &specs;
  for (const MatrixOptionSpec& spec : specs) {
    const auto given = values_.find(spec.name);
    const std::string what = "option '" + spec.name + "' of " + owner;
    if (given == values_.end()) {
      if (spec.required) throw Error(ErrorCode::Option, owner + " needs " + "option '" + spec.name + "' (an N × N matrix, N = " + std::to_string(n) + ")");
      continue;
    }
    const MatrixView m = given->second;
    if (m.rows != n || m.cols != n || m.data == nullptr) {
      throw Error(ErrorCode::Shape, what + " must be " + std::to_string(n) + " × " + std::to_string(n) +
                                        " (one row and column per input) but is " + std::to_string(m.rows) + " × " +
                                        std::to_string(m.cols));
    }
    double largest = 0.0;
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (i % n == 0) checkpoint();
      if (!std::isfinite(m.data[i])) {
        throw Error(ErrorCode::NonFinite, what + " has " + (std::isnan(m.data[i]) ? "NaN" : "an infinite value") +
                                              " at (" + std::to_string(i / n) + ", " + std::to_string(i % n) + ")");
      }
      largest = std::max(largest, std::fabs(m.data[i]));
    }
    for (std::size_t i = 0; i < n; ++i) {
      checkpoint();
      for (std::size_t j = i + 1; j < n; ++j) {
        if (std::fabs(m(i, j) - m(j, i)) > kMatrixSymmetryTolerance * largest) {
          throw Error(ErrorCode::Option, what + " must be symmetric: entry (" + std::to_string(i) + ", " +
                                             std::to_string(j) + ") is " + jsNumber(m(i, j)) + " but (" +
                                             std::to_string(j) + ", " + std::to_string(i) + ") is " + jsNumber(m(j, i)));
        }
      }
    }
    out.values_[spec.name] = m;
  }
  return out;
}

const MatrixOptionSpec& MatrixOptions::declared(const std::string& key) const {
  if (specs_ == nullptr) throw Error(ErrorCode::Internal, "matrix option '" + key + "' read before validation");
  for (const MatrixOptionSpec& spec : *specs_) {
    if (spec.name == key) return spec;
  }
  throw Error(ErrorCode::Internal, "matrix option '" + key + "' is read but not declared in the spec");
}

bool MatrixOptions::has(const std::string& key) const {
  declared(key);
  return values_.count(key) != 0;
}

MatrixView MatrixOptions::matrix(const std::string& key) const {
  declared(key);
  const auto it = values_.find(key);
  if (it == values_.end()) throw Error(ErrorCode::Internal, "matrix option '" + key + "' was not given: check has() first");
  return it->second;
}

}  // namespace nnsim
