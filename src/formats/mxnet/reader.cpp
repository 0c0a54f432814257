// MXNet reader driver: symbol + params -> IR. The per-op conversion lives in read_ops_*.cpp.
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "formats/mxnet/mxnet.h"
#include "formats/mxnet/ndarray_list.h"
#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const std::map<std::string_view, ReadFn>& reader_table() {
  static const std::map<std::string_view, ReadFn> table = [] {
    std::map<std::string_view, ReadFn> all;
    for (auto family : {conv_pool_readers, nn_readers, math_readers, tensor_readers, index_readers})
      for (const OpReader& r : family())
        all.emplace(r.op, r.read);
    return all;
  }();
  return table;
}

// Checkpoints name arrays "arg:NAME" (learned) and "aux:NAME" (BatchNorm statistics);
// Gluon's save_parameters writes bare names. Both read the same way.
std::map<std::string, Tensor> load_params(const std::string& path) {
  std::map<std::string, Tensor> params;
  if (path.empty()) return params;
  for (NamedArray& a : read_ndarray_list(path)) {
    std::string name = a.name;
    if (name.rfind("arg:", 0) == 0 || name.rfind("aux:", 0) == 0) name = name.substr(4);
    if (!params.emplace(name, std::move(a.tensor)).second)
      model_error("{}: parameter '{}' is stored twice", path, name);
  }
  return params;
}

// Errors raised below an op converter (attribute parsing, shape inference) do not know the
// file or, for attribute errors, the node: add what is missing so the user sees one
// "FILE: node 'NAME' (OP): REASON" line.
[[noreturn]] void rethrow_in_node(const Error& error, const std::string& file,
                                  const SymbolNode& node) {
  const std::string message = error.what();
  if (message.rfind(file + ": ", 0) == 0) throw error;
  if (message.rfind("node '", 0) == 0) rethrow_with_context(error, file + ": ");
  rethrow_with_context(error, fmt::format("{}: node '{}' ({}): ", file, node.name, node.op));
}

}  // namespace

std::string checkpoint_prefix(const std::string& symbol_path) {
  if (ends_with(symbol_path, "-symbol.json"))
    return symbol_path.substr(0, symbol_path.size() - std::string_view("-symbol.json").size());
  if (ends_with(symbol_path, ".json")) return symbol_path.substr(0, symbol_path.size() - 5);
  return symbol_path;
}

std::string find_params_file(const std::string& symbol_path) {
  namespace fs = std::filesystem;
  const fs::path prefix(checkpoint_prefix(symbol_path));
  const fs::path dir = prefix.has_parent_path() ? prefix.parent_path() : fs::path(".");
  const std::string stem = prefix.filename().string() + "-";
  std::string best;
  std::optional<uint64_t> best_epoch;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(stem, 0) != 0 || !ends_with(name, ".params")) continue;
    const std::string epoch = name.substr(stem.size(), name.size() - stem.size() - 7);
    // Epochs are what Module.save_checkpoint prints with %04d; a name whose number does not
    // fit is no checkpoint of ours to pick.
    uint64_t value = 0;
    const auto [end, status] = std::from_chars(epoch.data(), epoch.data() + epoch.size(), value);
    if (epoch.empty() || status != std::errc() || end != epoch.data() + epoch.size()) continue;
    // Directory order is arbitrary: "NAME-1" and "NAME-0001" tie on the epoch and are told
    // apart by their names, so the same folder always gives the same choice.
    const std::string path = entry.path().string();
    if (!best_epoch || value > *best_epoch || (value == *best_epoch && path < best)) {
      best_epoch = value;
      best = path;
    }
  }
  return best;
}

bool sniff_symbol_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("\"nodes\"") != std::string::npos &&
         (head.find("\"op\"") != std::string::npos) &&
         head.find("\"modelTopology\"") == std::string::npos;
}

Graph read_model_with_params(const std::string& symbol_path, const std::string& params_path,
                             const ReadOptions& options) {
  const Symbol symbol = read_symbol_file(symbol_path);
  ReadContext ctx(symbol, load_params(params_path), options, symbol_path);
  const auto& table = reader_table();
  std::vector<std::string> unsupported;
  for (const SymbolNode& n : symbol.nodes)
    if (n.op != "null" && !table.count(n.op))
      unsupported.push_back(fmt::format("node '{}' ({})", n.name, n.op));
  if (!unsupported.empty())
    model_error("{}: unsupported MXNet ops: {}", symbol_path, fmt::join(unsupported, ", "));
  for (size_t i = 0; i < symbol.nodes.size(); ++i) {
    if (symbol.nodes[i].op == "null") continue;
    ctx.begin_node(i);
    try {
      table.at(symbol.nodes[i].op)(ctx);
    } catch (const Error& e) {
      rethrow_in_node(e, symbol_path, symbol.nodes[i]);
    }
  }
  ctx.finish();
  Graph& graph = ctx.graph();
  graph.name = std::filesystem::path(checkpoint_prefix(symbol_path)).filename().string();
  graph.metadata["source_format"] = "mxnet";
  if (symbol.mxnet_version > 0)
    graph.metadata["mxnet_version"] = std::to_string(symbol.mxnet_version);
  graph.remove_dead_nodes();
  try {
    graph.validate();
  } catch (const Error& e) {
    rethrow_with_context(e, symbol_path + ": ");
  }
  return std::move(graph);
}

Graph read_model(const std::string& symbol_path, const ReadOptions& options) {
  return read_model_with_params(symbol_path, find_params_file(symbol_path), options);
}

}  // namespace nnport::mxnet
