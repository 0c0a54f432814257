#include <gtest/gtest.h>

#include "ir/text_dump.h"

namespace nnport {
namespace {

Graph tiny_conv_graph() {
  Graph g;
  g.name = "tiny";
  g.metadata["source_format"] = "onnx";
  Value& in = g.add_value("input");
  in.dtype = DType::Float32;
  in.shape = Shape({Dim::named("N"), 3, 224, 224});
  g.inputs = {"input"};
  g.add_constant("w", Tensor(DType::Float32, {32, 3, 3, 3}));
  g.add_constant("b", Tensor::from_vector<float>({2}, {0.5f, -1}));
  g.add_constant("shape", Tensor::from_vector<int64_t>({2}, {1, -1}));
  Node conv{"conv1", "Conv", {"input", "w", "b"}, {"conv1_out"}, {}};
  conv.attrs.set("group", int64_t{1});
  conv.attrs.set("pads", std::vector<int64_t>{0, 0, 1, 1});
  conv.attrs.set("strides", std::vector<int64_t>{2, 2});
  g.nodes.push_back(conv);
  Value& c = g.add_value("conv1_out");
  c.dtype = DType::Float32;
  c.shape = Shape({Dim::named("N"), 32, 112, 112});
  g.nodes.push_back({"flat", "Reshape", {"conv1_out", "shape"}, {"flat"}, {}});
  g.nodes.push_back({"Clip_2", "Clip", {"flat", "", ""}, {"out"}, {}});
  Value& o = g.add_value("out");
  o.dtype = DType::Int64;
  o.shape = Shape({Dim::named("N"), Dim()});
  g.outputs = {"out"};
  return g;
}

TEST(TextDump, OneLinePerNodeWithSummaries) {
  const std::string expected =
      "graph tiny\n"
      "  # source_format: onnx\n"
      "inputs:\n"
      "  %input: float32 Nx3x224x224\n"
      "outputs:\n"
      "  %out: int64 Nx?\n"
      "constants: 3 (868 parameters)\n"
      "  %b: float32 2 = [0.5, -1]\n"
      "  %shape: int64 2 = [1, -1]\n"
      "  %w: float32 32x3x3x3\n"
      "nodes: 3\n"
      "  %conv1_out = Conv(%input, %w, %b) {group=1, pads=[0,0,1,1], strides=[2,2]}  # "
      "Nx32x112x112  [conv1]\n"
      "  %flat = Reshape(%conv1_out, %shape)  # ?\n"
      "  %out = Clip(%flat, _, _)  # int64 Nx?  [Clip_2]\n";
  const std::string dump = dump_graph(tiny_conv_graph());
  EXPECT_EQ(dump, expected) << dump;
}

TEST(TextDump, IsDeterministic) {
  EXPECT_EQ(dump_graph(tiny_conv_graph()), dump_graph(tiny_conv_graph()));
}

}  // namespace
}  // namespace nnport
