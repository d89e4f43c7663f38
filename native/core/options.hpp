// Options of a measure (or of another core entry point): each declares its parameters once, as a list of
// OptionSpec next to its kernel (name, type, default, bounds, enum values). The values a call gives
// cross from JS as a flat map of numbers, booleans and strings; Options::resolved() validates them once
// against the spec (unknown keys, types, bounds), fills the defaults, and the kernel then reads the
// resolved values by name without restating defaults or bounds. The binding exports the specs, and a
// TypeScript test locks the TS option schemas to them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "matrix.hpp"

namespace nnsim {

using OptionValue = std::variant<double, bool, std::string>;

enum class OptionType { Number, Integer, Boolean, Enum };

// "number", "integer", "boolean", "enum" (as exported to JS).
const char* optionTypeName(OptionType type);

// One declared parameter. Built with numberOption/integerOption/booleanOption/enumOption and refined
// with the bound and presence methods, e.g. numberOption("sigma", 1.0).above(0.0).atMost(1e6).
struct OptionSpec {
  std::string name;
  OptionType type = OptionType::Number;
  // The value used when the call gives none. Absent: the option is optional and the kernel derives
  // what absence means (e.g. a tolerance computed from the data), unless `required` is set.
  std::optional<OptionValue> defaultValue;
  bool required = false;
  // Bounds of Number and Integer options; infinite means unbounded (values are always finite).
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool minExclusive = false;
  bool maxExclusive = false;
  std::vector<std::string> values;  // Enum: the allowed strings, in documentation order

  OptionSpec atLeast(double bound) const;
  OptionSpec above(double bound) const;
  OptionSpec atMost(double bound) const;
  OptionSpec below(double bound) const;
  OptionSpec isRequired() const;

  // Whether `value` is acceptable for this option (type, finiteness, integrality, bounds, enum values).
  bool accepts(const OptionValue& value) const;
  // "an integer ≥ 1", "one of 'linear', 'rbf'" … (the `expected` part of an error message).
  std::string expected() const;
};

using OptionSpecs = std::vector<OptionSpec>;

OptionSpec numberOption(const char* name);  // optional, no default
OptionSpec numberOption(const char* name, double defaultValue);
OptionSpec integerOption(const char* name);  // optional, no default
OptionSpec integerOption(const char* name, std::int64_t defaultValue);
OptionSpec booleanOption(const char* name, bool defaultValue);
OptionSpec enumOption(const char* name, std::initializer_list<const char*> values, const char* defaultValue);

// The option values of one call. Built from the given values with set(); resolved() checks them
// against a spec. The typed readers work on resolved options only, and only for declared names: a
// kernel that reads an undeclared option (or reads before validation, or with the wrong type) hits an
// Internal error, which the core tests catch.
class Options {
 public:
  void set(const std::string& key, OptionValue value) { values_[key] = std::move(value); }
  // Same values (compare resolved options: defaults are filled in, so {} equals the defaults spelled out).
  bool operator==(const Options& other) const { return values_ == other.values_; }
  bool operator!=(const Options& other) const { return !(*this == other); }

  // Validates the given values against `specs` and fills defaults. Throws Error(Option) for an unknown
  // key (suggesting the nearest declared one), a value of the wrong type or out of bounds, or a
  // missing required option. `owner` names the measure or entry point in messages ("measure 'cka'").
  Options resolved(const OptionSpecs& specs, const std::string& owner) const;
  bool isResolvedFor(const OptionSpecs& specs) const { return specs_ == &specs; }

  // Whether the option has a value (given or default); for optional options without a default.
  bool has(const std::string& key) const;
  double number(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  bool flag(const std::string& key) const;
  const std::string& choice(const std::string& key) const;

 private:
  const OptionSpec& declared(const std::string& key, std::initializer_list<OptionType> types) const;
  const OptionValue& value(const OptionSpec& spec) const;

  std::map<std::string, OptionValue> values_;
  const OptionSpecs* specs_ = nullptr;  // set once resolved
};

// A matrix-valued option: an N × N matrix tied to the N inputs (e.g. dCKA's input-similarity matrix).
// Its values do not travel in Options: the caller hands them over separately (MatrixOptions), like
// labels, and runMeasure checks them against the spec once: N × N, finite, symmetric.
struct MatrixOptionSpec {
  std::string name;
  bool required = false;

  MatrixOptionSpec isRequired() const;
};

using MatrixOptionSpecs = std::vector<MatrixOptionSpec>;

// A symmetric N × N matrix option (optional; .isRequired() makes it required).
MatrixOptionSpec symmetricMatrixOption(const char* name);

// Relative tolerance of the symmetry check: |A_ij − A_ji| ≤ tolerance · max |A| (float32 rounding of
// a product like X Xᵀ stays well inside it). Kernels use (A + Aᵀ)/2.
constexpr double kMatrixSymmetryTolerance = 1e-6;

// The matrix options of one call: views of memory the caller keeps alive for the call.
class MatrixOptions {
 public:
  void set(const std::string& key, MatrixView value) { values_[key] = value; }

  // Checks the given matrices against `specs` for N inputs: an unknown key or a missing required matrix
  // is E_OPTION, a shape other than N × N is E_SHAPE, a NaN or infinite entry E_NONFINITE, an asymmetric
  // matrix E_OPTION. `owner` names the measure in messages.
  MatrixOptions resolved(const MatrixOptionSpecs& specs, std::size_t n, const std::string& owner) const;

  // Whether a declared matrix option was given (resolved options only).
  bool has(const std::string& key) const;
  // The matrix of a declared, given option (resolved options only; anything else is E_INTERNAL).
  MatrixView matrix(const std::string& key) const;

 private:
  const MatrixOptionSpec& declared(const std::string& key) const;

  std::map<std::string, MatrixView> values_;
  const MatrixOptionSpecs* specs_ = nullptr;  // set once resolved
};

// The candidate closest to `word` (case-insensitive edit distance) when close enough to be a typo.
std::optional<std::string> nearestName(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace nnsim
