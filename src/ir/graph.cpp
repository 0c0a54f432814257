#include "ir/graph.h"

#include <algorithm>
#include <queue>
#include <set>

#include "ir/error.h"
#include "ir/op_schema.h"

namespace nnport {

Value& Graph::value(const std::string& name) {
  if (Value* v = find_value(name)) return *v;
  model_error("value '{}' is not defined", name);
}

const Value& Graph::value(const std::string& name) const {
  if (const Value* v = find_value(name)) return *v;
  model_error("value '{}' is not defined", name);
}

Value* Graph::find_value(const std::string& name) {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

const Value* Graph::find_value(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

Value& Graph::add_value(const std::string& name) {
  Value& v = values_[name];
  v.name = name;
  return v;
}

Value& Graph::add_constant(const std::string& name, Tensor tensor) {
  Value& v = add_value(name);
  v.dtype = tensor.dtype();
  v.shape = tensor.shape();
  v.constant = std::move(tensor);
  return v;
}

const Tensor* Graph::constant(const std::string& name) const {
  const Value* v = find_value(name);
  return v && v->constant ? &*v->constant : nullptr;
}

std::string Graph::unique_name(const std::string& base) {
  std::set<std::string> node_names;
  if (!values_.count(base)) {
    bool used = false;
    for (const Node& n : nodes) used = used || n.name == base;
    if (!used) return base;
  }
  for (const Node& n : nodes) node_names.insert(n.name);
  int& counter = name_counters_[base];
  while (true) {
    std::string candidate = base + "_" + std::to_string(++counter);
    if (!values_.count(candidate) && !node_names.count(candidate)) return candidate;
  }
}

std::unordered_map<std::string, size_t> Graph::producers() const {
  std::unordered_map<std::string, size_t> out;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (!o.empty()) out[o] = i;
  return out;
}

std::unordered_map<std::string, size_t> Graph::use_counts() const {
  std::unordered_map<std::string, size_t> out;
  for (const Node& n : nodes)
    for (const auto& in : n.inputs)
      if (!in.empty()) ++out[in];
  for (const auto& o : outputs) ++out[o];
  return out;
}

void Graph::topological_sort() {
  const auto producer = producers();
  const size_t n = nodes.size();
  std::vector<std::vector<size_t>> consumers(n);
  std::vector<size_t> pending(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::set<size_t> deps;
    for (const auto& in : nodes[i].inputs) {
      if (in.empty()) continue;
      auto it = producer.find(in);
      if (it != producer.end() && it->second != i) deps.insert(it->second);
      if (it != producer.end() && it->second == i)
        model_error("node '{}' ({}) reads its own output '{}': the graph has a cycle",
                    nodes[i].name, nodes[i].op, in);
    }
    pending[i] = deps.size();
    for (size_t d : deps) consumers[d].push_back(i);
  }
  // Kahn's algorithm with a min-heap on the original index keeps the order stable.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] != 0)
        model_error("node '{}' ({}) is on a cycle: the graph is not a DAG", nodes[i].name,
                    nodes[i].op);
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
}

void Graph::remove_dead_nodes() {
  std::set<std::string> live(outputs.begin(), outputs.end());
  std::vector<bool> keep(nodes.size(), false);
  for (size_t i = nodes.size(); i-- > 0;) {
    const Node& node = nodes[i];
    bool needed = false;
    for (const auto& o : node.outputs) needed = needed || live.count(o);
    if (!needed) continue;
    keep[i] = true;
    for (const auto& in : node.inputs)
      if (!in.empty()) live.insert(in);
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (keep[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
  for (const auto& in : inputs) live.insert(in);
  for (const Node& node : nodes)
    for (const auto& o : node.outputs) live.insert(o);
  for (auto it = values_.begin(); it != values_.end();)
    it = live.count(it->first) ? std::next(it) : values_.erase(it);
}

void Graph::validate() const {
  std::set<std::string> defined;
  for (const auto& in : inputs) {
    if (!has_value(in)) model_error("graph input '{}' has no value", in);
    defined.insert(in);
  }
  for (const auto& [name, v] : values_)
    if (v.constant) defined.insert(name);
  for (const Node& node : nodes) {
    const OpSchema* schema = find_schema(node.op);
    if (!schema) model_error("node '{}': unknown op '{}'", node.name, node.op);
    check_node_against_schema(*schema, node);
    for (const auto& in : node.inputs)
      if (!in.empty() && !defined.count(in))
        model_error("node '{}' ({}): input '{}' is not produced by any earlier node, input or "
                    "constant",
                    node.name, node.op, in);
    for (const auto& out : node.outputs) {
      if (out.empty()) continue;
      if (defined.count(out))
        model_error("node '{}' ({}): output '{}' is defined more than once", node.name, node.op,
                    out);
      defined.insert(out);
    }
  }
  for (const auto& out : outputs)
    if (!defined.count(out)) model_error("graph output '{}' is never produced", out);
}

int64_t Graph::parameter_count() const {
  int64_t total = 0;
  for (const auto& [name, v] : values_)
    if (v.constant) total += v.constant->element_count();
  return total;
}

}  // namespace nnport
