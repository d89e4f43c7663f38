// Topology-based measures: persistent homology of the representations.
#include "measure.hpp"

namespace nnsim {

const std::vector<MeasureDef>& topologyMeasures() {
  static const std::vector<MeasureDef> list = {};
  return list;
}

}  // namespace nnsim
