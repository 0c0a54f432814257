// nnport run MODEL --input NAME=FILE.npy ... --out-dir D: runs the reference executor and writes
// each output as OUTPUTNAME.npy.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"
#include "formats/npy/npy.h"
#include "ir/error.h"

namespace nnport::cli {

namespace {

struct RunCommandOptions {
  std::string model, from, out_dir;
  std::vector<std::string> inputs;
  std::optional<uint64_t> seed;
  bool float64 = false;
};

int run_model(const RunCommandOptions& o) {
  const InputSpecs specs = parse_input_specs(o.inputs, true, true);
  ReadOptions read;
  read.input_dims = specs.dims;
  const Graph g = load(o.model, o.from, read);
  const TensorMap given = read_input_files(specs);
  for (const auto& name : g.inputs)
    if (!given.count(name) && !o.seed)
      usage_error(
          "no value for input '{}': give --input {}=FILE.npy, or --seed N for random "
          "inputs",
          name, name);
  const TensorMap feeds = make_inputs(g, o.seed.value_or(0), given);
  RunOptions run_options;
  run_options.float64 = o.float64;
  const TensorMap outputs = run_graph(g, feeds, run_options);

  // Outputs are written only once every one of them is computed.
  std::filesystem::create_directories(o.out_dir);
  const std::vector<std::string> files = output_file_names(g.outputs);
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const Tensor& t = outputs.at(g.outputs[i]);
    const std::string path = (std::filesystem::path(o.out_dir) / files[i]).string();
    write_npy(path, t);
    std::cout << fmt::format("{}: {} {} -> {}\n", g.outputs[i], dtype_name(t.dtype()),
                             t.shape().to_string(), path);
  }
  return 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto o = std::make_shared<RunCommandOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model with the reference executor");
  cmd->add_option("MODEL", o->model, "model file")->required();
  cmd->add_option("--from", o->from, "format (default: from the extension or content)");
  cmd->add_option("--input", o->inputs,
                  "NAME=FILE.npy feeds an input; NAME:DIMS fixes an input's size")
      ->take_all();
  cmd->add_option("--seed", o->seed,
                  "random values for inputs without a file (uniform [-1,1) floats, [0,4) ints)");
  cmd->add_option("--out-dir", o->out_dir, "folder for OUTPUTNAME.npy files")->required();
  cmd->add_flag("--float64", o->float64,
                "compute in double precision (float inputs and weights widened; float outputs "
                "written as float64): the float64 judge of compare --reference-f64");
  cmd->footer("Example:\n  nnport run model.onnx --input input=cat.npy --out-dir results/");
  return {cmd, [o] { return run_model(*o); }};
}

}  // namespace nnport::cli
