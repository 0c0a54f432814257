// nnport info MODEL: inputs, outputs, op histogram and parameter count.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <map>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "ir/text_dump.h"

namespace nnport::cli {

namespace {

struct InfoOptions {
  std::string model, from;
  std::vector<std::string> inputs;
};

int run_info(const InfoOptions& o) {
  ReadOptions read;
  read.input_dims = parse_input_specs(o.inputs, true, false).dims;
  const Graph g = load(o.model, o.from, read);
  std::cout << fmt::format("model: {} ({})\n", o.model,
                           format_for_path(o.model, o.from, false).name);
  for (const auto& [key, text] : g.metadata)
    std::cout << fmt::format("  {}: {}\n", key, text);
  std::cout << "inputs:\n";
  for (const auto& name : g.inputs)
    std::cout << fmt::format("  {}: {}\n", name, describe_value(g.value(name)));
  std::cout << "outputs:\n";
  for (const auto& name : g.outputs)
    std::cout << fmt::format("  {}: {}\n", name, describe_value(g.value(name)));

  std::map<std::string, size_t> histogram;
  for (const Node& n : g.nodes)
    ++histogram[n.op];
  std::vector<std::pair<std::string, size_t>> ops(histogram.begin(), histogram.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::cout << fmt::format("ops ({} nodes):\n", g.nodes.size());
  for (const auto& [op, count] : ops)
    std::cout << fmt::format("  {:>6}  {}\n", count, op);
  size_t constants = 0;
  for (const auto& [name, v] : g.values())
    constants += v.constant ? 1 : 0;
  std::cout << fmt::format("parameters: {} in {} constants\n", g.parameter_count(), constants);
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& app) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Inputs, outputs, op histogram and parameter count (after the standard passes)");
  cmd->add_option("MODEL", o->model, "model file")->required();
  cmd->add_option("--from", o->from, "format (default: from the extension or content)");
  cmd->add_option("--input", o->inputs, "NAME:DIMS fixes an input's size")->take_all();
  cmd->footer("Example:\n  nnport info resnet50.onnx");
  return {cmd, [o] { return run_info(*o); }};
}

}  // namespace nnport::cli
