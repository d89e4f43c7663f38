// The native side of the measure registry: id -> kernel. Metadata (kind, range, invariances, option
// schema, references) lives in the TypeScript registry, which is the single source for docs, CLI and
// property tests; the core only needs to know how to compute a value and the smallest N it accepts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
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

  const Representation& a() const { return pair.a(); }
  const Representation& b() const { return pair.b(); }
};

using MeasureKernel = double (*)(const MeasureContext&);

struct MeasureDef {
  const char* id;
  MeasureKernel kernel;
  std::size_t minRows;  // smallest N for which the measure is defined
  bool needsLabels;
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

// Validates N and labels against the definition, runs the kernel and guarantees a finite result
// (a non-finite value is a bug or a numerical failure, reported as Error, never returned as NaN).
double runMeasure(const std::string& id, const MeasureContext& ctx);

// Helper for kernels: throws Error(Degenerate) with a message when `value` is zero or not positive.
void requirePositive(double value, const std::string& what);

// A measure's value, or the error that made it undefined (one per measure of a multi-measure call, so a
// failing measure never loses the others).
struct MeasureOutcome {
  bool ok = false;
  double value = 0.0;
  ErrorCode code = ErrorCode::Internal;
  std::string message;
};

// Runs body() (returning the value) and records its value or the error it threw: nnsim::Error with its
// code, std::bad_alloc as OutOfMemory, anything else as Internal, each message naming `what`.
template <class Body>
MeasureOutcome captureOutcome(const std::string& what, Body&& body) {
  MeasureOutcome out;
  try {
    out.value = body();
    out.ok = true;
  } catch (const Error& e) {
    out.code = e.code();
    out.message = e.what();
  } catch (const std::bad_alloc&) {
    out.code = ErrorCode::OutOfMemory;
    out.message = "out of memory while computing '" + what + "'";
  } catch (const std::exception& e) {
    out.code = ErrorCode::Internal;
    out.message = "internal error in '" + what + "': " + e.what();
  }
  return out;
}

}  // namespace nnsim
