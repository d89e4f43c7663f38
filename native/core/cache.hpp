// A thread-safe, type-checked memo of derived quantities, keyed by string. Each value is computed at
// most once, even when several threads (async workers sharing a prepared representation) ask at once;
// a computation that throws leaves the slot empty so a later call can retry.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <typeindex>
#include <utility>

#include "errors.hpp"

namespace nnsim {

class Memo {
 public:
  template <class T, class Compute>
  const T& get(const std::string& key, Compute&& compute) const {
    std::shared_ptr<Slot> slot;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& entry = slots_[key];
      if (!entry) entry = std::make_shared<Slot>();
      slot = entry;
    }
    std::call_once(slot->once, [&] {
      slot->value = std::make_shared<T>(compute());
      slot->type = std::type_index(typeid(T));
    });
    if (slot->type != std::type_index(typeid(T))) {
      throw Error(ErrorCode::Internal, "memo key '" + key + "' was used with two different types");
    }
    return *static_cast<const T*>(slot->value.get());
  }

  // True when `key` holds a computed value (a cheaper path may then reuse it).
  bool has(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = slots_.find(key);
    return it != slots_.end() && it->second->value != nullptr;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.clear();
  }

 private:
  struct Slot {
    std::once_flag once;
    std::shared_ptr<void> value;
    std::type_index type = std::type_index(typeid(void));
  };
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<Slot>> slots_;
};

}  // namespace nnsim
