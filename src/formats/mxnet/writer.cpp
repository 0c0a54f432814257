// MXNet writer driver: legalize, emit one or more MXNet nodes per IR node (write_ops_*.cpp),
// then write the symbol JSON and the .params through OutputFiles (both appear or neither).
#include <filesystem>
#include <fstream>
#include <map>

#include "formats/common/output_files.h"
#include "formats/mxnet/mxnet.h"
#include "formats/mxnet/python_code.h"
#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

namespace {

const std::map<std::string_view, EmitFn>& emitter_table() {
  static const std::map<std::string_view, EmitFn> table = [] {
    std::map<std::string_view, EmitFn> all;
    for (auto family :
         {conv_pool_emitters, nn_emitters, math_emitters, tensor_emitters, index_emitters})
      for (const OpEmitter& e : family())
        all.emplace(e.op, e.emit);
    return all;
  }();
  return table;
}

struct Converted {
  Symbol symbol;
  std::vector<NamedArray> params;
};

Converted convert(const Graph& graph, const std::string& file) {
  const auto& table = emitter_table();
  std::vector<std::string> unsupported;
  for (const Node& n : graph.nodes)
    if (!table.count(n.op)) unsupported.push_back(fmt::format("node '{}' ({})", n.name, n.op));
  if (!unsupported.empty())
    model_error("{}: no MXNet form for: {}", file, fmt::join(unsupported, ", "));
  const Graph legal = legalize_for_mxnet(graph, file);
  WriteContext ctx(legal, file);
  for (const std::string& input : legal.inputs)
    ctx.declare_input(legal.value(input));
  for (const Node& n : legal.nodes) {
    ctx.begin_node(n);
    table.at(n.op)(ctx);
  }
  for (const std::string& output : legal.outputs) {
    const Value& v = legal.value(output);
    if (v.constant)
      model_error("{}: output '{}' is a constant; MXNet outputs are computed", file, output);
    // Graph inputs and computed values are bound by now.
    ctx.symbol().heads.push_back(ctx.value_entry(output));
  }
  return {std::move(ctx.symbol()), std::move(ctx.params())};
}

std::string params_path_for(const std::string& symbol_path) {
  return checkpoint_prefix(symbol_path) + "-0000.params";
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) usage_error("{}: cannot open for writing", path);
  out << text;
  out.flush();
  if (!out) usage_error("{}: write failed", path);
}

}  // namespace

void write_model(const Graph& graph, const std::string& path, const WriteOptions& options) {
  const Converted c = convert(graph, path);
  OutputFiles files;
  write_text(files.add(path), symbol_to_json(c.symbol));
  write_ndarray_list(files.add(params_path_for(path)), c.params);
  files.commit();
}

void write_python_code(const Graph& graph, const std::string& path, const WriteOptions& options) {
  std::string prefix = path;
  if (prefix.size() > 3 && prefix.compare(prefix.size() - 3, 3, ".py") == 0)
    prefix.resize(prefix.size() - 3);
  const std::string symbol_path = prefix + "-symbol.json";
  const std::string params_path = params_path_for(symbol_path);
  const Converted c = convert(graph, path);
  OutputFiles files;
  write_text(files.add(symbol_path), symbol_to_json(c.symbol));
  write_ndarray_list(files.add(params_path), c.params);
  write_text(files.add(path),
             symbol_to_python(c.symbol, graph.name.empty() ? prefix : graph.name,
                              std::filesystem::path(params_path).filename().string()));
  files.commit();
}

}  // namespace nnport::mxnet
