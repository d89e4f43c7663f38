// A minimal parallel-for for the core's own O(N·D) and O(N²) loops (validation, centring, distance
// matrices). It uses as many threads as the BLAS pool (so the thread budget set through configure()
// or OPENBLAS_NUM_THREADS covers both), and runs inline when the work is too small to pay for threads.
// The run control of the calling thread (run_control.hpp) is current in the spawned threads too, so
// checkpoint() inside a body stops every chunk of a cancelled run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "run_control.hpp"
#include "threads.hpp"

namespace nnsim {

// Calls body(begin, end) on disjoint chunks covering [0, count). `minChunk` is the smallest count worth
// a thread of its own. The first exception thrown by any chunk is rethrown after all chunks finish.
template <class Body>
void parallelFor(std::size_t count, std::size_t minChunk, Body&& body) {
  const std::size_t maxThreads = static_cast<std::size_t>(std::max(1, blasThreads()));
  const std::size_t threads = std::min(maxThreads, std::max<std::size_t>(1, count / std::max<std::size_t>(1, minChunk)));
  if (threads <= 1) {
    body(std::size_t{0}, count);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(threads);
  const std::size_t chunk = (count + threads - 1) / threads;
  const RunControl* control = RunControl::current();
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t begin = std::min(count, t * chunk);
    const std::size_t end = std::min(count, begin + chunk);
    pool.emplace_back([&, t, begin, end] {
      const RunControl::Scope scope(control);
      try {
        body(begin, end);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  try {
    body(std::size_t{0}, std::min(count, chunk));
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& thread : pool) thread.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// parallelFor whose chunks each return a partial result (body(begin, end) → Partial), handed to
// merge(partial) in row order once all chunks are done: sums of floating-point partials then do not
// depend on which thread finished first.
template <class Body, class Merge>
void orderedReduce(std::size_t count, std::size_t minChunk, Body&& body, Merge&& merge) {
  using Partial = decltype(body(std::size_t{0}, std::size_t{0}));
  std::map<std::size_t, Partial> partials;  // by first row
  std::mutex partialsMutex;
  parallelFor(count, minChunk, [&](std::size_t begin, std::size_t end) {
    Partial partial = body(begin, end);
    std::lock_guard<std::mutex> lock(partialsMutex);
    partials.emplace(begin, std::move(partial));
  });
  for (auto& [begin, partial] : partials) merge(partial);
}

}  // namespace nnsim
