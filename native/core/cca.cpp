// CCA-based measures: canonical correlations between the two representations.
#include "measure.hpp"

namespace nnsim {

const std::vector<MeasureDef>& ccaMeasures() {
  static const std::vector<MeasureDef> list = {};
  return list;
}

}  // namespace nnsim
