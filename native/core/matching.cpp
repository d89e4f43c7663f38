// Alignment-based measures that match neurons to neurons: optimal assignment (hard correlation match,
// permutation Procrustes), optimal transport (soft matching) and subspace matching (maximum match).
// Registered under the alignment family; kept apart from alignment.cpp (rotations) for readability.
#include "measure.hpp"

namespace nnsim {

const std::vector<MeasureDef>& matchingMeasures() {
  static const std::vector<MeasureDef> list = {};
  return list;
}

}  // namespace nnsim
