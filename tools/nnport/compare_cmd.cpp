// nnport compare A B: runs both models on the same inputs and prints per-output metrics; with
// --layers, the first intermediate value where they diverge.
#include <iostream>

#include <fmt/format.h>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"

namespace nnport::cli {

namespace {

// Divergence threshold of --layers when no --max-rel is given.
constexpr double kDefaultLayerTolerance = 1e-4;

struct CompareOptions {
  std::string reference, candidate, from_a, from_b;
  std::vector<std::string> inputs;
  uint64_t seed = 0;
  std::optional<double> max_rel;
  bool layers = false;
};

int run_compare(const CompareOptions& o) {
  const InputSpecs specs = parse_input_specs(o.inputs, true, true);
  ReadOptions read;
  read.input_dims = specs.dims;
  const Graph a = load(o.reference, o.from_a, read);
  const Graph b = load(o.candidate, o.from_b, read);
  const TensorMap feeds = make_inputs(a, o.seed, read_input_files(specs));

  const auto rows = compare_outputs(a, b, feeds);
  std::cout << fmt::format("{} (reference) vs {}, {}\n", o.reference, o.candidate,
                           specs.files.size() == a.inputs.size() ? std::string("inputs from files")
                                                                 : fmt::format("seed {}", o.seed))
            << format_metrics_table(rows);
  if (o.layers) {
    const double tolerance = o.max_rel.value_or(kDefaultLayerTolerance);
    std::cout << format_layer_report(compare_layers(a, b, feeds, tolerance), tolerance);
  }
  if (o.max_rel && over_tolerance(rows, *o.max_rel)) {
    std::cout << fmt::format("FAIL: max_rel above {}\n", *o.max_rel);
    return kExitOverTolerance;
  }
  return 0;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  CLI::App* cmd =
      app.add_subcommand("compare", "Run two models on the same inputs and compare the outputs");
  cmd->add_option("A", o->reference, "reference model")->required();
  cmd->add_option("B", o->candidate, "model compared with A")->required();
  cmd->add_option("--from-a", o->from_a, "format of A (default: from the extension or content)");
  cmd->add_option("--from-b", o->from_b, "format of B (default: from the extension or content)");
  cmd->add_option("--input", o->inputs,
                  "NAME=FILE.npy feeds an input; NAME:DIMS fixes its size (random values)")
      ->take_all();
  cmd->add_option("--seed", o->seed,
                  "seed of the random inputs (uniform [-1,1) floats, [0,4) ints, 0/1 bools)")
      ->capture_default_str();
  cmd->add_option("--max-rel", o->max_rel,
                  "exit with code 3 when an output's max relative error exceeds this");
  cmd->add_flag("--layers", o->layers,
                "also compare every intermediate value and name the first that diverges");
  cmd->footer(
      "Outputs and layers are matched by name, else by position (outputs) or by node name and\n"
      "op order (layers). Metrics: SEMANTICS.md section 6; 'inf' means identical.\n"
      "Example:\n  nnport compare model.onnx converted.onnx --seed 1 --max-rel 1e-5 --layers");
  return {cmd, [o] { return run_compare(*o); }};
}

}  // namespace nnport::cli
