// Caffe drops a pooling's last window when any axis is padded; OpenCV's Caffe importer only on
// an axis that is itself padded. Found by the TF op sweep (MaxPool EXPLICIT, kernel 2 stride 3,
// 9x15 with pads only on W: Caffe gives 3 rows, OpenCV 4). The writer must only emit pools on
// which both agree.
#include <gtest/gtest.h>

#include "formats/caffe/caffe_writer.h"
#include "ir/error.h"
#include "ir/op_schema.h"

namespace nnport {
namespace {

Graph max_pool_graph(const std::vector<int64_t>& input, const std::vector<int64_t>& kernel,
                     const std::vector<int64_t>& strides, const std::vector<int64_t>& pads) {
  Graph g;
  g.name = "test";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(input);
  g.inputs = {"x"};
  Node pool;
  pool.name = "pool";
  pool.op = "MaxPool";
  pool.inputs = {"x"};
  pool.outputs = {"y"};
  pool.attrs.set("kernel_shape", kernel);
  pool.attrs.set("strides", strides);
  pool.attrs.set("pads", pads);
  pool.attrs.set("rounding", std::string("floor"));
  g.add_value("y");
  g.outputs = {"y"};
  g.nodes.push_back(std::move(pool));
  infer_shapes(g);
  return g;
}

TEST(CaffePoolTailRule, UnpaddedAxisWhereCaffeAndOpenCvDisagreeIsRefused) {
  // H: in 9, k 2, s 3, no pad: ceil((9-2)/3)+1 = 4 windows, the 4th starts at 9 = in + 0, so
  // Caffe (W is padded) drops it and OpenCV (H is not) keeps it. A symmetric H pad would have
  // to be a multiple of the stride 3, not below the kernel 2.
  const Graph g = max_pool_graph({1, 3, 9, 15}, {2, 2}, {3, 3}, {0, 1, 0, 0});
  try {
    build_caffe_net(g, WriteOptions{});
    FAIL() << "no error for MaxPool k 2 s 3 on 9x15, pads W (1, 0)";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    const std::string what = e.what();
    EXPECT_NE(what.find("node 'pool' (MaxPool)"), std::string::npos) << what;
    EXPECT_NE(what.find("OpenCV"), std::string::npos) << what;
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
