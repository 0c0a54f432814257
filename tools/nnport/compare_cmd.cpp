// nnport compare A B: runs both models on the same inputs and prints per-output metrics; with
// --layers, the first intermediate value where they diverge.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"
#include "ir/error.h"

namespace nnport::cli {

namespace {

// Divergence threshold of --layers when no --max-rel is given.
constexpr double kDefaultLayerTolerance = 1e-4;

struct CompareOptions {
  std::string reference, candidate, from_a, from_b;
  std::vector<std::string> inputs, outputs;
  uint64_t seed = 0;
  std::optional<double> max_rel;
  bool layers = false;
  std::string input_layout, output_layout;
};

// --input NAME:DIMS is given in the reference's layout. The candidate reads its own sizes when
// its file has them (a Caffe Input layer); otherwise it gets the given sizes in its own layout.
// --output cuts it too when it does not already end there (a Caffe net's outputs are its
// unconsumed blobs, so an inner value convert --output kept is not one) and has those values.
Graph load_candidate(const CompareOptions& o, const Graph& reference, const InputSpecs& specs,
                     const TensorMap& feeds, const LayoutOptions& layouts) {
  ReadOptions own;
  Graph b;
  try {
    b = load(o.candidate, o.from_b, own);
  } catch (const Error&) {
    if (specs.dims.empty()) throw;
    // A reader that needs the sizes to read at all: the given ones, as they are.
    own.input_dims = specs.dims;
    return load(o.candidate, o.from_b, own);
  }
  const bool cut = !o.outputs.empty() && b.outputs.size() != reference.outputs.size() &&
                   std::all_of(o.outputs.begin(), o.outputs.end(),
                               [&](const std::string& n) { return b.has_value(n); });
  if (cut) own.outputs = o.outputs;
  const bool unknown = std::any_of(b.inputs.begin(), b.inputs.end(), [&](const std::string& n) {
    return !b.value(n).shape.fully_known();
  });
  if (specs.dims.empty() || !unknown) return cut ? load(o.candidate, o.from_b, own) : b;
  const TensorMap matched = feeds_for(reference, b, feeds);
  const LayoutPlan plan = plan_input_layouts(reference, b, matched, layouts);
  for (const auto& [name, tensor] : apply_input_layouts(plan, matched))
    own.input_dims[name] = tensor.dims();
  return load(o.candidate, o.from_b, own);
}

int run_compare(const CompareOptions& o) {
  const InputSpecs specs = parse_input_specs(o.inputs, true, true);
  ReadOptions read;
  read.input_dims = specs.dims;
  read.outputs = o.outputs;  // the cut convert --output made (B is cut alike)
  LayoutOptions layouts;
  if (!o.input_layout.empty()) layouts.inputs = parse_layout_pair(o.input_layout, "--input-layout");
  if (!o.output_layout.empty())
    layouts.outputs = parse_layout_pair(o.output_layout, "--output-layout");
  const Graph a = load(o.reference, o.from_a, read);
  const TensorMap feeds = make_inputs(a, o.seed, read_input_files(specs));
  const Graph b = load_candidate(o, a, specs, feeds, layouts);

  std::vector<std::string> notes;
  const auto rows = compare_outputs(a, b, feeds, layouts, &notes);
  std::cout << fmt::format("{} (reference) vs {}, {}\n", o.reference, o.candidate,
                           specs.files.size() == a.inputs.size() ? std::string("inputs from files")
                                                                 : fmt::format("seed {}", o.seed));
  for (const std::string& note : notes)
    std::cout << note << "\n";
  std::cout << format_metrics_table(rows);
  if (o.layers) {
    const double tolerance = o.max_rel.value_or(kDefaultLayerTolerance);
    std::cout << format_layer_report(compare_layers(a, b, feeds, tolerance, layouts), tolerance);
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
  cmd->add_option("--output", o->outputs,
                  "cut both graphs at these values, as convert --output did")
      ->take_all();
  cmd->add_option("--seed", o->seed,
                  "seed of the random inputs (uniform [-1,1) floats, [0,4) ints, 0/1 bools)")
      ->capture_default_str();
  cmd->add_option("--max-rel", o->max_rel,
                  "exit with code 3 when an output's max relative error exceeds this");
  cmd->add_option("--input-layout", o->input_layout,
                  "REFERENCE:CANDIDATE layouts of the inputs (NHWC:NCHW) when the shapes do not "
                  "tell (1x3x3x3)");
  cmd->add_option("--output-layout", o->output_layout,
                  "REFERENCE:CANDIDATE layouts of the outputs, likewise");
  cmd->add_flag("--layers", o->layers,
                "also compare every intermediate value and name the first that diverges");
  cmd->footer(
      "Outputs and layers are matched by name, else by position (outputs) or by node name and\n"
      "op order (layers). When B takes its inputs in another layout (TensorFlow NHWC vs its\n"
      "Caffe conversion's NCHW), the shapes tell it: B is fed the same values transposed and\n"
      "its outputs are compared in A's layout (one line says so). Metrics and layouts:\n"
      "docs/SEMANTICS.md; 'inf' means identical.\n"
      "Example:\n  nnport compare model.onnx converted.onnx --seed 1 --max-rel 1e-5 --layers");
  return {cmd, [o] { return run_compare(*o); }};
}

}  // namespace nnport::cli
