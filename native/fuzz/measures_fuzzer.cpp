// libFuzzer harness of the core's measure runner: two representations of fuzzed shape and values, a
// measure id, fuzzed options, labels and matrix options, run through runMeasure as the binding does. The contract under
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
  Matrix a = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols));
  Matrix b = fuzz::fuzzMatrix(in, rows, in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxCols), &a);
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
  // Matrix options (dCKA's input similarity), decoded last: usually a symmetric N × N matrix (fuzzed
  // entries mirrored), sometimes as drawn (asymmetric, NaN/Inf …), of a wrong size, or missing.
  std::vector<Matrix> matrixValues;
  matrixValues.reserve(def.matrixOptions.size());
  MatrixOptions matrices;
  for (const MatrixOptionSpec& spec : def.matrixOptions) {
    const int form = in.ConsumeIntegralInRange<int>(0, 7);
    if (form == 0) continue;
    const std::size_t n = form == 1 ? in.ConsumeIntegralInRange<std::size_t>(1, fuzz::kMaxRows) : rows;
    Matrix m = fuzz::fuzzMatrix(in, n, n);
    if (form >= 3) {
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 1; j < n; ++j) m(j, i) = m(i, j);
      }
    }
    described += " " + spec.name + " = " + fuzz::describeMatrix(m);
    matrixValues.push_back(std::move(m));
    matrices.set(spec.name, matrixValues.back().view());
  }
  fuzz::widenMagnitudes(in, {&a, &b});
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
    const MeasureContext ctx{pair, options, LabelsView{labels.empty() ? nullptr : labels.data(), labels.size()}, control,
                             &matrices};
    const double value = runMeasure(id, ctx);
    if (!std::isfinite(value)) std::abort();  // runMeasure promises a finite value or an Error
    // The same pair again: cached intermediates must give the same value.
    if (runMeasure(id, ctx) != value) std::abort();
  } catch (const Error&) {
    // A typed refusal is a correct outcome.
  }
  return 0;
}
