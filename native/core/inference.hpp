// Inference for the measures: the null distribution of a measure under random re-pairing of the inputs
// (permutation tests), its distribution over resampled inputs (bootstrap, subsampling, jackknife) and
// the cross-validated scores of the measures that fit a map. The core runs the evaluations; the
// statistics on top (p-values, intervals, multiple-testing corrections) live in src/inference.ts,
// which also runs the JavaScript-engine measures on the same index streams.
//
// Every random choice comes from one stream per permutation or resample, seeded from (seed, index)
// alone (streamSeed), so results do not depend on how the work is split into blocks or threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "measure.hpp"

namespace nnsim {

// Options of the three entry points (one declaration each; the binding exports them and a TypeScript
// test locks the TS schemas to them):
//   permutations: integer in [1, kMaxDraws], default 1000;  seed: integer in [0, 2^53 − 1], default 0
//   resamples:    integer in [1, kMaxDraws], default 1000;  seed
//   folds:        integer in [2, kMaxFolds], default 5;     seed    (and folds ≤ N, checked per call)
constexpr std::int64_t kMaxDraws = 1000000;
constexpr std::int64_t kMaxFolds = 1000000;
const OptionSpecs& permutationOptionSpecs();
const OptionSpecs& resamplingOptionSpecs();
const OptionSpecs& crossValidationOptionSpecs();

// The seed of stream `index` of a run seeded with `seed` (splitmix64 finaliser of both): streams of
// different indices are unrelated, and stream p is the same whichever thread or block draws it.
std::uint64_t streamSeed(std::uint64_t seed, std::uint64_t index);

// Permutation number `index`: out[i] = the row of b paired with row i of a (Fisher–Yates, n entries).
void rowPermutation(std::uint64_t seed, std::uint64_t index, std::size_t n, std::int32_t* out);

// Resample number `index`: m row indices of [0, n), drawn with replacement (bootstrap, in draw order)
// or without (m-out-of-n subsampling, increasing).
void resampleRows(std::uint64_t seed, std::uint64_t index, std::size_t n, std::size_t m, bool withReplacement,
                  std::int32_t* out);

// The group of each row for `groups` groups of sizes differing by at most one, assigned at random
// (cross-validation folds, jackknife groups): out[i] in [0, groups).
std::vector<std::int32_t> randomGroups(std::uint64_t seed, std::size_t n, std::size_t groups);

// The jackknife groups of a resampling run seeded with `seed` (randomGroups on a stream of their own),
// and the cross-validation folds of a run seeded with `seed`.
std::vector<std::int32_t> jackknifeGroups(std::uint64_t seed, std::size_t n, std::size_t groups);
std::vector<std::int32_t> crossValidationFolds(std::uint64_t seed, std::size_t n, std::size_t folds);

// One measure as inference calls it: its id, its options as given (resolved against its spec inside)
// and the labels, which stay with the inputs of `a` when b is permuted and follow the rows when the
// inputs are resampled.
struct MeasureCall {
  std::string id;
  Options options;
  LabelsView labels;
};

// How the null distribution is computed. Auto picks the measure's cheap path (cross terms only) where
// it has one; Generic re-runs the measure on each permuted b (the reference the fast paths are tested
// against).
enum class PermutationPath { Auto, Generic };

struct PermutationNull {
  double value = 0.0;        // the measure on (a, b)
  std::vector<double> null;  // the measure on (a, P_p b), p = 0 … permutations − 1
  std::string method;        // which path computed the null ("cka-feature-space", "generic", …)
};

// The measure on (a, b) and on `permutations` (options: permutationOptionSpecs) random re-pairings:
// (P b)_i = b_{π(i)}, everything else (a, labels, options) unchanged. Progress counts permutations.
PermutationNull permutationNull(const MeasureCall& call, const Representation& a, const Representation& b,
                                const Options& options, RunControl& control,
                                PermutationPath path = PermutationPath::Auto);

struct Resampling {
  bool withReplacement = true;  // false: m-out-of-n subsampling without replacement
  std::size_t sampleSize = 0;   // m rows per resample (n for the bootstrap)
  std::size_t jackknifeGroups = 0;  // 0: no jackknife; else leave-one-group-out values (groups = N: leave-one-out)
};

struct ResamplingDistribution {
  double value = 0.0;
  std::vector<double> values;     // the measure on each resample
  std::vector<double> jackknife;  // the measure without each jackknife group
};

// The measure on (a, b) and on `resamples` resampled pairs (rows drawn jointly, labels with them);
// options: resamplingOptionSpecs. Progress counts evaluations (resamples + jackknife groups).
ResamplingDistribution resamplingDistribution(const MeasureCall& call, const Representation& a,
                                              const Representation& b, const Options& options,
                                              const Resampling& scheme, RunControl& control);

struct CrossValidation {
  double value = 0.0;                // the measure on all rows (its map fitted and scored in-sample)
  std::vector<double> folds;         // the held-out score of each fold
  std::vector<std::size_t> testRows;  // rows held out in each fold
};

// K-fold cross-validation of a measure that fits a map (alignment_maps.hpp): rows are split into
// `folds` random folds; for each, the map is fitted on the other folds and scored on the held-out rows.
CrossValidation crossValidate(const MeasureCall& call, const Representation& a, const Representation& b,
                              const Options& options, RunControl& control);

}  // namespace nnsim
