#include "options.hpp"

#include <cmath>
#include <sstream>

#include "errors.hpp"

namespace nnsim {
namespace {

std::string describe(const OptionValue& v) {
  if (std::holds_alternative<double>(v)) {
    std::ostringstream s;
    s << std::get<double>(v);
    return "number " + s.str();
  }
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "boolean true" : "boolean false";
  return "string \"" + std::get<std::string>(v) + "\"";
}

[[noreturn]] void bad(const std::string& key, const std::string& expected, const OptionValue& got) {
  throw Error(ErrorCode::Option, "Expected " + expected + " for option '" + key + "' but received " + describe(got));
}

std::string boundsText(double min, double max, bool minEx, bool maxEx) {
  std::ostringstream s;
  s << (minEx ? "(" : "[") << min << ", " << max << (maxEx ? ")" : "]");
  return s.str();
}

}  // namespace

double Options::number(const std::string& key, double fallback, double min, double max, bool minExclusive,
                       bool maxExclusive) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string expected = "a finite number in " + boundsText(min, max, minExclusive, maxExclusive);
  if (!std::holds_alternative<double>(it->second)) bad(key, expected, it->second);
  const double v = std::get<double>(it->second);
  if (!std::isfinite(v) || v < min || v > max || (minExclusive && v == min) || (maxExclusive && v == max)) {
    bad(key, expected, it->second);
  }
  return v;
}

std::int64_t Options::integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!std::holds_alternative<double>(it->second)) bad(key, expected, it->second);
  const double v = std::get<double>(it->second);
  if (!std::isfinite(v) || std::floor(v) != v || v < static_cast<double>(min) || v > static_cast<double>(max)) {
    bad(key, expected, it->second);
  }
  return static_cast<std::int64_t>(v);
}

bool Options::flag(const std::string& key, bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (!std::holds_alternative<bool>(it->second)) bad(key, "a boolean", it->second);
  return std::get<bool>(it->second);
}

std::string Options::choice(const std::string& key, const std::string& fallback,
                            std::initializer_list<const char*> allowed) const {
  auto it = values_.find(key);
  std::string expected = "one of";
  for (const char* a : allowed) expected += std::string(" '") + a + "'";
  if (it == values_.end()) return fallback;
  if (!std::holds_alternative<std::string>(it->second)) bad(key, expected, it->second);
  const std::string& v = std::get<std::string>(it->second);
  for (const char* a : allowed) {
    if (v == a) return v;
  }
  bad(key, expected, it->second);
}

}  // namespace nnsim
