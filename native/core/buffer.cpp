#include "buffer.hpp"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#if defined(_WIN32)
#include <malloc.h>
#elif defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NNSIM_BUFFER_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NNSIM_BUFFER_POOL 0
#endif
#endif
#ifndef NNSIM_BUFFER_POOL
#define NNSIM_BUFFER_POOL 1
#endif

namespace nnsim {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kSmallPage = std::size_t{4} << 10;

// Released large buffers kept for reuse, at most kPoolBytes in all: the same products computed again and
// again (compareMany, a matrix of models, permutation tests, a benchmark loop) then write into memory
// that is already mapped instead of having the kernel fault in and zero fresh pages each time (about
// 5 ms for the 58 MB of intermediates of a 1536-wide joint product, even with huge pages). Not under
// AddressSanitizer, which must see every release to catch a use after it.
constexpr std::size_t kPoolBytes = std::size_t{96} << 20;

struct Block {
  void* p;
  std::size_t capacity;
};

struct Pool {
  std::mutex mutex;
  std::unordered_map<void*, std::size_t> live;  // large buffers handed out, by address: their capacity
  std::vector<Block> idle;                        // released ones, oldest first
  std::size_t idleBytes = 0;
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: buffers may be released during exit
  return *instance;
}

void* alignedAllocate(std::size_t size, std::size_t alignment) {
  void* p = nullptr;
#if defined(_WIN32)
  p = _aligned_malloc(size, alignment);
#else
  if (posix_memalign(&p, alignment, size) != 0) p = nullptr;
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void alignedFree(void* p) noexcept {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

}  // namespace

bool bufferPoolEnabled() { return NNSIM_BUFFER_POOL != 0; }

void* allocateBuffer(std::size_t bytes) {
  if (bytes < kHugePageBytes) return alignedAllocate(bytes > 0 ? bytes : 1, 64);
  // Whole huge pages, so that buffers of nearby sizes can take each other's place.
  if (bytes > static_cast<std::size_t>(-1) - kHugePage) throw std::bad_alloc();
  const std::size_t capacity = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  Pool& shared = pool();
  if (NNSIM_BUFFER_POOL) {
    std::lock_guard<std::mutex> lock(shared.mutex);
    // The smallest idle block that fits and is at most twice the request; of equal ones the most recently
    // released (its memory is the likeliest to be in cache).
    std::size_t best = shared.idle.size();
    for (std::size_t i = shared.idle.size(); i-- > 0;) {
      const std::size_t c = shared.idle[i].capacity;
      if (c >= capacity && c <= 2 * capacity && (best == shared.idle.size() || c < shared.idle[best].capacity)) best = i;
    }
    if (best < shared.idle.size()) {
      const Block block = shared.idle[best];
      shared.live.emplace(block.p, block.capacity);  // first: if it throws, the pool is unchanged
      shared.idle.erase(shared.idle.begin() + static_cast<std::ptrdiff_t>(best));
      shared.idleBytes -= block.capacity;
      return block.p;
    }
  }
  void* p = nullptr;
  try {
    p = alignedAllocate(capacity, kHugePage);
  } catch (const std::bad_alloc&) {
    // Out of memory: give the idle blocks back and try once more.
    {
      std::lock_guard<std::mutex> lock(shared.mutex);
      for (const Block& block : shared.idle) alignedFree(block.p);
      shared.idle.clear();
      shared.idleBytes = 0;
    }
    p = alignedAllocate(capacity, kHugePage);
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Fails harmlessly (EINVAL) on kernels without transparent huge pages: the buffer then works as an
  // ordinary one.
  (void)madvise(p, capacity / kSmallPage * kSmallPage, MADV_HUGEPAGE);
#endif
  try {
    std::lock_guard<std::mutex> lock(shared.mutex);
    shared.live.emplace(p, capacity);
  } catch (...) {
    alignedFree(p);
    throw;
  }
  return p;
}

void releaseBuffer(void* p) noexcept {
  if (p == nullptr) return;
  // Large buffers are huge-page aligned; anything else is a small one (no lock, no lookup).
  if (reinterpret_cast<std::uintptr_t>(p) % kHugePage != 0) {
    alignedFree(p);
    return;
  }
  Pool& shared = pool();
  std::lock_guard<std::mutex> lock(shared.mutex);
  const auto it = shared.live.find(p);
  if (it == shared.live.end()) {
    alignedFree(p);  // a small buffer that happened to be aligned
    return;
  }
  const std::size_t capacity = it->second;
  shared.live.erase(it);
  bool kept = false;
  if (NNSIM_BUFFER_POOL && capacity <= kPoolBytes) {
    try {
      shared.idle.push_back({p, capacity});
      shared.idleBytes += capacity;
      kept = true;
    } catch (...) {
      // No room to record it: released below.
    }
  }
  if (!kept) alignedFree(p);
  // Oldest out first, down to the pool's size.
  std::size_t drop = 0;
  while (shared.idleBytes > kPoolBytes && drop < shared.idle.size()) {
    shared.idleBytes -= shared.idle[drop].capacity;
    alignedFree(shared.idle[drop].p);
    ++drop;
  }
  shared.idle.erase(shared.idle.begin(), shared.idle.begin() + static_cast<std::ptrdiff_t>(drop));
}

}  // namespace nnsim
