#include "formats/mxnet/symbol.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ir/error.h"

namespace nnport::mxnet {

namespace {

using nlohmann::json;
// Written files keep MXNet's own key order (op, name, attrs, inputs) for readability.
using ojson = nlohmann::ordered_json;

// The version stamp our writer puts in files: MXNet 1.9.1, the last 1.x release.
constexpr int64_t kWrittenVersion = 10901;

EntryRef parse_entry(const json& entry, size_t node_count, const std::string& where) {
  if (!entry.is_array() || entry.size() < 2 || entry.size() > 3 || !entry[0].is_number_integer() ||
      !entry[1].is_number_integer())
    model_error("{}: an input must be [node, output(, version)], got {}", where, entry.dump());
  EntryRef ref{entry[0].get<int64_t>(), entry[1].get<int64_t>()};
  if (ref.node < 0 || static_cast<size_t>(ref.node) >= node_count || ref.output < 0)
    model_error("{}: input {} refers to no node", where, entry.dump());
  return ref;
}

void merge_string_attrs(const json& object, AttrMap& attrs, const std::string& where) {
  if (object.is_null()) return;
  if (!object.is_object()) model_error("{}: attributes must be an object", where);
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string())
      model_error("{}: attribute '{}' must be a string, got {}", where, key, value.dump());
    attrs[key] = value.get<std::string>();
  }
}

SymbolNode parse_node(const json& j, size_t index, size_t node_count, const std::string& file) {
  if (!j.is_object()) model_error("{}: node #{} is not an object", file, index);
  SymbolNode node;
  if (!j.contains("op") || !j["op"].is_string() || !j.contains("name") || !j["name"].is_string())
    model_error("{}: node #{} needs string 'op' and 'name'", file, index);
  node.op = j["op"].get<std::string>();
  node.name = j["name"].get<std::string>();
  if (node.name.empty()) node.name = node.op + "_" + std::to_string(index);
  const std::string where = fmt::format("{}: node '{}' ({})", file, node.name, node.op);
  // 1.x merges everything into "attrs"; 0.8 keeps op parameters in "param", user ones in
  // "attr". Later spellings win when a file has several.
  for (const char* key : {"attr", "param", "attrs"})
    if (j.contains(key)) merge_string_attrs(j[key], node.attrs, where);
  if (j.contains("inputs")) {
    if (!j["inputs"].is_array()) model_error("{}: 'inputs' must be a list", where);
    for (const json& entry : j["inputs"]) {
      EntryRef ref = parse_entry(entry, node_count, where);
      if (static_cast<size_t>(ref.node) >= index)
        model_error("{}: input from node #{} breaks the topological order", where, ref.node);
      node.inputs.push_back(ref);
    }
  }
  return node;
}

}  // namespace

Symbol parse_symbol_json(const std::string& text, const std::string& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    model_error("{}: not valid JSON: {}", file, e.what());
  }
  if (!root.is_object() || !root.contains("nodes") || !root["nodes"].is_array() ||
      !root.contains("heads") || !root["heads"].is_array())
    model_error("{}: not an MXNet symbol file (needs 'nodes' and 'heads')", file);
  Symbol symbol;
  const json& nodes = root["nodes"];
  for (size_t i = 0; i < nodes.size(); ++i)
    symbol.nodes.push_back(parse_node(nodes[i], i, nodes.size(), file));
  for (const json& head : root["heads"])
    symbol.heads.push_back(parse_entry(head, nodes.size(), file + ": heads"));
  if (symbol.heads.empty()) model_error("{}: the symbol has no outputs ('heads' is empty)", file);
  if (root.contains("attrs") && root["attrs"].is_object() &&
      root["attrs"].contains("mxnet_version")) {
    const json& v = root["attrs"]["mxnet_version"];
    // Written as ["int", 10200].
    if (v.is_array() && v.size() == 2 && v[1].is_number_integer())
      symbol.mxnet_version = v[1].get<int64_t>();
  }
  return symbol;
}

Symbol read_symbol_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) model_error("{}: cannot open", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_symbol_json(buffer.str(), path);
}

std::string symbol_to_json(const Symbol& symbol) {
  ojson nodes = ojson::array();
  ojson arg_nodes = ojson::array();
  ojson row_ptr = ojson::array({0});
  // How many outputs each node exposes: one more than the highest index anyone reads.
  std::vector<int64_t> outputs(symbol.nodes.size(), 1);
  for (const SymbolNode& n : symbol.nodes)
    for (const EntryRef& in : n.inputs)
      outputs[in.node] = std::max(outputs[in.node], in.output + 1);
  for (const EntryRef& h : symbol.heads)
    outputs[h.node] = std::max(outputs[h.node], h.output + 1);
  for (size_t i = 0; i < symbol.nodes.size(); ++i) {
    const SymbolNode& n = symbol.nodes[i];
    ojson node = ojson::object();
    node["op"] = n.op;
    node["name"] = n.name;
    if (!n.attrs.empty()) {
      ojson attrs = ojson::object();
      for (const auto& [key, value] : n.attrs)
        attrs[key] = value;
      node["attrs"] = attrs;
    }
    ojson inputs = ojson::array();
    for (const EntryRef& in : n.inputs)
      inputs.push_back(ojson::array({in.node, in.output, 0}));
    node["inputs"] = inputs;
    nodes.push_back(node);
    if (n.op == "null") arg_nodes.push_back(i);
    row_ptr.push_back(row_ptr.back().get<int64_t>() + outputs[i]);
  }
  ojson heads = ojson::array();
  for (const EntryRef& h : symbol.heads)
    heads.push_back(ojson::array({h.node, h.output, 0}));
  ojson root = ojson::object();
  root["nodes"] = nodes;
  root["arg_nodes"] = arg_nodes;
  root["node_row_ptr"] = row_ptr;
  root["heads"] = heads;
  root["attrs"] = {{"mxnet_version", ojson::array({"int", kWrittenVersion})}};
  return root.dump(2) + "\n";
}

}  // namespace nnport::mxnet
