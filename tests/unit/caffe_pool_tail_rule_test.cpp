// Caffe drops a pooling's last window when any axis is padded; OpenCV's Caffe importer only on
// an axis that is itself padded. Found by the TF op sweep (MaxPool EXPLICIT, kernel 2 stride 3,
// 9x15 with pads only on W: Caffe gives 3 rows, OpenCV 4). The writer must only emit pools on
// which both agree: where no pad avoids the disputed window, the pool becomes a pool over H and
// one over W, neither with a padded axis beside the unpadded window axis.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/caffe/caffe_writer.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

Graph pool_graph(const std::string& op, const std::vector<int64_t>& input,
                 const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                 const std::vector<int64_t>& pads) {
  Graph g;
  g.name = "test";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(input);
  g.inputs = {"x"};
  Node pool;
  pool.name = "pool";
  pool.op = op;
  pool.inputs = {"x"};
  pool.outputs = {"y"};
  pool.attrs.set("kernel_shape", kernel);
  pool.attrs.set("strides", strides);
  pool.attrs.set("pads", pads);
  pool.attrs.set("rounding", std::string("floor"));
  if (op == "AveragePool") pool.attrs.set("divisor", std::string("valid"));
  g.add_value("y");
  g.outputs = {"y"};
  g.nodes.push_back(std::move(pool));
  infer_shapes(g);
  return g;
}

Graph max_pool_graph(const std::vector<int64_t>& input, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& strides, const std::vector<int64_t>& pads) {
  return pool_graph("MaxPool", input, kernel, strides, pads);
}

// x[h][w] = 15 h + w on one 9 x 15 channel.
Tensor row_major_ramp() {
  Tensor t(DType::Float32, {1, 1, 9, 15});
  auto v = t.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i);
  return t;
}

std::vector<std::string> layer_types(const CaffeNet& net) {
  std::vector<std::string> types;
  for (const auto& layer : net.net.layer())
    types.push_back(layer.type());
  return types;
}

// H: in 9, k 2, s 3, no pad: ceil((9-2)/3)+1 = 4 windows, the 4th starts at 9 = in + 0, so
// Caffe (W is padded) drops it and OpenCV (H is not) keeps it. A symmetric H pad would have to
// be a multiple of the stride 3, not below the kernel 2. TF's 3 windows read rows 0-7 only: with
// row 8 sliced off, ceil((8-2)/3)+1 = 3 in both runtimes.
TEST(CaffePoolTailRule, DisputedMaxPoolReadsTheInputTrimmedToItsWindows) {
  const Graph g = max_pool_graph({1, 1, 9, 15}, {2, 2}, {3, 3}, {0, 1, 0, 0});
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  // Slice + Silence trim the input rows; W: ceil((15+2-2)/3)+1 = 6 columns (the last starts at
  // 15 < 16), cropped to TF's 5.
  EXPECT_EQ(layer_types(net),
            (std::vector<std::string>{"Input", "Slice", "Silence", "Pooling", "Slice", "Silence"}));
  ASSERT_EQ(net.net.layer_size(), 6);
  EXPECT_EQ(net.net.layer(1).slice_param().axis(), 2);
  ASSERT_EQ(net.net.layer(1).slice_param().slice_point_size(), 1);
  EXPECT_EQ(net.net.layer(1).slice_param().slice_point(0), 8u);
  const auto& pool = net.net.layer(3).pooling_param();
  EXPECT_EQ(pool.kernel_size(), 2u);
  EXPECT_EQ(pool.stride(), 3u);
  EXPECT_EQ(pool.pad_h(), 0u);
  EXPECT_EQ(pool.pad_w(), 1u);
  // Rows {3i, 3i+1}, columns {3j-1, 3j} clipped to the input: the maximum is 15 (3i+1) + 3j.
  TensorMap feeds;
  feeds["x"] = row_major_ramp();
  const Tensor y = run_graph(net.graph, feeds).at("y");
  ASSERT_EQ(y.dims(), (std::vector<int64_t>{1, 1, 3, 5}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_EQ(y.values<float>()[i * 5 + j], 15.0f * (3 * i + 1) + 3 * j) << i << "," << j;
}

TEST(CaffePoolTailRule, DisputedAveragePoolKeepsTheValidDivisor) {
  const Graph g = pool_graph("AveragePool", {1, 1, 9, 15}, {2, 2}, {3, 3}, {0, 1, 0, 0});
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  EXPECT_EQ(layer_types(net), (std::vector<std::string>{"Input", "Slice", "Silence", "Pooling",
                                                        "Slice", "Silence", "Scale"}));
  // Rows {3i, 3i+1} average to 15 (3i + 0.5); columns {3j-1, 3j} clipped: 0 for j = 0 (one real
  // cell; Caffe divides by 2 counting the pad, corrected by x2), 3j - 0.5 after.
  TensorMap feeds;
  feeds["x"] = row_major_ramp();
  const Tensor y = run_graph(net.graph, feeds).at("y");
  ASSERT_EQ(y.dims(), (std::vector<int64_t>{1, 1, 3, 5}));
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 5; ++j) {
      const float want = 15.0f * (3 * i + 0.5f) + (j == 0 ? 0.0f : 3 * j - 0.5f);
      EXPECT_FLOAT_EQ(y.values<float>()[i * 5 + j], want) << i << "," << j;
    }
}

TEST(CaffePoolTailRule, UnpaddedAxisWhereTheRuleIsMootIsWritten) {
  // H: in 10, k 2, s 3: windows start at 0, 3, 6, 9 (< 10): no runtime drops one.
  const Graph g = max_pool_graph({1, 3, 10, 14}, {2, 2}, {3, 3}, {0, 1, 0, 0});
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  ASSERT_GE(net.net.layer_size(), 2);
  EXPECT_EQ(net.net.layer(1).type(), "Pooling");
}

}  // namespace
}  // namespace nnport
