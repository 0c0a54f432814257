// A SAME convolution after a TF resize: the reader builds the resize's N,C,H,W sizes from a
// Shape -> Slice -> Concat sub-graph, so the convolution's input size is known only after
// constant folding. Its auto_pad must still end up as explicit pads (writers without an auto_pad
// notion, Caffe and MXNet, refused blazepose-full/heavy/lite for it).
#include <gtest/gtest.h>

#include "tf_test_util.h"

namespace nnport::tf::testing {
namespace {

const Node* find_conv(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.op == "Conv") return &n;
  return nullptr;
}

// x = [[1, 2], [3, 4]] resized by nearest neighbour (asymmetric, floor) to 4x4 repeats each
// value in a 2x2 block; a 3x3 ones kernel, stride 2, SAME on 4x4 pads 0 before and 1 after:
//   out[0][0] = (1+1+2)*2 + (3+3+4) = 18   out[0][1] = (2+2)*2 + (4+4) = 16
//   out[1][0] = (3+3+4)*2           = 20   out[1][1] = (4+4)*2         = 16
TEST(TfResizeSamePad, SameConvAfterResizeGetsExplicitPads) {
  GraphBuilder b;
  b.placeholder("x", {1, 2, 2, 1});
  b.const_int("size", {2}, {4, 4});
  b.node("up", "ResizeNearestNeighbor", {"x", "size"});
  b.const_float("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  NodeDef& conv = b.node("y", "Conv2D", {"up", "w"});
  GraphBuilder::set_ints(conv, "strides", {1, 2, 2, 1});
  GraphBuilder::set_string(conv, "padding", "SAME");
  Graph g = convert(b.graph);
  const Node* node = find_conv(g);
  ASSERT_NE(node, nullptr);
  EXPECT_FALSE(node->attrs.has("auto_pad"));
  ASSERT_TRUE(node->attrs.has("pads"));
  EXPECT_EQ(node->attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(run_single(g, "x", {1, 2, 2, 1}, {1, 2, 3, 4}), (std::vector<float>{18, 16, 20, 16}));
}

// With an unknown spatial input size the pads stay symbolic (resolved by the executor per run).
TEST(TfResizeSamePad, UnknownInputSizeKeepsAutoPad) {
  GraphBuilder b;
  b.placeholder("x", {1, -1, -1, 1});
  b.const_float("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  NodeDef& conv = b.node("y", "Conv2D", {"x", "w"});
  GraphBuilder::set_ints(conv, "strides", {1, 2, 2, 1});
  GraphBuilder::set_string(conv, "padding", "SAME");
  Graph g = convert(b.graph);
  const Node* node = find_conv(g);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->attrs.get_string("auto_pad", ""), "SAME_UPPER");
}

}  // namespace
}  // namespace nnport::tf::testing
