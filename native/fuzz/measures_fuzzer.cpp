// libFuzzer harness of the core's measure runner: two representations of fuzzed shape and values, a
// measure id, fuzzed options and labels, run through runMeasure as the binding does. The contract under
// test: every outcome is a finite value or an nnsim::Error; any other exception, a non-finite value, a
// crash or a sanitizer report is a finding.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "measure.hpp"

using namespace nnsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  static const std::vector<std::string> ids = measureIds();
  const std::string& id = ids[in.ConsumeIntegralInRange<std::size_t>(0, ids.size() - 1)];
  const std::size_t rows = in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxRows);
  const Matrix a = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols));
  const Matrix b = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols), &a);
  std::string described;
  Options options;
  // Options that repeat work (the stochastic topology measures' 100 repetitions, 10 trials …): a few
  // are enough to reach every path, unless the fuzzed options below set them.
  const MeasureDef& def = *findMeasure(id);
  for (const OptionSpec& spec : def.options) {
    if (fuzz::isWorkCount(spec.name)) options.set(spec.name, std::max(2.0, spec.min));
  }
  fuzz::addFuzzedOptions(in, def.options, options, &described);
  std::vector<std::int32_t> labels;
  if (in.ConsumeBool()) {
    // Usually one label per row; sometimes a wrong count, negative or huge class ids.
    const std::size_t count = in.ConsumeBool() ? rows : in.ConsumeIntegralInRange<std::size_t>(0, fuzz::kMaxRows);
    const int classes = in.ConsumeIntegralInRange<int>(1, 5);
    for (std::size_t i = 0; i < count; ++i) {
      labels.push_back(in.ConsumeIntegralInRange<int>(0, 9) == 0 ? in.ConsumeIntegral<std::int32_t>()
                                                                 : in.ConsumeIntegralInRange<int>(0, classes - 1));
    }
  }
  // NNSIM_FUZZ_PRINT=1 prints each decoded input (run the fuzzer on one file to get a reproducer).
  static const bool print = std::getenv("NNSIM_FUZZ_PRINT") != nullptr;
  if (print) {
    std::fprintf(stderr, "measure %s\noptions {%s}\nlabels %zu\na = %s\nb = %s\n", id.c_str(), described.c_str(),
                 labels.size(), fuzz::describeMatrix(a).c_str(), fuzz::describeMatrix(b).c_str());
  }
  try {
    const Representation ra(a.view());
    const Representation rb(b.view());
    const RepresentationPair pair(ra, rb);
    RunControl control;
    const MeasureContext ctx{pair, options, LabelsView{labels.empty() ? nullptr : labels.data(), labels.size()}, control};
    const double value = runMeasure(id, ctx);
    if (!std::isfinite(value)) std::abort();  // runMeasure promises a finite value or an Error
    // The same pair again: cached intermediates must give the same value.
    if (runMeasure(id, ctx) != value) std::abort();
  } catch (const Error&) {
    // A typed refusal is a correct outcome.
  }
  return 0;
}
