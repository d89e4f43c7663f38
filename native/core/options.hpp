// Measure options as they cross from JS: a flat map of numbers, booleans and strings. The TypeScript
// registry validates options first; the core validates them again when it reads them, so a direct
// call of the binding cannot smuggle in an out-of-range value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <variant>

namespace nnsim {

using OptionValue = std::variant<double, bool, std::string>;

class Options {
 public:
  void set(const std::string& key, OptionValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  bool operator==(const Options& other) const { return values_ == other.values_; }
  bool operator!=(const Options& other) const { return !(*this == other); }

  // A finite number in [min, max] (bounds inclusive unless the *Exclusive flags say otherwise).
  double number(const std::string& key, double fallback, double min, double max, bool minExclusive = false,
                bool maxExclusive = false) const;
  // An integer in [min, max].
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  bool flag(const std::string& key, bool fallback) const;
  // One of the allowed strings.
  std::string choice(const std::string& key, const std::string& fallback,
                     std::initializer_list<const char*> allowed) const;

 private:
  std::map<std::string, OptionValue> values_;
};

}  // namespace nnsim
