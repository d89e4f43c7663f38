// Inference entry points (native/core/inference.hpp, alignment_maps.hpp): permutation nulls, resampling
// distributions, cross-validation, fitted alignment maps and the index streams the TypeScript layer uses
// for JavaScript-engine measures.
#pragma once

#include <napi.h>

namespace nnsim::binding {

// The synchronous forms take a trailing time budget (timeout?: ms); the async forms (…Async) take
// (control?, onProgress?(0, done, total)) in its place and return a Promise of the same result. Their
// worker reads copies of both representations' data (adoptCopyForAsync), as compareAsync's does.

// permutationNull(id, options, a, b, labels?, { permutations, seed }, path?: 'auto' | 'generic', timeout?)
//   -> { value, null: Float64Array, method }
Napi::Value PermutationTest(const Napi::CallbackInfo& info);
Napi::Value PermutationTestAsync(const Napi::CallbackInfo& info);

// resampling(id, options, a, b, labels?, { resamples, seed }, { withReplacement, sampleSize, jackknifeGroups },
//            timeout?) -> { value, values: Float64Array, jackknife: Float64Array }
Napi::Value Resample(const Napi::CallbackInfo& info);
Napi::Value ResampleAsync(const Napi::CallbackInfo& info);

// crossValidate(id, options, a, b, { folds, seed }, timeout?) -> { value, folds: Float64Array, testRows: Float64Array }
Napi::Value CrossValidate(const Napi::CallbackInfo& info);
Napi::Value CrossValidateAsync(const Napi::CallbackInfo& info);

// alignmentMap(id, options, a, b, timeout?) -> { a: { mean, transform, rows, cols }, b: { … }, score }, in the
// units of the caller's data
Napi::Value AlignmentMapOf(const Napi::CallbackInfo& info);

// inferenceIndices(kind: 'permutation' | 'bootstrap' | 'subsample' | 'jackknife' | 'folds', n, seed, first,
//   count, m) -> Int32Array: `count` consecutive streams from index `first` (count × n, or count × m for
//   the resampling kinds); 'jackknife' and 'folds' give the group of each of n rows for m groups (first
//   and count unused), as the core's resampling and cross-validation draw them.
Napi::Value InferenceIndices(const Napi::CallbackInfo& info);

// { permutation, resampling, crossValidation } option specs, and the ids with an alignment map.
Napi::Object InferenceSpecs(Napi::Env env);

}  // namespace nnsim::binding
