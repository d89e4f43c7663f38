// The native side of the measure registry: id -> kernel, minimum N, labels and the option spec.
// Descriptive metadata (kind, range, invariances, option descriptions, references) lives in the
// TypeScript registry, which is the single source for docs, CLI and property tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "errors.hpp"
#include "options.hpp"
#include "representation.hpp"
#include "run_control.hpp"

namespace nnsim {

// Integer labels of the N inputs (class ids), for measures that need ground truth.
struct LabelsView {
  const std::int32_t* data = nullptr;
  std::size_t size = 0;
  bool present() const { return data != nullptr; }
};

struct MeasureContext {
  const RepresentationPair& pair;
  const Options& options;
  LabelsView labels;
  RunControl& control;
  // Matrix-valued options (given: as handed over; in a kernel: resolved against the spec). May be null
  // when the call gives none.
  const MatrixOptions* matrices = nullptr;

  const Representation& a() const { return pair.a(); }
  const Representation& b() const { return pair.b(); }
};

using MeasureKernel = double (*)(const MeasureContext&);

// How a measure's value responds to scaling its inputs, which tells the runner what to do when the
// magnitude rule (representation.hpp) computes on scaled copies:
//   Invariant   m(aX, bY) = m(X, Y) for all a, b > 0: nothing to undo (the default).
//   Homogeneous m(aX, aY) = a^degree · m(X, Y): both inputs must be at one scale 2^-e (the runner makes
//               scaled copies when they are not), and the value is multiplied by 2^(degree·e).
//               degree 0: invariant to scaling both inputs together only.
//   OwnScale    the kernel reads Representation::scaleExponent() itself (a statistic per input, or an
//               option in the input's units).
struct ScaleRule {
  enum Kind { Invariant, Homogeneous, OwnScale };
  Kind kind = Invariant;
  int degree = 0;
};
using ScaleRuleOf = ScaleRule (*)(const Options&);
// The input shape a memory estimate is for: N inputs, D and D′ features, and the number of distinct
// labels when labels are given (0: unknown, estimated as N).
struct MemoryShape {
  std::size_t rows = 0;
  std::size_t colsA = 0;
  std::size_t colsB = 0;
  std::size_t classes = 0;
  // Bytes of the float64 copies Representation::raw() would make of float32 inputs that have none yet
  // (float64CopyBytes() of both): measures that need a whole input in float64 add them to their estimate.
  double float64CopyBytes = 0.0;
};

// Bytes of working memory a measure allocates at its peak in one comparison, as a function of the
// shape and its (resolved) options, the inputs themselves excluded (the caller owns them). Each family
// declares one next to its kernels; it counts every allocation that grows with N or D (N × N, N × D,
// D × D′ matrices, their LAPACK workspaces, k-NN lists) as if nothing were memoised yet, and rounds up.
// runMeasure compares it with memoryLimit() before the kernel runs.
using MemoryEstimate = double (*)(const MemoryShape&, const Options&);

// A measure as the core knows it: its kernel, the smallest N it accepts, whether it needs labels, and
// its parameter spec (the one declaration of each option's name, type, default and bounds; the binding
// exports it and a TypeScript test locks the TS schema to it). Built fluently so that a new field
// does not touch the existing entries:
//   MeasureDef("cka", cka).withMinRows(2).option(enumOption("kernel", {"linear", "rbf"}, "linear"))
struct MeasureDef {
  const char* id;
  MeasureKernel kernel;
  std::size_t minRows = 1;  // smallest N for which the measure is defined
  bool needsLabels = false;
  OptionSpecs options;
  MatrixOptionSpecs matrixOptions;
  ScaleRuleOf scaling = nullptr;  // nullptr: ScaleRule::Invariant
  MemoryEstimate memory = nullptr;  // the working-memory estimate (every measure declares one)

  MeasureDef(const char* measureId, MeasureKernel measureKernel) : id(measureId), kernel(measureKernel) {}
  MeasureDef withMinRows(std::size_t n) const {
    MeasureDef d = *this;
    d.minRows = n;
    return d;
  }
  MeasureDef withLabels() const {
    MeasureDef d = *this;
    d.needsLabels = true;
    return d;
  }
  MeasureDef option(OptionSpec spec) const {
    MeasureDef d = *this;
    d.options.push_back(std::move(spec));
    return d;
  }
  MeasureDef matrixOption(MatrixOptionSpec spec) const {
    MeasureDef d = *this;
    d.matrixOptions.push_back(std::move(spec));
    return d;
  }
  // How the value scales with the inputs, when it is not invariant (see ScaleRule).
  MeasureDef withScaling(ScaleRuleOf rule) const {
    MeasureDef d = *this;
    d.scaling = rule;
    return d;
  }
  MeasureDef withMemory(MemoryEstimate estimate) const {
    MeasureDef d = *this;
    d.memory = estimate;
    return d;
  }
};

// Scale rules that do not depend on the options.
ScaleRule homogeneousOfDegree1(const Options&);
ScaleRule homogeneousOfDegree0(const Options&);
ScaleRule ownScale(const Options&);
// Building blocks of the estimates, in bytes (sizes as doubles: N² and N·D products of large inputs
// do not overflow).
namespace memory {
double matrix(double rows, double cols);            // a dense rows × cols matrix of doubles
double thinSvd(double rows, double cols);           // thinSvd/singularValues: LAPACK's copy, U, Vᵀ, work
double centredSvd(double rows, double cols);        // Representation::svd(Columns): centred copy + thinSvd
double rowSpaceFactor(double rows, double cols);    // Representation::rowSpaceFactor (the R factor when D > N)
double crossFactor(double rows, double colsA, double colsB);  // RepresentationPair::crossFactor + its SVD
}  // namespace memory

// One list per family, defined in <family>.cpp.
const std::vector<MeasureDef>& ccaMeasures();
const std::vector<MeasureDef>& alignmentMeasures();
const std::vector<MeasureDef>& matchingMeasures();  // alignment family: neuron-to-neuron matching
const std::vector<MeasureDef>& rsmMeasures();
const std::vector<MeasureDef>& neighborMeasures();
const std::vector<MeasureDef>& topologyMeasures();
const std::vector<MeasureDef>& statisticsMeasures();

// Lookup over all families; nullptr when absent.
const MeasureDef* findMeasure(const std::string& id);
std::vector<std::string> measureIds();

// Working memory (bytes) of measure `id` for `shape` and `options` (validated against the spec; the
// estimate plus a fixed allowance); throws Error(UnknownMeasure) or Error(Option).
double estimateMemory(const std::string& id, const MemoryShape& shape, const Options& options);

// The most working memory one comparison may take, in bytes: +∞ (no limit) until set. The binding sets
// it from configure({ memoryLimit }) (by default a share of the machine's or cgroup's memory).
void setMemoryLimit(double bytes);
double memoryLimit();

// Validates the options against the measure's spec (once: unknown keys, types, bounds; defaults
// filled), the matrix options (N × N, finite, symmetric), N and labels against the definition, refuses with Error(OutOfMemory) when the measure's
// memory estimate exceeds memoryLimit() (before anything is allocated), runs the kernel with the
// resolved options (with ctx.control current on this thread, and the inputs at one scale when its
// ScaleRule needs it) and guarantees a finite result (a non-finite value is a bug or a numerical
// failure, reported as Error, never returned as NaN).
double runMeasure(const std::string& id, const MeasureContext& ctx);

// Helper for kernels: throws Error(Degenerate) with a message when `value` is zero or not positive.
void requirePositive(double value, const std::string& what);

// A measure's value, or the exception that made it undefined (one per measure of a multi-measure call, so a
// failing measure never loses the others). The binding translates the exception (its currentError).
struct MeasureOutcome {
  double value = 0.0;
  std::exception_ptr error;  // null: `value` is the measure's value
  bool ok() const { return error == nullptr; }
};

}  // namespace nnsim
