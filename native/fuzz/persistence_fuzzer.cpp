// libFuzzer harness of Vietoris–Rips persistence as the binding calls it: a fuzzed distance matrix
// (validated first) or a point cloud (Euclidean distances), fuzzed threshold and dimension. Besides the
// error contract it checks what every barcode satisfies: 0 ≤ birth < death, births and finite deaths
// within [0, max distance], and in dimension 0 with no threshold exactly one essential bar.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "distances.hpp"
#include "fuzz_input.hpp"
#include "representation.hpp"
#include "topology/persistence.hpp"

using namespace nnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const bool points = in.ConsumeBool();
  const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxRows);
  Options given;
  given.set("input", std::string(points ? "points" : "distances"));
  fuzz::addFuzzedOptions(in, topology::persistenceOptionSpecs(), given);
  Matrix m = fuzz::fuzzMatrix(in, n, points ? in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols) : n);
  if (!points && in.ConsumeIntegralInRange<int>(0, 3) != 0) {
    // Mostly valid input: symmetric, non-negative, zero diagonal (else validation refuses it).
    for (std::size_t i = 0; i < n; ++i) {
      m(i, i) = 0.0;
      for (std::size_t j = 0; j < i; ++j) m(i, j) = m(j, i) = std::fabs(m(i, j));
    }
  }
  fuzz::widenMagnitudes(in, {&m});
  try {
    // As the binding does: options resolved against the entry point's spec first.
    const Options resolved = given.resolved(topology::persistenceOptionSpecs(), "persistence");
    const topology::PersistenceOptions options = topology::persistenceOptions(resolved);
    // The fuzzed options may override `input`: then a point cloud is read as a distance matrix (refused
    // unless square and valid) or a distance matrix as points.
    const bool pointCloud = resolved.choice("input") == "points";
    topology::Barcodes barcodes;
    double largest = 0.0;
    if (pointCloud) {
      const Representation cloud(m.view());
      const Matrix& distances = euclideanDistances(cloud);
      for (std::size_t i = 0; i < distances.size(); ++i) largest = std::max(largest, distances.data()[i]);
      barcodes = topology::ripsPersistence(distances.view(), options);
    } else {
      topology::validateDistanceMatrix(m.view());
      for (std::size_t i = 0; i < m.size(); ++i) largest = std::max(largest, m.data()[i]);
      barcodes = topology::ripsPersistence(m.view(), options);
    }
    if (barcodes.bars.size() != static_cast<std::size_t>(options.maxDim) + 1) std::abort();
    for (const auto& dimension : barcodes.bars) {
      for (const topology::Bar& bar : dimension) {
        if (!(bar.birth >= 0.0 && bar.birth < bar.death && bar.birth <= largest)) std::abort();
        if (std::isfinite(bar.death) && bar.death > largest) std::abort();
      }
    }
    if (std::isinf(options.threshold)) {
      const auto essential = std::count_if(barcodes.bars[0].begin(), barcodes.bars[0].end(),
                                           [](const topology::Bar& bar) { return std::isinf(bar.death); });
      if (essential != 1) std::abort();
    }
  } catch (const Error&) {
  }
  return 0;
}
