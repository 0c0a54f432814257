// One ConvTranspose case for the writers' transposed-conv emulation tests (Caffe's appended zero
// taps, MXNet's symmetric pad + adj + crop): its parameters, printed on failure, and the
// single-node graph built from them.
#pragma once

#include <cmath>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"

namespace nnport::deconv_test {

struct DeconvCase {
  std::vector<int64_t> input;   // N, C, H, W
  std::vector<int64_t> weight;  // C, M / group, kH, kW
  std::vector<int64_t> strides, pads, output_padding, dilations;
  int64_t group = 1;
  bool bias = false;
};

inline std::ostream& operator<<(std::ostream& os, const DeconvCase& c) {
  return os << "in " << sizes_to_string(c.input) << " w " << sizes_to_string(c.weight) << " s "
            << sizes_to_string(c.strides) << " pads " << sizes_to_string(c.pads)
            << " output_padding " << sizes_to_string(c.output_padding) << " d "
            << sizes_to_string(c.dilations) << " group " << c.group << " bias " << c.bias;
}

// Values of both signs and no pattern that a wrong tap could hide behind.
inline Tensor ramp(const std::vector<int64_t>& dims, float scale) {
  Tensor t(DType::Float32, dims);
  auto v = t.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = std::sin(static_cast<float>(i) * scale + 0.3f) * 2.0f;
  return t;
}

// input -> ConvTranspose 'deconv' (weight 'w', bias 'b' of 0.25, 0.5, ... when c.bias) -> 'y'.
inline Graph deconv_graph(const DeconvCase& c, const Tensor& weight,
                          const std::string& input = "x") {
  Graph g;
  g.name = "test";
  Value& x = g.add_value(input);
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(c.input);
  g.inputs = {input};
  g.add_constant("w", weight);
  Node node;
  node.name = "deconv";
  node.op = "ConvTranspose";
  node.inputs = {input, "w"};
  if (c.bias) {
    const int64_t outputs = c.weight[1] * c.group;
    std::vector<float> b;
    for (int64_t i = 0; i < outputs; ++i)
      b.push_back(0.25f * static_cast<float>(i + 1));
    g.add_constant("b", Tensor::from_vector<float>({outputs}, b));
    node.inputs.push_back("b");
  }
  node.outputs = {"y"};
  node.attrs.set("strides", c.strides);
  node.attrs.set("pads", c.pads);
  node.attrs.set("output_padding", c.output_padding);
  if (!c.dilations.empty()) node.attrs.set("dilations", c.dilations);
  node.attrs.set("group", c.group);
  g.add_value("y");
  g.outputs = {"y"};
  g.nodes.push_back(std::move(node));
  infer_shapes(g);
  return g;
}

}  // namespace nnport::deconv_test
