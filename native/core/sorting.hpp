// Sorting and selection with cancellation points (run_control.hpp): std::sort and std::nth_element
// cannot be interrupted, and on the N² entries of a distance matrix they run for seconds. These split the
// work into pieces of at most ~kPiece elements with a checkpoint() between them; small inputs go straight
// to the standard algorithms (same results, no overhead).
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "run_control.hpp"

namespace nnsim {

namespace sorting_detail {
constexpr std::size_t kPiece = std::size_t{1} << 16;
}

// Sorts [first, last) by `less` (a strict weak order; equal elements may be reordered as by std::sort):
// runs of kPiece elements by std::sort, then bottom-up merges through a buffer, checking every kPiece
// elements merged.
template <class RandomIt, class Less>
void sortWithCheckpoints(RandomIt first, RandomIt last, Less less) {
  using T = typename std::iterator_traits<RandomIt>::value_type;
  const std::size_t n = static_cast<std::size_t>(last - first);
  constexpr std::size_t piece = sorting_detail::kPiece;
  if (n <= 2 * piece) {
    std::sort(first, last, less);
    return;
  }
  for (std::size_t begin = 0; begin < n; begin += piece) {
    checkpoint();
    std::sort(first + begin, first + std::min(n, begin + piece), less);
  }
  std::vector<T> buffer;
  resizeWithCheckpoints(buffer, n);
  bool inBuffer = false;  // where the sorted runs are
  for (std::size_t width = piece; width < n; width *= 2) {
    auto from = [&](std::size_t k) -> T& { return inBuffer ? buffer[k] : first[k]; };
    auto to = [&](std::size_t k) -> T& { return inBuffer ? first[k] : buffer[k]; };
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(n, lo + width), hi = std::min(n, lo + 2 * width);
      std::size_t p = lo, q = mid, out = lo;
      while (p < mid && q < hi) {
        if ((out & (piece - 1)) == 0) checkpoint();
        // Take from the right run only when strictly smaller: stable within the merge.
        if (less(from(q), from(p))) to(out++) = std::move(from(q++));
        else to(out++) = std::move(from(p++));
      }
      while (p < mid) to(out++) = std::move(from(p++));
      while (q < hi) to(out++) = std::move(from(q++));
    }
    inBuffer = !inBuffer;
  }
  if (inBuffer) std::move(buffer.begin(), buffer.end(), first);
}

// Rearranges [first, last) so that *nth is the element a full sort would put there, everything before
// it is not greater and everything after not smaller (as std::nth_element): quickselect with
// median-of-three pivots and a three-way partition, checking every kPiece elements partitioned, and
// std::nth_element once the range is small.
template <class RandomIt, class Less>
void nthElementWithCheckpoints(RandomIt first, RandomIt nth, RandomIt last, Less less) {
  using T = typename std::iterator_traits<RandomIt>::value_type;
  constexpr std::size_t piece = sorting_detail::kPiece;
  while (static_cast<std::size_t>(last - first) > 2 * piece) {
    checkpoint();
    const std::size_t n = static_cast<std::size_t>(last - first);
    T a = first[0], b = first[n / 2], c = first[n - 1];
    if (less(b, a)) std::swap(a, b);
    if (less(c, b)) std::swap(b, c);
    if (less(b, a)) std::swap(a, b);
    const T pivot = b;
    // Dutch national flag: [first, lt) < pivot, [lt, i) == pivot, [gt, last) > pivot.
    RandomIt lt = first, i = first, gt = last;
    std::size_t counter = 0;
    while (i < gt) {
      if (++counter == piece) {
        counter = 0;
        checkpoint();
      }
      if (less(*i, pivot)) std::iter_swap(lt++, i++);
      else if (less(pivot, *i)) std::iter_swap(i, --gt);
      else ++i;
    }
    if (nth < lt) last = lt;
    else if (nth >= gt) first = gt;
    else return;  // nth is among the elements equal to the pivot
  }
  std::nth_element(first, nth, last, less);
}

}  // namespace nnsim
