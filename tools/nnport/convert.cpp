// nnport convert SRC DST: read, run the standard passes, write; --validate runs both files.
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

struct ConvertOptions {
  std::string source, destination, from, to, input_layout;
  std::vector<std::string> inputs, outputs;
  int opset = 13;
  bool external_data = false;
  bool validate = false;
  uint64_t seed = 0;
  double max_rel = 1e-4;
  std::optional<std::string> caffe_dialect;
  bool fold_batchnorm = false;
  std::optional<uint32_t> seed_weights;
};

// Caffe-only options given for another format would silently do nothing: refuse them instead.
void check_format_specific_options(const ConvertOptions& o, const Format& source,
                                   const Format& target) {
  if (o.caffe_dialect && *o.caffe_dialect != "caffe-1.0" && *o.caffe_dialect != "bvlc-master" &&
      *o.caffe_dialect != "caffe-ssd")
    usage_error("--caffe-dialect '{}' is not one of caffe-1.0, bvlc-master, caffe-ssd",
                *o.caffe_dialect);
  if (target.name != "caffe") {
    if (o.caffe_dialect) usage_error("--caffe-dialect applies to Caffe output only");
    if (o.fold_batchnorm) usage_error("--fold-bn applies to Caffe output only");
  }
  if (o.seed_weights && source.name != "caffe")
    usage_error("--seed-weights applies to Caffe input only");
}

int run_convert(const ConvertOptions& o) {
  ReadOptions read;
  const InputSpecs specs = parse_input_specs(o.inputs, /*allow_dims=*/true, /*allow_files=*/false);
  read.input_dims = specs.dims;
  read.outputs = o.outputs;
  read.input_layout = o.input_layout;
  read.seed_missing_weights = o.seed_weights;
  // Check the destination and the options before the (possibly long) read.
  const Format& target = format_for_path(o.destination, o.to, /*for_writing=*/true);
  require_file(o.source);
  check_format_specific_options(o, format_for_path(o.source, o.from, /*for_writing=*/false),
                                target);

  const Graph source = load(o.source, o.from, read);
  WriteOptions write;
  write.opset = o.opset;
  write.external_data = o.external_data;
  if (o.caffe_dialect) write.caffe_dialect = *o.caffe_dialect;
  write.fold_batchnorm = o.fold_batchnorm;
  target.write(source, o.destination, write);
  std::cout << fmt::format("wrote {} ({}, {} nodes, {} parameters)\n", o.destination, target.name,
                           source.nodes.size(), source.parameter_count());
  if (!o.validate) return 0;

  // The converted file is read back like any user would read it, then both run on the same
  // seeded inputs.
  if (!target.read)
    usage_error("--validate: nnport cannot read {} files back to run them", target.name);
  ReadOptions reread;
  reread.input_dims = specs.dims;
  const Graph converted = load(o.destination, std::string(target.name), reread);
  const TensorMap feeds = make_inputs(source, o.seed);
  const auto rows = compare_outputs(source, converted, feeds);
  std::cout << fmt::format("validation: {} (reference) vs {}, seed {}\n", o.source, o.destination,
                           o.seed)
            << format_metrics_table(rows);
  if (over_tolerance(rows, o.max_rel)) {
    std::cout << fmt::format("FAIL: max_rel above {} (the converted file was kept)\n", o.max_rel);
    return kExitOverTolerance;
  }
  std::cout << fmt::format("OK: max_rel <= {}\n", o.max_rel);
  return 0;
}

}  // namespace

Command add_convert_command(CLI::App& app) {
  auto o = std::make_shared<ConvertOptions>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a model file to another format");
  cmd->add_option("SRC", o->source, "model to read")->required();
  cmd->add_option("DST", o->destination, "file to write (format from --to or the extension)")
      ->required();
  cmd->add_option("--from", o->from, "source format (default: from the extension or content)");
  cmd->add_option("--to", o->to, "target format (default: from the extension)");
  cmd->add_option("--input", o->inputs, "NAME:DIMS fixes an input's size, e.g. x:1,3,224,224")
      ->take_all();
  cmd->add_option("--output", o->outputs, "cut the graph: these values become the outputs")
      ->take_all();
  cmd->add_option("--opset", o->opset, "ONNX opset to write (7-21)")->capture_default_str();
  cmd->add_option("--input-layout", o->input_layout, "NHWC or NCHW, for sources that need it");
  cmd->add_flag("--external-data", o->external_data, "ONNX: weights in a .data file beside it");
  cmd->add_flag("--validate", o->validate,
                "read the written file back, run both on seeded inputs, print the metrics; "
                "exit 3 when max_rel exceeds --max-rel");
  cmd->add_option(
      "--caffe-dialect", o->caffe_dialect,
      "Caffe output: caffe-1.0 (default; layers of the BVLC 1.0 release only) or "
      "bvlc-master (may also use Clip, Swish and Pooling round_mode) or caffe-ssd (BVLC 1.0 "
      "plus the SSD fork's Permute: transposes, DepthToSpace, SpaceToDepth)");
  cmd->add_flag("--fold-bn", o->fold_batchnorm,
                "Caffe output: fold BatchNorm into the preceding convolution's weights (default: "
                "keep BatchNorm + Scale layers like the source)");
  cmd->add_option("--seed-weights", o->seed_weights,
                  "Caffe input: layers missing from the .caffemodel (or all, without one) get "
                  "deterministic pseudo-random weights from this seed, e.g. to convert and run a "
                  "weightless deploy.prototxt");
  cmd->add_option("--seed", o->seed, "seed of the validation inputs")->capture_default_str();
  cmd->add_option("--max-rel", o->max_rel, "tolerance of --validate")->capture_default_str();
  cmd->footer(
      "Example:\n  nnport convert mobilenet.onnx mobilenet13.onnx --opset 13 --input "
      "input:1,3,224,224 --validate\n"
      "  nnport convert deploy.prototxt seeded.prototxt --seed-weights 1   # writes "
      "seeded.caffemodel too");
  return {cmd, [o] { return run_convert(*o); }};
}

}  // namespace nnport::cli
