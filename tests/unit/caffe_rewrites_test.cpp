// Caffe writer rewrites for ops Caffe has no layer for: bilinear upsampling as a replicate-padded
// grouped Deconvolution, reductions as fixed-weight InnerProduct / 1x1 Convolution, Permute
// (caffe-ssd) for Transpose, DepthToSpace and SpaceToDepth. Each is written, read back by the
// Caffe reader and run; the values are computed by hand, so a wrong tap, edge or axis order
// cannot hide behind a model-level tolerance.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "formats/caffe/caffe_export.h"
#include "formats/caffe/caffe_reader.h"
#include "formats/caffe/caffe_writer.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

Graph one_node(const std::string& name, const std::vector<int64_t>& input_dims, Node node,
               std::map<std::string, Tensor> constants = {}) {
  Graph g;
  g.name = name;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(input_dims);
  g.inputs = {"x"};
  for (auto& [n, t] : constants)
    g.add_constant(n, t);
  if (node.name.empty()) node.name = "node";
  if (node.inputs.empty()) node.inputs = {"x"};
  node.outputs = {"y"};
  g.add_value("y");
  g.outputs = {"y"};
  g.nodes.push_back(std::move(node));
  infer_shapes(g);
  return g;
}

std::vector<std::string> layer_types(const CaffeNet& net) {
  std::vector<std::string> types;
  for (const auto& l : net.net.layer())
    types.push_back(l.type());
  return types;
}

WriteOptions dialect(const std::string& name) {
  WriteOptions o;
  o.caffe_dialect = name;
  return o;
}

// Writes g as Caffe, reads it back and runs it on `x`; returns the output and its dims.
Tensor through_caffe(const Graph& g, const Tensor& x, const WriteOptions& options) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nnport_caffe_rewrites_" + std::to_string(::getpid()) + "_" + g.name);
  std::filesystem::create_directories(dir);
  const std::string prototxt = (dir / "net.prototxt").string();
  write_caffe(g, prototxt, options);
  const Graph back = read_caffe_files(prototxt, (dir / "net.caffemodel").string(), {});
  std::filesystem::remove_all(dir);
  TensorMap feeds;
  feeds["x"] = x;
  return run_graph(back, feeds).at(back.outputs[0]);
}

void expect_values(const Tensor& got, const std::vector<int64_t>& dims,
                   const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.dims(), dims) << what;
  const auto v = got.values<float>();
  ASSERT_EQ(v.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(v[i], want[i], 1e-6f * std::max(1.0f, std::fabs(want[i])))
        << what << ": element " << i;
}

std::string refusal(const Graph& g, const WriteOptions& options) {
  try {
    build_caffe_net(g, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no refusal";
  return "";
}

// --- bilinear upsampling -------------------------------------------------------------------

// Taps by hand from the source coordinate of each output phase r (factor s, d = offset from
// input k): half_pixel s=2: d = -1/4, +1/4; asymmetric s=2: d = 0, 1/2; half_pixel s=3:
// d = -1/3, 0, +1/3.
TEST(CaffeBilinearTaps, MatchTheSourceCoordinateOfEachPhase) {
  struct Case {
    int64_t factor;
    bool half_pixel;
    std::vector<float> weights;
    int64_t pad;
  };
  const std::vector<Case> cases = {
      {2, true, {0.25f, 0.75f, 0.75f, 0.25f}, 3},
      {2, false, {0.5f, 1.0f, 0.5f, 0.0f}, 3},
      {3, true, {1 / 3.0f, 2 / 3.0f, 1.0f, 2 / 3.0f, 1 / 3.0f}, 4},
  };
  for (const Case& c : cases) {
    const auto taps = caffe_export::bilinear_upsample_taps(c.factor, c.half_pixel);
    EXPECT_EQ(taps.pad, c.pad) << "factor " << c.factor << " half_pixel " << c.half_pixel;
    ASSERT_EQ(taps.weights.size(), c.weights.size()) << "factor " << c.factor;
    for (size_t i = 0; i < c.weights.size(); ++i)
      EXPECT_FLOAT_EQ(taps.weights[i], c.weights[i])
          << "factor " << c.factor << " half_pixel " << c.half_pixel << " tap " << i;
  }
}

Graph resize_graph(const std::string& name, const std::vector<int64_t>& in, int64_t factor,
                   const std::string& transform) {
  Node n;
  n.name = "upsample";
  n.op = "Resize";
  n.inputs = {"x", "", "scales"};
  n.attrs.set("mode", std::string("linear"));
  n.attrs.set("coordinate_transformation_mode", transform);
  const auto f = static_cast<float>(factor);
  return one_node(name, in, n, {{"scales", Tensor::from_vector<float>({4}, {1.0f, 1.0f, f, f})}});
}

// [[1, 2], [3, 4]] doubled. half_pixel (TF half_pixel_centers): along an axis [a, b] becomes
// [a, a + (b-a)/4, a + 3(b-a)/4, b]: the borders are the edge values themselves.
TEST(CaffeBilinearResize, HalfPixelBordersAreExact) {
  const Graph g = resize_graph("bilinear_half_pixel", {1, 1, 2, 2}, 2, "half_pixel");
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  EXPECT_EQ(layer_types(net), (std::vector<std::string>{"Input", "Slice", "Concat", "Slice",
                                                        "Concat", "Deconvolution"}));
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_values(through_caffe(g, x, WriteOptions{}), {1, 1, 4, 4},
                {1.0f, 1.25f, 1.75f, 2.0f,  //
                 1.5f, 1.75f, 2.25f, 2.5f,  //
                 2.5f, 2.75f, 3.25f, 3.5f,  //
                 3.0f, 3.25f, 3.75f, 4.0f},
                "half_pixel");
  // The reference executor agrees with the same hand values.
  TensorMap feeds;
  feeds["x"] = x;
  expect_values(run_graph(g, feeds).at("y"), {1, 1, 4, 4},
                {1.0f, 1.25f, 1.75f, 2.0f, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3.0f,
                 3.25f, 3.75f, 4.0f},
                "executor");
}

// Asymmetric (TF's legacy rule, j / 2): [a, b] -> [a, (a+b)/2, b, b]; the last one clamps.
TEST(CaffeBilinearResize, AsymmetricRepeatsTheLastRowAndColumn) {
  const Graph g = resize_graph("bilinear_asymmetric", {1, 1, 2, 2}, 2, "asymmetric");
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  expect_values(through_caffe(g, x, WriteOptions{}), {1, 1, 4, 4},
                {1.0f, 1.5f, 2.0f, 2.0f,  //
                 2.0f, 2.5f, 3.0f, 3.0f,  //
                 3.0f, 3.5f, 4.0f, 4.0f,  //
                 3.0f, 3.5f, 4.0f, 4.0f},
                "asymmetric");
}

// One row (nothing to slice: the row is its own edge) and three columns (the middle one is
// sliced off and discarded), two channels (one group each).
TEST(CaffeBilinearResize, SingleRowAndMiddleColumnsPerChannel) {
  const Graph g = resize_graph("bilinear_thin", {1, 2, 1, 3}, 2, "half_pixel");
  const Tensor x = Tensor::from_vector<float>({1, 2, 1, 3}, {0, 4, 8, 8, 4, 0});
  const std::vector<float> row0 = {0, 1, 3, 5, 7, 8}, row1 = {8, 7, 5, 3, 1, 0};
  std::vector<float> want;
  for (const auto* row : {&row0, &row0, &row1, &row1})
    want.insert(want.end(), row->begin(), row->end());
  expect_values(through_caffe(g, x, WriteOptions{}), {1, 2, 2, 6}, want, "thin");
}

// Halving (nanodet's FPN): half_pixel reads source 2j + 0.5, the mean of inputs 2j and 2j+1 on
// each axis (a 2x2 mean); asymmetric reads 2j. x = 0..15 in 4x4.
TEST(CaffeBilinearResize, HalvingIsAStridedDepthwiseConvolution) {
  Tensor x(DType::Float32, {1, 1, 4, 4});
  auto v = x.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i);
  Node n;
  n.name = "halve";
  n.op = "Resize";
  n.inputs = {"x", "", "scales"};
  n.attrs.set("mode", std::string("linear"));
  n.attrs.set("coordinate_transformation_mode", std::string("half_pixel"));
  const Graph half =
      one_node("halve_half_pixel", {1, 1, 4, 4}, n,
               {{"scales", Tensor::from_vector<float>({4}, {1.0f, 1.0f, 0.5f, 0.5f})}});
  EXPECT_EQ(layer_types(build_caffe_net(half, WriteOptions{})),
            (std::vector<std::string>{"Input", "Convolution"}));
  expect_values(through_caffe(half, x, WriteOptions{}), {1, 1, 2, 2}, {2.5f, 4.5f, 10.5f, 12.5f},
                "half_pixel");
  n.attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  const Graph asym =
      one_node("halve_asymmetric", {1, 1, 4, 4}, n,
               {{"scales", Tensor::from_vector<float>({4}, {1.0f, 1.0f, 0.5f, 0.5f})}});
  expect_values(through_caffe(asym, x, WriteOptions{}), {1, 1, 2, 2}, {0, 2, 8, 10}, "asymmetric");
}

TEST(CaffeBilinearResize, AlignCornersIsRefusedNamingTheNode) {
  const Graph g = resize_graph("bilinear_align", {1, 1, 2, 2}, 2, "align_corners");
  const std::string e = refusal(g, WriteOptions{});
  EXPECT_NE(e.find("node 'upsample' (Resize)"), std::string::npos) << e;
  EXPECT_NE(e.find("align_corners"), std::string::npos) << e;
}

// --- reductions ----------------------------------------------------------------------------

Graph reduce_graph(const std::string& name, const std::string& op, const std::vector<int64_t>& in,
                   const std::vector<int64_t>& axes, int64_t keepdims) {
  Node n;
  n.name = "reduce";
  n.op = op;
  n.inputs = {"x", "axes"};
  n.attrs.set("keepdims", keepdims);
  return one_node(
      name, in, n,
      {{"axes", Tensor::from_vector<int64_t>({static_cast<int64_t>(axes.size())}, axes)}});
}

// x = [[[1, 2]], [[3, 4]], [[5, 6]]] (1x3x1x2).
const std::vector<float> kChannels = {1, 2, 3, 4, 5, 6};

TEST(CaffeReduction, ChannelSumIsAOneByOneConvolutionOfOnes) {
  const Graph g = reduce_graph("reduce_channels", "ReduceSum", {1, 3, 1, 2}, {1}, 1);
  EXPECT_EQ(layer_types(build_caffe_net(g, WriteOptions{})),
            (std::vector<std::string>{"Input", "Convolution"}));
  expect_values(
      through_caffe(g, Tensor::from_vector<float>({1, 3, 1, 2}, kChannels), WriteOptions{}),
      {1, 1, 1, 2}, {9, 12}, "sum over C");
}

TEST(CaffeReduction, TrailingAxesAreAnInnerProductFromTheFirstReducedAxis) {
  const Graph g = reduce_graph("reduce_trailing", "ReduceSum", {1, 3, 1, 2}, {2, 3}, 0);
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  EXPECT_EQ(layer_types(net), (std::vector<std::string>{"Input", "InnerProduct", "Reshape"}));
  EXPECT_EQ(net.net.layer(1).inner_product_param().axis(), 2);
  expect_values(
      through_caffe(g, Tensor::from_vector<float>({1, 3, 1, 2}, kChannels), WriteOptions{}), {1, 3},
      {3, 7, 11}, "sum over H, W");
}

// The L2 norm's pieces as mobilefacenet has them: sum of squares over the last axis of [1, 3].
TEST(CaffeReduction, SumOfSquaresMeanAndAbsoluteSum) {
  const Tensor x = Tensor::from_vector<float>({1, 3}, {1, -2, 4});
  expect_values(
      through_caffe(reduce_graph("sumsq", "ReduceSumSquare", {1, 3}, {1}, 1), x, WriteOptions{}),
      {1, 1}, {21}, "sum of squares");
  expect_values(through_caffe(reduce_graph("l1", "ReduceL1", {1, 3}, {-1}, 0), x, WriteOptions{}),
                {1}, {7}, "sum of |x|");
  // A mean over 2 elements is the weighted sum with weights 1/2 (exact); over 3, 1/3 is not
  // exact and the mean is refused naming the node.
  expect_values(through_caffe(reduce_graph("mean_w", "ReduceMean", {1, 3, 1, 2}, {3}, 1),
                              Tensor::from_vector<float>({1, 3, 1, 2}, kChannels), WriteOptions{}),
                {1, 3, 1, 1}, {1.5f, 3.5f, 5.5f}, "mean over W");
  const std::string e =
      refusal(reduce_graph("mean_c", "ReduceMean", {1, 3, 1, 2}, {1}, 1), WriteOptions{});
  EXPECT_NE(e.find("node 'reduce' (ReduceMean)"), std::string::npos) << e;
}

// Axes 0 and 2 of a 1x3x1x2 blob: kept axes (1, 3) are moved first by a Permute in caffe-ssd;
// caffe-1.0 cannot permute and says so naming the node.
TEST(CaffeReduction, NonTrailingAxesNeedCaffeSsd) {
  const Graph g = reduce_graph("reduce_inner", "ReduceSum", {2, 3, 1, 1}, {0, 2}, 0);
  const std::string e = refusal(g, WriteOptions{});
  EXPECT_NE(e.find("node 'reduce' (ReduceSum)"), std::string::npos) << e;
  EXPECT_NE(e.find("caffe-ssd"), std::string::npos) << e;
  expect_values(
      through_caffe(g, Tensor::from_vector<float>({2, 3, 1, 1}, kChannels), dialect("caffe-ssd")),
      {3, 1}, {5, 7, 9}, "sum over N, H");
}

// --- Permute (caffe-ssd) ---------------------------------------------------------------------

TEST(CaffePermute, TransposeIsAPermuteInCaffeSsdOnly) {
  Node t;
  t.name = "to_nhwc";
  t.op = "Transpose";
  t.attrs.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  const Graph g = one_node("permute", {1, 2, 1, 2}, t);
  const std::string e = refusal(g, WriteOptions{});
  EXPECT_NE(e.find("node 'to_nhwc' (Transpose)"), std::string::npos) << e;
  const CaffeNet net = build_caffe_net(g, dialect("caffe-ssd"));
  ASSERT_EQ(layer_types(net), (std::vector<std::string>{"Input", "Permute"}));
  const auto& order = net.net.layer(1).permute_param().order();
  EXPECT_EQ(std::vector<uint32_t>(order.begin(), order.end()), (std::vector<uint32_t>{0, 2, 3, 1}));
  // x[0, c, 0, w] = 2c + w; y[0, 0, w, c] = x[0, c, 0, w].
  expect_values(through_caffe(g, Tensor::from_vector<float>({1, 2, 1, 2}, {0, 1, 2, 3}),
                              dialect("caffe-ssd")),
                {1, 1, 2, 2}, {0, 2, 1, 3}, "NCHW -> NHWC");
}

Graph depth_to_space(const std::string& name, const std::string& mode) {
  Node n;
  n.name = "d2s";
  n.op = "DepthToSpace";
  n.attrs.set("blocksize", int64_t{2});
  n.attrs.set("mode", mode);
  return one_node(name, {1, 8, 1, 1}, n);
}

// 8 channels 0..7, block 2: DCR takes channel (2i + j) * 2 + c, CRD takes 4c + 2i + j.
TEST(CaffePermute, DepthToSpaceBothModes) {
  Tensor x(DType::Float32, {1, 8, 1, 1});
  auto v = x.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i);
  const Graph dcr = depth_to_space("d2s_dcr", "DCR");
  EXPECT_EQ(layer_types(build_caffe_net(dcr, dialect("caffe-ssd"))),
            (std::vector<std::string>{"Input", "Reshape", "Permute", "Reshape"}));
  EXPECT_NE(refusal(dcr, WriteOptions{}).find("node 'd2s' (DepthToSpace)"), std::string::npos);
  expect_values(through_caffe(dcr, x, dialect("caffe-ssd")), {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7},
                "DCR");
  expect_values(through_caffe(depth_to_space("d2s_crd", "CRD"), x, dialect("caffe-ssd")),
                {1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}, "CRD");
}

// [[0, 1], [2, 3]] in 2x2 tiles -> channels (2i + j): 0, 1, 2, 3.
TEST(CaffePermute, SpaceToDepth) {
  Node n;
  n.name = "s2d";
  n.op = "SpaceToDepth";
  n.attrs.set("blocksize", int64_t{2});
  const Graph g = one_node("s2d", {1, 1, 2, 4}, n);
  expect_values(through_caffe(g, Tensor::from_vector<float>({1, 1, 2, 4}, {0, 1, 4, 5, 2, 3, 6, 7}),
                              dialect("caffe-ssd")),
                {1, 4, 1, 2}, {0, 4, 1, 5, 2, 6, 3, 7}, "SpaceToDepth");
}

// --- spatial zero pad ---------------------------------------------------------------------

// [[1, 2], [3, 4]] padded left 1 and bottom 1 (uneven): a depthwise 1x1 Convolution padding 1
// everywhere, then Slices drop the top row and the right column.
TEST(CaffeSpatialPad, UnevenZeroPadIsAPaddedIdentityConvolutionAndSlices) {
  Node pad;
  pad.name = "zero_pad";
  pad.op = "Pad";
  pad.inputs = {"x", "pads"};
  pad.attrs.set("mode", std::string("constant"));
  const Graph g = one_node("spatial_pad", {1, 1, 2, 2}, pad,
                           {{"pads", Tensor::from_vector<int64_t>({8}, {0, 0, 0, 1, 0, 0, 1, 0})}});
  EXPECT_EQ(
      layer_types(build_caffe_net(g, WriteOptions{})),
      (std::vector<std::string>{"Input", "Convolution", "Slice", "Silence", "Slice", "Silence"}));
  expect_values(
      through_caffe(g, Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4}), WriteOptions{}),
      {1, 1, 3, 3}, {0, 1, 2, 0, 3, 4, 0, 0, 0}, "pad left 1, bottom 1");
}

// PadV2 with -inf then a 2x2 / 2 MaxPool (nanodet): the pad becomes the pooling's own pad of 1,
// so each output is the one real element its window sees, negative values included.
TEST(CaffeSpatialPad, MinusInfinityPadBeforeMaxPoolBecomesThePoolingPad) {
  Graph g;
  g.name = "pad_maxpool";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 2, 2});
  g.inputs = {"x"};
  g.add_constant("pads", Tensor::from_vector<int64_t>({8}, {0, 0, 1, 1, 0, 0, 1, 1}));
  g.add_constant("low", Tensor::scalar<float>(-INFINITY));
  Node pad{"pad", "Pad", {"x", "pads", "low"}, {"padded"}, {}};
  pad.attrs.set("mode", std::string("constant"));
  Node pool{"pool", "MaxPool", {"padded"}, {"y"}, {}};
  pool.attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.attrs.set("strides", std::vector<int64_t>{2, 2});
  pool.attrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  for (Node* n : {&pad, &pool}) {
    g.add_value(n->outputs[0]);
    g.nodes.push_back(*n);
  }
  g.outputs = {"y"};
  infer_shapes(g);
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  ASSERT_EQ(layer_types(net), (std::vector<std::string>{"Input", "Pooling"}));
  const auto& pooling = net.net.layer(1).pooling_param();
  EXPECT_EQ(pooling.has_pad_h() ? pooling.pad_h() : pooling.pad(), 1u);
  expect_values(
      through_caffe(g, Tensor::from_vector<float>({1, 1, 2, 2}, {-1, -2, -3, -4}), WriteOptions{}),
      {1, 1, 2, 2}, {-1, -2, -3, -4}, "pad -inf + max pool");
}

// --- small unary ops -----------------------------------------------------------------------

TEST(CaffeUnary, SqrtAndReciprocalArePowersAndFloatCastIsNothing) {
  const Tensor x = Tensor::from_vector<float>({1, 3}, {4, 0.25f, 16});
  Node sqrt_node;
  sqrt_node.op = "Sqrt";
  expect_values(through_caffe(one_node("sqrt", {1, 3}, sqrt_node), x, WriteOptions{}), {1, 3},
                {2, 0.5f, 4}, "Sqrt");
  Node reciprocal;
  reciprocal.op = "Reciprocal";
  expect_values(through_caffe(one_node("reciprocal", {1, 3}, reciprocal), x, WriteOptions{}),
                {1, 3}, {0.25f, 4, 0.0625f}, "Reciprocal");
  Node cast;
  cast.op = "Cast";
  cast.attrs.set("to", std::string("float32"));
  Node relu{"relu", "Relu", {"y0"}, {"y"}, {}};
  Graph g = one_node("cast", {1, 3}, cast);
  g.nodes[0].outputs = {"y0"};
  g.add_value("y0");
  g.nodes.push_back(relu);
  infer_shapes(g);
  EXPECT_EQ(layer_types(build_caffe_net(g, WriteOptions{})),
            (std::vector<std::string>{"Input", "ReLU"}));
}

// --- rank < 2 elementwise (OpenCV 4.6's Eltwise needs two axes) ----------------------------

// y = (v * v + v) * v with v = x viewed with `dims` (rank 1 or 0; a rank-0 graph input has no
// Caffe Input shape, so x has one element and is reshaped to rank 0 first).
Graph low_rank_chain(const std::string& name, const std::vector<int64_t>& dims) {
  Graph g;
  g.name = name;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(dims.empty() ? std::vector<int64_t>{1} : dims);
  g.inputs = {"x"};
  auto add_node = [&g](const std::string& op, std::vector<std::string> in, const std::string& out) {
    Node n;
    n.name = out;
    n.op = op;
    n.inputs = std::move(in);
    n.outputs = {out};
    g.add_value(out);
    g.nodes.push_back(std::move(n));
  };
  std::string v = "x";
  if (dims.empty()) {
    g.add_constant("scalar_shape", Tensor::from_vector<int64_t>({0}, {}));
    add_node("Reshape", {"x", "scalar_shape"}, "v");
    v = "v";
  }
  add_node("Mul", {v, v}, "square");
  add_node("Add", {"square", v}, "sum");
  add_node("Mul", {"sum", v}, "y");
  g.outputs = {"y"};
  infer_shapes(g);
  return g;
}

// Every Eltwise operand gets a leading axis of 1; the chain passes the lifted value along, so
// only the input is reshaped up and the output back (to its own rank and name).
TEST(CaffeLowRankEltwise, RunsOnALeadingAxisOfOneAndKeepsTheOutputRank) {
  struct Case {
    std::vector<int64_t> dims;
    std::vector<float> x;
    std::vector<float> y;  // (x*x + x) * x by hand
  };
  const std::vector<Case> cases = {
      {{3}, {1.0f, 2.0f, -3.0f}, {2.0f, 12.0f, -18.0f}},
      {{}, {3.0f}, {36.0f}},
  };
  for (const Case& c : cases) {
    const std::string what = "input rank " + std::to_string(c.dims.size());
    const Graph g = low_rank_chain("low_rank_" + std::to_string(c.dims.size()), c.dims);
    const CaffeNet built = build_caffe_net(g, WriteOptions{});
    std::vector<int64_t> lifted = c.dims;
    lifted.insert(lifted.begin(), 1);
    size_t reshapes = 0;
    for (const Node& n : built.graph.nodes) {
      if (n.op == "Reshape") ++reshapes;
      if (n.op == "Mul" || n.op == "Add") {
        for (const std::string& in : n.inputs)
          EXPECT_EQ(built.graph.value(in).shape.sizes(), lifted) << what << ": " << n.name;
      }
    }
    EXPECT_EQ(reshapes, c.dims.empty() ? 3u : 2u) << what;
    EXPECT_EQ(built.graph.outputs, std::vector<std::string>{"y"}) << what;
    const Tensor x = Tensor::from_vector<float>(g.value("x").shape.sizes(), c.x);
    expect_values(through_caffe(g, x, WriteOptions{}), c.dims, c.y, what);
  }
}

}  // namespace
}  // namespace nnport
