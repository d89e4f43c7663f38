// The native side of the measure registry: id -> kernel, minimum N, labels and the option spec.
// Descriptive metadata (kind, range, invariances, option descriptions, references) lives in the
// TypeScript registry, which is the single source for docs, CLI and property tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
};

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

// Validates the options against the measure's spec (once: unknown keys, types, bounds; defaults
// filled), the matrix options (N × N, finite, symmetric), N and labels against the definition, runs the kernel with the resolved options and
// guarantees a finite result (a non-finite value is a bug or a numerical failure, reported as Error,
// never returned as NaN).
double runMeasure(const std::string& id, const MeasureContext& ctx);

// Helper for kernels: throws Error(Degenerate) with a message when `value` is zero or not positive.
void requirePositive(double value, const std::string& what);

}  // namespace nnsim
