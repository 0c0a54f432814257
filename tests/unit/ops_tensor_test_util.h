// Shared by the ops_tensor_*_test.cpp files: runs one op through shape inference and its
// reference kernel, and checks that the two agree on every output's dtype and shape.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ir/graph.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport::testing {

inline std::string describe(const Tensor& t) {
  if (t.empty()) return "none";
  return fmt::format("{}{}", dtype_name(t.dtype()), sizes_to_string(t.dims()));
}

// Inputs become constants (an empty Tensor is an omitted optional input), so shape inference
// sees their values as it would after constant folding.
inline std::vector<Tensor> run_op(const std::string& op, const std::vector<Tensor>& inputs,
                                  const Attributes& attrs = {}, size_t outputs = 1) {
  Graph graph;
  Node node;
  node.name = "node";
  node.op = op;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty()) {
      node.inputs.emplace_back();
      continue;
    }
    node.inputs.push_back("in" + std::to_string(i));
    graph.add_constant(node.inputs.back(), inputs[i]);
  }
  for (size_t i = 0; i < outputs; ++i)
    node.outputs.push_back("out" + std::to_string(i));
  graph.outputs = node.outputs;
  graph.nodes.push_back(node);
  check_node_against_schema(*find_schema(op), node);
  infer_shapes(graph);
  TensorMap result = run_graph(graph, {});
  std::vector<Tensor> out;
  for (const auto& name : node.outputs) {
    const Tensor& t = result.at(name);
    const Value& inferred = graph.value(name);
    EXPECT_EQ(inferred.dtype, t.dtype()) << op << " output " << name;
    if (inferred.shape.fully_known())
      EXPECT_EQ(inferred.shape.sizes(), t.dims())
          << op << " output " << name << " inferred " << inferred.shape.to_string();
    else
      ADD_FAILURE() << op << " output " << name << ": inferred shape " << inferred.shape.to_string()
                    << " is not fully known from constant inputs";
    out.push_back(t);
  }
  return out;
}

// Shape inference alone, with inputs of the given dtypes and (possibly partial) shapes;
// `constants` gives values for some inputs (empty Tensor: not constant).
inline Value infer_op(const std::string& op, const std::vector<std::pair<DType, Shape>>& inputs,
                      const Attributes& attrs = {}, const std::vector<Tensor>& constants = {},
                      size_t output = 0, size_t outputs = 1) {
  Graph graph;
  Node node;
  node.name = "node";
  node.op = op;
  node.attrs = attrs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    node.inputs.push_back(name);
    if (i < constants.size() && !constants[i].empty()) {
      graph.add_constant(name, constants[i]);
    } else {
      Value& v = graph.add_value(name);
      v.dtype = inputs[i].first;
      v.shape = inputs[i].second;
      graph.inputs.push_back(name);
    }
  }
  for (size_t i = 0; i < outputs; ++i)
    node.outputs.push_back("out" + std::to_string(i));
  graph.nodes.push_back(node);
  infer_shapes(graph);
  return graph.value(node.outputs[output]);
}

inline Attributes attrs_of(std::initializer_list<std::pair<const std::string, AttrValue>> list) {
  Attributes a;
  for (const auto& [k, v] : list)
    a.set(k, v);
  return a;
}

template <typename T>
Tensor tensor(std::vector<int64_t> dims, const std::vector<T>& values) {
  return Tensor::from_vector<T>(std::move(dims), values);
}

inline Tensor ints(const std::vector<int64_t>& values) {
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values);
}

// Exact comparison for integers and bools; floats within `tolerance` relative to max(1, |x|)
// (NaN matches NaN, infinities must be equal).
template <typename T>
void expect_tensor(const Tensor& actual, const std::vector<int64_t>& dims,
                   const std::vector<T>& expected, double tolerance = 1e-6) {
  ASSERT_EQ(actual.dtype(), dtype_of<T>()) << describe(actual);
  ASSERT_EQ(actual.dims(), dims) << describe(actual);
  const auto values = actual.values<T>();
  ASSERT_EQ(values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(expected[i])) {
        EXPECT_TRUE(std::isnan(values[i])) << "element " << i;
        continue;
      }
      if (std::isinf(expected[i])) {
        EXPECT_EQ(values[i], expected[i]) << "element " << i;
        continue;
      }
      EXPECT_NEAR(values[i], expected[i], tolerance * std::max(1.0, std::fabs(double(expected[i]))))
          << "element " << i;
    } else {
      EXPECT_EQ(values[i], expected[i]) << "element " << i;
    }
  }
}

}  // namespace nnport::testing
