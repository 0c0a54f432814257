// MXNet writer, TF SAME average pools (divide by real cells) with one-sided pads: aligning them
// with a symmetric pad would take pad >= kernel, a leading window with no real cell (MXNet makes
// its value up, nnport's reader cannot run it, ONNX Runtime refuses such pads). The writer pads
// the zeros explicitly and multiplies by a constant divisor map instead. Hand-computed values.
#include <gtest/gtest.h>

#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"

namespace nnport {
namespace {

// x (1 x 1 x 1 x 7) = 1..7 -> AveragePool k (1, 2) s (1, 2) pads (0, 0, 0, 1), real cells:
// windows [0, 2) [2, 4) [4, 6) [6, 8) -> 1.5, 3.5, 5.5, 7 / 1.
TEST(MxnetPoolDivisorMap, OneSidedAveragePoolByHand) {
  Graph g;
  Value& x = g.add_value("input");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 1, 7});
  g.inputs = {"input"};
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{1, 2});
  a.set("strides", std::vector<int64_t>{1, 2});
  a.set("pads", std::vector<int64_t>{0, 0, 0, 1});
  a.set("divisor", std::string("valid"));
  g.nodes.push_back(Node{"avg", "AveragePool", {"input"}, {"y"}, a});
  g.add_value("y");
  g.outputs = {"y"};
  infer_shapes(g);

  mxnet_test::TempDir dir;
  const std::string path = dir.file("model-symbol.json");
  mxnet::write_model(g, path, WriteOptions{});
  const mxnet::Symbol symbol = mxnet::read_symbol_file(path);
  std::map<std::string, const mxnet::SymbolNode*> by_op;
  for (const mxnet::SymbolNode& n : symbol.nodes)
    by_op[n.op] = &n;
  ASSERT_TRUE(by_op.count("Pad") && by_op.count("Pooling") && by_op.count("broadcast_mul"));
  EXPECT_EQ(by_op["Pad"]->attrs.at("pad_width"), "(0, 0, 0, 0, 0, 0, 0, 1)");
  EXPECT_EQ(by_op["Pooling"]->attrs.at("pad"), "(0, 0)") << "pad 2 = kernel would be widened";
  EXPECT_EQ(by_op["Pooling"]->attrs.at("count_include_pad"), "False");
  EXPECT_EQ(by_op.count("slice"), 0u);

  Graph back = mxnet::read_model(path, ReadOptions{});
  infer_shapes(back);
  const Tensor in = Tensor::from_vector<float>({1, 1, 1, 7}, {1, 2, 3, 4, 5, 6, 7});
  const std::vector<float> want = {1.5f, 3.5f, 5.5f, 7.0f};
  EXPECT_EQ(mxnet_test::run_single(g, "input", in), want);
  // MXNet averages the last window over [6, 8) with the explicit zero: 3.5, times 2 / 1.
  EXPECT_EQ(mxnet_test::run_single(back, "input", in), want);
}

}  // namespace
}  // namespace nnport
