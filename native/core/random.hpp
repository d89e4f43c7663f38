// Seeded random numbers for the stochastic measures (subsampling, landmarks, Lanczos start vectors).
// Same seed -> same stream on every platform: xoshiro256** seeded through splitmix64, and our own
// uniform/normal transforms (std:: distributions are implementation-defined).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace nnsim {

class Random {
 public:
  explicit Random(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, bound), without modulo bias.
  std::uint64_t below(std::uint64_t bound) {
    if (bound <= 1) return 0;
    const std::uint64_t limit = -bound % bound;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= limit) return r % bound;
    }
  }

  // Standard normal (Box–Muller; one value per call, the pair's second half is kept).
  double normal() {
    if (hasSpare_) {
      hasSpare_ = false;
      return spare_;
    }
    double u = 0.0;
    while (u <= 0.0) u = uniform();
    const double v = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u));
    spare_ = radius * std::sin(2.0 * M_PI * v);
    hasSpare_ = true;
    return radius * std::cos(2.0 * M_PI * v);
  }

  // A uniformly random subset of `count` distinct indices of [0, n), in increasing order.
  std::vector<std::size_t> sample(std::size_t n, std::size_t count) {
    std::vector<std::size_t> all(n);
    for (std::size_t i = 0; i < n; ++i) all[i] = i;
    count = count < n ? count : n;
    for (std::size_t i = 0; i < count; ++i) std::swap(all[i], all[i + below(n - i)]);
    all.resize(count);
    std::sort(all.begin(), all.end());
    return all;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
  bool hasSpare_ = false;
  double spare_ = 0.0;
};

// A reproducible random subset of `count` of the n rows (all of them when count >= n), in increasing
// order: Random(seed).sample(n, count). With labels (one per row, may be null), stratified: each class,
// in increasing label order, gets its proportional share count·n_c/n rounded down, the rows left over go
// to the largest remainders (ties to the smaller label), and each class's rows are drawn from it with
// the same generator, class after class.
inline std::vector<std::size_t> sampleRows(std::size_t n, std::size_t count, std::uint64_t seed,
                                           const std::int32_t* labels = nullptr) {
  Random random(seed);
  if (labels == nullptr || count >= n) return random.sample(n, count);
  std::map<std::int32_t, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < n; ++i) members[labels[i]].push_back(i);
  std::vector<std::size_t> quota;
  std::vector<std::pair<std::size_t, std::size_t>> remainders;  // (count·n_c mod n, class position)
  std::size_t assigned = 0;
  for (const auto& [label, rows] : members) {
    const std::size_t share = count * rows.size();  // count < n ≤ 2^31: no overflow
    quota.push_back(share / n);
    assigned += share / n;
    remainders.emplace_back(share % n, quota.size() - 1);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t r = 0; assigned < count; ++r, ++assigned) ++quota[remainders[r].second];
  std::vector<std::size_t> out;
  out.reserve(count);
  std::size_t position = 0;
  for (const auto& [label, rows] : members) {
    for (std::size_t k : random.sample(rows.size(), quota[position++])) out.push_back(rows[k]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace nnsim
