#include "demo_models.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ir/op_schema.h"
#include "passes/pass.h"

namespace nnport::cli {

namespace {

// Deterministic, varied weights without a random generator: scaled sines of the index.
Tensor demo_weights(std::vector<int64_t> dims, float scale, int salt) {
  Tensor t(DType::Float32, std::move(dims));
  auto values = t.mutable_values<float>();
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = scale * static_cast<float>(std::sin(0.7 * static_cast<double>(i) + salt));
  return t;
}

void add_conv(Graph& g, const std::string& name, const std::string& input, int64_t out_channels,
              int64_t in_channels, int64_t kernel, int64_t stride, int64_t group,
              std::vector<int64_t> pads, int salt) {
  const int64_t per_group = in_channels / group;
  g.add_constant(name + "_w",
                 demo_weights({out_channels, per_group, kernel, kernel},
                              1.0f / std::sqrt(float(per_group * kernel * kernel)), salt));
  g.add_constant(name + "_b", demo_weights({out_channels}, 0.1f, salt + 1));
  Node conv{name, "Conv", {input, name + "_w", name + "_b"}, {name + "_out"}, {}};
  conv.attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  conv.attrs.set("strides", std::vector<int64_t>{stride, stride});
  conv.attrs.set("pads", std::move(pads));
  conv.attrs.set("group", group);
  g.nodes.push_back(std::move(conv));
}

void add_node(Graph& g, const std::string& name, const std::string& op,
              std::vector<std::string> inputs, Attributes attrs = {}) {
  g.nodes.push_back({name, op, std::move(inputs), {name + "_out"}, std::move(attrs)});
}

std::string spatial_size(const Graph& graph, const std::string& value) {
  const Shape& shape = graph.value(value).shape;
  if (!shape.fully_known() || shape.sizes().size() != 4) return shape.to_string();
  return fmt::format("{}x{}", shape.sizes()[2], shape.sizes()[3]);
}

}  // namespace

// 1x3x32x32 -> conv 3x3/2 SAME -> ReLU6 -> depthwise 3x3/2 SAME -> ReLU6 -> conv 1x1 -> ReLU
// -> average pool 3x3/2 SAME (TF divisor: real cells only) -> global average -> dense -> softmax.
Graph build_demo_cnn() {
  Graph g;
  g.name = "nnport_demo_cnn";
  Value& image = g.add_value("image");
  image.dtype = DType::Float32;
  image.shape = Shape::from_sizes({1, 3, 32, 32});
  g.inputs = {"image"};
  g.add_constant("relu6_min", Tensor::scalar<float>(0.0f));
  g.add_constant("relu6_max", Tensor::scalar<float>(6.0f));

  // TF SAME at stride 2 on an even size: total pad 1 per axis, all of it at the end.
  const std::vector<int64_t> same_pads = {0, 0, 1, 1};
  add_conv(g, "conv1", "image", 8, 3, 3, 2, 1, same_pads, 1);
  add_node(g, "relu6_1", "Clip", {"conv1_out", "relu6_min", "relu6_max"});
  add_conv(g, "dwconv", "relu6_1_out", 8, 8, 3, 2, 8, same_pads, 3);
  add_node(g, "relu6_2", "Clip", {"dwconv_out", "relu6_min", "relu6_max"});
  add_conv(g, "pwconv", "relu6_2_out", 16, 8, 1, 1, 1, {0, 0, 0, 0}, 5);
  add_node(g, "relu3", "Relu", {"pwconv_out"});
  Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.set("strides", std::vector<int64_t>{2, 2});
  pool.set("pads", same_pads);
  pool.set("divisor", std::string("valid"));
  add_node(g, "avgpool", "AveragePool", {"relu3_out"}, pool);
  add_node(g, "gap", "GlobalAveragePool", {"avgpool_out"});
  Attributes flatten;
  flatten.set("axis", int64_t{1});
  add_node(g, "flatten", "Flatten", {"gap_out"}, flatten);
  g.add_constant("fc_w", demo_weights({10, 16}, 0.25f, 7));
  g.add_constant("fc_b", demo_weights({10}, 0.1f, 8));
  Attributes gemm;
  gemm.set("transB", int64_t{1});
  add_node(g, "fc", "Gemm", {"flatten_out", "fc_w", "fc_b"}, gemm);
  add_node(g, "softmax", "Softmax", {"fc_out"});
  g.outputs = {"softmax_out"};
  run_passes(g, standard_passes(), {});
  return g;
}

int make_pads_symmetric(Graph& graph) {
  int changed = 0;
  for (Node& node : graph.nodes) {
    if (node.op != "Conv" && node.op != "MaxPool" && node.op != "AveragePool") continue;
    std::vector<int64_t> pads = node.attrs.get_ints("pads");
    const size_t axes = pads.size() / 2;
    bool asymmetric = false;
    for (size_t i = 0; i < axes; ++i) {
      if (pads[i] == pads[axes + i]) continue;
      asymmetric = true;
      const int64_t half = (pads[i] + pads[axes + i] + 1) / 2;
      pads[i] = pads[axes + i] = half;
    }
    if (!asymmetric) continue;
    node.attrs.set("pads", pads);
    ++changed;
  }
  infer_shapes(graph);
  return changed;
}

const Node* first_conv(const Graph& graph) {
  for (const Node& node : graph.nodes)
    if (node.op == "Conv") return &node;
  return nullptr;
}

std::string first_conv_output(const Graph& graph) {
  const Node* conv = first_conv(graph);
  if (!conv) return "-";
  const auto uses = graph.use_counts();
  auto used = [&](const std::string& value) {
    auto it = uses.find(value);
    return it != uses.end() && it->second > 0;
  };
  const std::string raw = conv->outputs[0];
  std::string value = raw;
  // Follow the crop: Slice or Split nodes (Caffe's Slice layer, one top kept) reading the value.
  for (bool followed = true; followed;) {
    followed = false;
    std::vector<const Node*> readers;
    for (const Node& node : graph.nodes)
      if (std::find(node.inputs.begin(), node.inputs.end(), value) != node.inputs.end())
        readers.push_back(&node);
    if (readers.size() != 1 || (readers[0]->op != "Slice" && readers[0]->op != "Split")) break;
    std::vector<std::string> kept;
    for (const std::string& out : readers[0]->outputs)
      if (used(out) ||
          std::find(graph.outputs.begin(), graph.outputs.end(), out) != graph.outputs.end())
        kept.push_back(out);
    if (kept.size() == 1) {
      value = kept[0];
      followed = true;
    }
  }
  if (value == raw) return spatial_size(graph, raw);
  return fmt::format("{} cropped to {}", spatial_size(graph, raw), spatial_size(graph, value));
}

}  // namespace nnport::cli
