// nnport compare A B: runs both models on the same inputs and prints per-output metrics; with
// --layers, the first intermediate value where they diverge; with --reference-f64, the float64
// judge's verdict (compare/judge.h).
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"
#include "compare/judge.h"
#include "formats/npy/npy.h"
#include "ir/error.h"

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
  bool reference_f64 = false;
  std::string source_outputs;  // folder of A's outputs from its own runtime (OUTPUT.npy)
};

// A's outputs as its own runtime computed them, named as `nnport run --out-dir` names them.
TensorMap read_source_outputs(const Graph& a, const std::string& folder) {
  require_file(folder);
  const std::vector<std::string> files = output_file_names(a.outputs);
  TensorMap outputs;
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    const std::string path = (std::filesystem::path(folder) / files[i]).string();
    if (!std::filesystem::exists(path))
      usage_error("--source-outputs: no {} for output '{}'", path, a.outputs[i]);
    outputs[a.outputs[i]] = read_npy(path);
  }
  return outputs;
}

int run_judge(const CompareOptions& o, const Graph& a, const Graph& b, const TensorMap& feeds,
              const std::string& inputs_note) {
  std::optional<TensorMap> source;
  if (!o.source_outputs.empty()) source = read_source_outputs(a, o.source_outputs);
  const auto rows = judge_outputs(a, b, feeds, source ? &*source : nullptr);
  std::cout << fmt::format("{} in float64 (judge) vs {}, {}\n", o.reference, o.candidate,
                           inputs_note)
            << format_judge_table(rows, source ? o.source_outputs + " (A's own runtime)"
                                               : "A in float32 (nnport's executor)");
  int code = 0;
  for (const JudgeRow& r : rows)
    if (!r.verdict.pass) {
      std::cout << fmt::format("FAIL: '{}' is further from float64 than the source runtime\n",
                               r.name);
      code = kExitOverTolerance;
    }
  return code;
}

int run_compare(const CompareOptions& o) {
  const InputSpecs specs = parse_input_specs(o.inputs, true, true);
  ReadOptions read;
  read.input_dims = specs.dims;
  const Graph a = load(o.reference, o.from_a, read);
  const Graph b = load(o.candidate, o.from_b, read);
  const TensorMap feeds = make_inputs(a, o.seed, read_input_files(specs));
  const std::string inputs_note = specs.files.size() == a.inputs.size()
                                      ? std::string("inputs from files")
                                      : fmt::format("seed {}", o.seed);
  if (!o.source_outputs.empty() && !o.reference_f64)
    usage_error("--source-outputs needs --reference-f64");
  if (o.reference_f64) return run_judge(o, a, b, feeds, inputs_note);

  const auto rows = compare_outputs(a, b, feeds);
  std::cout << fmt::format("{} (reference) vs {}, {}\n", o.reference, o.candidate, inputs_note)
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
  cmd->add_flag("--reference-f64", o->reference_f64,
                "judge B against A run in float64 (exit 3 when B is further from it than A in "
                "float32; see below)");
  cmd->add_option("--source-outputs", o->source_outputs,
                  "with --reference-f64: folder of A's outputs from A's own runtime "
                  "(OUTPUT.npy, as `run --out-dir` names them) instead of A in float32 here");
  cmd->footer(
      "Outputs and layers are matched by name, else by position (outputs) or by node name and\n"
      "op order (layers). Metrics: SEMANTICS.md section 6; 'inf' means identical.\n"
      "--reference-f64: A runs in double precision in nnport's executor (the judge); the source\n"
      "runtime (A in float32, or --source-outputs) and B are measured against it. An output\n"
      "passes when B's SNR >= the source's SNR - 3 dB (and >= 100 dB where the source reaches\n"
      "103 dB) and B's max_rel <= 2x the source's or <= 1e-5.\n"
      "Example:\n  nnport compare model.onnx converted.onnx --seed 1 --max-rel 1e-5 --layers\n"
      "  nnport compare model.pb model.prototxt --reference-f64");
  return {cmd, [o] { return run_compare(*o); }};
}

}  // namespace nnport::cli
