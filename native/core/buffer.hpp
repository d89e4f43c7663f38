// Storage of large intermediates (products, Gram and distance matrices, row-block scratch).
//
// Fresh memory is faulted in 4 KB page by 4 KB page on first touch, and each fault costs 0.5–3 µs (more
// in virtual machines): about 20 ms for the 27 MB of a 1536-wide joint product and its float32 partial,
// a tenth of the BLAS time of a 10 000 × 768 CKA. Two remedies, for buffers of at least kHugePageBytes:
// - they are aligned to 2 MB and advised as transparent huge pages (madvise MADV_HUGEPAGE, Linux), so
//   the kernel maps them 2 MB at a time where its policy allows it ("always" or "madvise" in
//   /sys/kernel/mm/transparent_hugepage/enabled); elsewhere they are ordinary allocations;
// - released ones are kept for reuse up to a bounded total (buffer.cpp), so a product computed again and
//   again writes into memory that is already mapped.
// Smaller buffers are ordinary aligned allocations.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace nnsim {

// Bytes from which a buffer is huge-page aligned and advised (two huge pages: below that the alignment
// would waste more than it saves).
constexpr std::size_t kHugePageBytes = std::size_t{4} << 20;

// Uninitialised storage for `bytes` bytes (at least 64-byte aligned); throws std::bad_alloc. Release
// with releaseBuffer.
void* allocateBuffer(std::size_t bytes);
void releaseBuffer(void* p) noexcept;
// False in sanitizer builds, where every large buffer is returned to the system on release.
bool bufferPoolEnabled();

template <class T>
struct BufferRelease {
  void operator()(T* p) const noexcept { releaseBuffer(p); }
};

// An owned, uninitialised array of `count` trivially constructible T.
template <class T>
using Buffer = std::unique_ptr<T[], BufferRelease<T>>;

template <class T>
Buffer<T> makeBuffer(std::size_t count) {
  if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
  return Buffer<T>(static_cast<T*>(allocateBuffer(count * sizeof(T))));
}

}  // namespace nnsim
