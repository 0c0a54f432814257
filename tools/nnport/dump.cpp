// nnport dump MODEL: the IR as text, one line per node.
#include <iostream>

#include <fmt/format.h>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "ir/error.h"
#include "ir/text_dump.h"

namespace nnport::cli {

namespace {

struct DumpOptions {
  std::string model, from;
  std::vector<std::string> inputs;
  bool raw = false;
};

int run_dump(const DumpOptions& o) {
  ReadOptions read;
  read.input_dims = parse_input_specs(o.inputs, true, false).dims;
  if (!o.raw) {
    std::cout << dump_graph(load(o.model, o.from, read));
    return 0;
  }
  // As read, before any pass: what the reader made of the file.
  if (!read.input_dims.empty()) usage_error("--raw shows the file as read; drop --input");
  require_file(o.model);
  const Format& format = format_for_path(o.model, o.from, false);
  std::cout << dump_graph(format.read(o.model, read));
  return 0;
}

}  // namespace

Command add_dump_command(CLI::App& app) {
  auto o = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand("dump", "Print the model's IR as text, one line per node");
  cmd->add_option("MODEL", o->model, "model file")->required();
  cmd->add_option("--from", o->from, "format (default: from the extension or content)");
  cmd->add_option("--input", o->inputs, "NAME:DIMS fixes an input's size")->take_all();
  cmd->add_flag("--raw", o->raw, "as the reader produced it, before the standard passes");
  cmd->footer("Example:\n  nnport dump model.onnx --input input:1,3,224,224 | less");
  return {cmd, [o] { return run_dump(*o); }};
}

}  // namespace nnport::cli
