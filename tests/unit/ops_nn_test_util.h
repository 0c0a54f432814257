// Shared helpers for the ops_nn_*_test.cpp files: run one node through shape inference and its
// kernel, random tensors, and element-wise comparison that prints the first mismatch.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport::ops_nn_test {

// An omitted optional input is an empty Tensor. Constant inputs become graph constants (so shape
// inference sees their values, as for Resize scales); the others are graph inputs.
struct NodeInputs {
  std::vector<Tensor> tensors;
  std::vector<bool> constant;  // per input; missing entries mean "graph input"
};

// Builds a one-node graph, runs shape inference (checked against the kernel's output shapes
// where inference knows them) and the kernel. Returns the outputs in order.
inline std::vector<Tensor> run_node(const std::string& op, const NodeInputs& inputs,
                                    const Attributes& attrs, size_t output_count = 1) {
  Graph graph;
  Node node;
  node.name = "node";
  node.op = op;
  node.attrs = attrs;
  TensorMap feeds;
  for (size_t i = 0; i < inputs.tensors.size(); ++i) {
    const Tensor& t = inputs.tensors[i];
    if (t.empty()) {
      node.inputs.emplace_back();
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    node.inputs.push_back(name);
    if (i < inputs.constant.size() && inputs.constant[i]) {
      graph.add_constant(name, t);
    } else {
      Value& v = graph.add_value(name);
      v.dtype = t.dtype();
      v.shape = t.shape();
      graph.inputs.push_back(name);
      feeds[name] = t;
    }
  }
  for (size_t i = 0; i < output_count; ++i) {
    node.outputs.push_back("out" + std::to_string(i));
    graph.outputs.push_back(node.outputs.back());
  }
  graph.nodes.push_back(node);
  infer_shapes(graph);
  TensorMap result = run_graph(graph, feeds);
  std::vector<Tensor> outputs;
  for (const std::string& name : node.outputs) {
    const Tensor& t = result.at(name);
    const Shape& inferred = graph.value(name).shape;
    if (inferred.fully_known())
      EXPECT_EQ(inferred.sizes(), t.dims()) << "shape inference disagrees with the kernel";
    outputs.push_back(t);
  }
  return outputs;
}

inline Tensor random_tensor(std::vector<int64_t> dims, std::mt19937& rng, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t(DType::Float32, std::move(dims));
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.mutable_values<float>())
    v = dist(rng);
  return t;
}

inline Tensor floats(std::vector<int64_t> dims, const std::vector<float>& values) {
  return Tensor::from_vector<float>(std::move(dims), values);
}

inline Tensor int64s(std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  return Tensor::from_vector<int64_t>(std::move(dims), values);
}

// Element-wise |got - want| <= atol + rtol * |want|; reports the first failure with its index.
inline void expect_close(const Tensor& got, const std::vector<int64_t>& want_dims,
                         const std::vector<float>& want, float atol = 1e-5f, float rtol = 1e-5f) {
  ASSERT_EQ(got.dims(), want_dims);
  ASSERT_EQ(got.dtype(), DType::Float32);
  const auto values = got.values<float>();
  ASSERT_EQ(values.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const float tol = atol + rtol * std::fabs(want[i]);
    if (!(std::fabs(values[i] - want[i]) <= tol) &&
        !(std::isnan(want[i]) && std::isnan(values[i]))) {
      ADD_FAILURE() << "element " << i << ": got " << values[i] << ", want " << want[i];
      return;
    }
  }
}

inline int64_t product_of(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

inline std::string join(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace nnport::ops_nn_test
