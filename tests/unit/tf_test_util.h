// Builds small TensorFlow GraphDefs in tests and converts them through the TF importer and the
// standard passes.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/tensorflow/tf_importer.h"
#include "passes/pass.h"
#include "runtime/executor.h"
#include "tf_graph.pb.h"

namespace nnport::tf::testing {

class GraphBuilder {
 public:
  NodeDef& node(const std::string& name, const std::string& op,
                std::vector<std::string> inputs = {}) {
    NodeDef* n = graph.add_node();
    n->set_name(name);
    n->set_op(op);
    for (auto& in : inputs)
      n->add_input(in);
    return *n;
  }
  static void set_ints(NodeDef& n, const std::string& attr, const std::vector<int64_t>& v) {
    auto* list = (*n.mutable_attr())[attr].mutable_list();
    for (int64_t x : v)
      list->add_i(x);
  }
  static void set_string(NodeDef& n, const std::string& attr, const std::string& v) {
    (*n.mutable_attr())[attr].set_s(v);
  }
  static void set_int(NodeDef& n, const std::string& attr, int64_t v) {
    (*n.mutable_attr())[attr].set_i(v);
  }
  static void set_bool(NodeDef& n, const std::string& attr, bool v) {
    (*n.mutable_attr())[attr].set_b(v);
  }
  static void set_float(NodeDef& n, const std::string& attr, float v) {
    (*n.mutable_attr())[attr].set_f(v);
  }

  std::string placeholder(const std::string& name, const std::vector<int64_t>& dims) {
    NodeDef& n = node(name, "Placeholder");
    (*n.mutable_attr())["dtype"].set_type(DT_FLOAT);
    auto* shape = (*n.mutable_attr())["shape"].mutable_shape();
    for (int64_t d : dims)
      shape->add_dim()->set_size(d);
    return name;
  }
  std::string const_float(const std::string& name, const std::vector<int64_t>& dims,
                          const std::vector<float>& values) {
    NodeDef& n = node(name, "Const");
    TensorProto* t = (*n.mutable_attr())["value"].mutable_tensor();
    t->set_dtype(DT_FLOAT);
    for (int64_t d : dims)
      t->mutable_tensor_shape()->add_dim()->set_size(d);
    t->set_tensor_content(
        std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
    return name;
  }
  std::string const_int(const std::string& name, const std::vector<int64_t>& dims,
                        const std::vector<int32_t>& values) {
    NodeDef& n = node(name, "Const");
    TensorProto* t = (*n.mutable_attr())["value"].mutable_tensor();
    t->set_dtype(DT_INT32);
    for (int64_t d : dims)
      t->mutable_tensor_shape()->add_dim()->set_size(d);
    for (int32_t v : values)
      t->add_int_val(v);
    return name;
  }

  GraphDef graph;
};

// Imports and runs the standard passes.
inline Graph convert(GraphDef graph_def, ReadOptions read = {}) {
  ImportOptions options;
  options.file = "test.pb";
  options.read = read;
  options.source_format = "tensorflow";
  Graph g = import_graph_def(graph_def, options);
  PassOptions pass_options;
  pass_options.input_dims = read.input_dims;
  run_passes(g, standard_passes(), pass_options);
  return g;
}

inline size_t count_ops(const Graph& g, const std::string& op) {
  size_t n = 0;
  for (const Node& node : g.nodes)
    n += node.op == op;
  return n;
}

inline std::vector<float> ramp(size_t n, float scale = 0.1f, float offset = -1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = offset + scale * static_cast<float>((i * 7) % 23);
  return v;
}

inline std::vector<float> run_single(const Graph& g, const std::string& input,
                                     const std::vector<int64_t>& dims,
                                     const std::vector<float>& values) {
  TensorMap feeds;
  feeds[input] = Tensor::from_vector<float>(dims, values);
  TensorMap out = run_graph(g, feeds);
  const Tensor& y = out.at(g.outputs.at(0));
  auto span = y.values<float>();
  return {span.begin(), span.end()};
}

}  // namespace nnport::tf::testing
