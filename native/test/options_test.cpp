// Option specs: every measure's spec is well formed, resolution validates once (unknown keys with a
// suggestion, types, bounds, defaults), and every kernel reads only options its spec declares.
#include <cstdint>

#include "check.hpp"
#include "regression.hpp"
#include "topology/persistence.hpp"

using namespace nnsim;
using namespace nnsim::test;

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 − 1: larger integers are not exact in JS

void checkSpecs(const OptionSpecs& specs, const std::string& owner) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const OptionSpec& spec = specs[i];
    const std::string what = owner + " option '" + spec.name + "'";
    check(!spec.name.empty(), what + " has a name");
    for (std::size_t j = 0; j < i; ++j) check(specs[j].name != spec.name, what + " is declared once");
    check(spec.min <= spec.max, what + " has min ≤ max");
    if (spec.defaultValue) {
      check(spec.accepts(*spec.defaultValue), what + ": the default satisfies the spec");
      check(!spec.required, what + ": a required option has no default");
    }
    if (spec.type == OptionType::Enum) check(spec.values.size() >= 2, what + " lists its values");
    if (spec.type == OptionType::Integer) {
      // Options::integer casts to int64: the bounds keep every accepted value exact and in range.
      check(spec.min >= -kMaxSafeInteger && spec.max <= kMaxSafeInteger, what + " has bounds within ±(2^53 − 1)");
    }
  }
}

NNSIM_TEST(testOptionSpecsAreWellFormed) {
  std::size_t measures = 0;
  for (const std::string& id : measureIds()) {
    const MeasureDef* def = findMeasure(id);
    check(def != nullptr && def->kernel != nullptr && def->minRows >= 1, id + " has a kernel and minRows ≥ 1");
    checkSpecs(def->options, "measure '" + id + "'");
    ++measures;
  }
  check(measures > 30, "every family contributes measures");
  checkSpecs(topology::persistenceOptionSpecs(), "persistence");
  checkSpecs(affineMapOptionSpecs(), "fitAffineMap");
}

NNSIM_TEST(testOptionResolution) {
  const OptionSpecs specs = {
      numberOption("sigma", 1.0).above(0.0).atMost(1e6),
      integerOption("k", 10).atLeast(1).atMost(100),
      numberOption("gamma").above(0.0),
      booleanOption("center", true),
      enumOption("kernel", {"linear", "rbf"}, "linear"),
  };
  const Options defaults = Options().resolved(specs, "measure 'm'");
  near(defaults.number("sigma"), 1.0, 0.0, "a default fills an absent number");
  check(defaults.integer("k") == 10 && defaults.flag("center") && defaults.choice("kernel") == "linear",
        "defaults fill every absent option that has one");
  check(!defaults.has("gamma"), "an optional option without default stays absent");

  Options given;
  given.set("sigma", 2.5);
  given.set("k", 3.0);
  given.set("gamma", 0.1);
  given.set("kernel", std::string("rbf"));
  const Options resolved = given.resolved(specs, "measure 'm'");
  check(resolved.number("sigma") == 2.5 && resolved.integer("k") == 3 && resolved.has("gamma") &&
            resolved.choice("kernel") == "rbf",
        "given values win over defaults");

  const auto rejects = [&](const std::string& key, OptionValue value, const std::string& what) {
    Options o;
    o.set(key, std::move(value));
    expectError(ErrorCode::Option, [&] { o.resolved(specs, "measure 'm'"); }, what);
  };
  rejects("sigma", 0.0, "an exclusive lower bound excludes the bound");
  rejects("sigma", 1e6 + 1, "above the upper bound");
  rejects("sigma", std::numeric_limits<double>::infinity(), "a non-finite number");
  rejects("sigma", std::nan(""), "NaN");
  rejects("k", 2.5, "a non-integer for an integer option");
  rejects("k", 0.0, "an integer below its minimum");
  rejects("center", 1.0, "a number where a boolean belongs");
  rejects("kernel", std::string("cubic"), "a string outside the enum");
  rejects("kernel", true, "a boolean where an enum belongs");
  rejects("kernal", std::string("rbf"), "an unknown key");

  Options typo;
  typo.set("kernal", std::string("rbf"));
  try {
    typo.resolved(specs, "measure 'm'");
    check(false, "an unknown key throws");
  } catch (const Error& e) {
    const std::string message = e.what();
    check(message.find("did you mean 'kernel'") != std::string::npos, "the unknown key's message suggests the nearest: " + message);
    check(message.find("sigma, k, gamma, center, kernel") != std::string::npos, "and lists the options: " + message);
  }
  Options badValue;
  badValue.set("sigma", -1.0);
  try {
    badValue.resolved(specs, "measure 'm'");
  } catch (const Error& e) {
    check(std::string(e.what()) ==
              "Expected a finite number > 0 ≤ 1000000 for option 'sigma' of measure 'm' but received number -1",
          std::string("the message has the TypeScript layer's shape: ") + e.what());
  }
  const OptionSpecs needed = {numberOption("scale").isRequired()};
  expectError(ErrorCode::Option, [&] { Options().resolved(needed, "measure 'm'"); }, "a missing required option");

  // Reading is only for resolved options and declared names, with the declared type.
  expectError(ErrorCode::Internal, [&] { given.number("sigma"); }, "reading before resolution is a bug");
  expectError(ErrorCode::Internal, [&] { resolved.number("undeclared"); }, "reading an undeclared option is a bug");
  expectError(ErrorCode::Internal, [&] { resolved.has("undeclared"); }, "asking for an undeclared option is a bug");
  expectError(ErrorCode::Internal, [&] { resolved.flag("sigma"); }, "reading a number as a boolean is a bug");
  expectError(ErrorCode::Internal, [&] { resolved.integer("sigma"); }, "reading a number as an integer is a bug");
  expectError(ErrorCode::Internal, [&] { defaults.number("gamma"); }, "reading an absent optional option is a bug");
  expectError(ErrorCode::Internal, [&] { resolved.resolved(specs, "measure 'm'"); }, "resolving twice is a bug");
}

// Every kernel, run with default options and with every enum value, boolean and optional option
// set, reads only declared options: a read of an undeclared key would be an Internal error here.
NNSIM_TEST(testKernelsReadOnlyDeclaredOptions) {
  const Matrix x = randomMatrix(24, 5, 301);
  const Matrix y = randomMatrix(24, 4, 302);
  const Representation rx(x), ry(y);
  std::vector<std::int32_t> labels(24);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 3);
  // Every matrix option gets a symmetric 24 × 24 matrix (the linear kernel of x), so measures that require
  // one (dCKA) run their kernel too.
  const Matrix similarity = naiveProduct(x, false, x, true);
  const auto runs = [&](const std::string& id, const Options& options, const std::string& what) {
    RepresentationPair pair(rx, ry);
    RunControl control;
    MatrixOptions matrices;
    for (const MatrixOptionSpec& spec : findMeasure(id)->matrixOptions) matrices.set(spec.name, similarity.view());
    const MeasureContext ctx{pair, options, LabelsView{labels.data(), labels.size()}, control, &matrices};
    try {
      runMeasure(id, ctx);
      check(true, what);
    } catch (const Error& e) {
      // Some settings are undefined for this input (e.g. too few rows for k); none may be a bug.
      if (e.code() == ErrorCode::Internal) std::printf("  %s: %s\n", what.c_str(), e.what());
      check(e.code() != ErrorCode::Internal, what);
    }
  };
  for (const std::string& id : measureIds()) {
    for (const OptionVariant& variant : optionVariants(*findMeasure(id))) runs(id, variant.options, variant.what);
  }
}

NNSIM_TEST(testMeasuresRejectUnknownOptions) {
  const Matrix x = randomMatrix(20, 4, 303);
  const Representation rx(x);
  Options typo;
  typo.set("kernal", std::string("rbf"));
  expectError(ErrorCode::Option, [&] { run("cka", rx, rx, typo); }, "the core rejects an unknown key (no silent linear CKA)");
  Options any;
  any.set("k", 3.0);
  expectError(ErrorCode::Option, [&] { run("magnitude-difference", rx, rx, any); }, "a measure without options takes none");
}

}  // namespace
