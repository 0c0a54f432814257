// MXNet op coverage: bilinear resize (_contrib_BilinearResize2D), depth_to_space /
// space_to_depth, take, gather_nd, argmax, mod, comparisons, logic and where. Each writer
// test checks the MXNet node and its attributes, then reads the file back and runs it against
// values worked out by hand (in the comments); the reader tests start from hand-written
// symbols in MXNet's own conventions (float indices, index tuples on the first axis, clip mode).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"

namespace nnport {
namespace {

using mxnet_test::tensor;

class Builder {
 public:
  explicit Builder(std::vector<int64_t> input_dims) {
    Value& v = g.add_value("input");
    v.dtype = DType::Float32;
    v.shape = Shape::from_sizes(input_dims);
    g.inputs.push_back("input");
  }
  std::string constant(const std::string& name, Tensor t) {
    g.add_constant(name, std::move(t));
    return name;
  }
  std::string ints(const std::string& name, const std::vector<int64_t>& v,
                   std::vector<int64_t> dims = {}) {
    if (dims.empty()) dims = {static_cast<int64_t>(v.size())};
    return constant(name, Tensor::from_vector<int64_t>(std::move(dims), v));
  }
  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   Attributes attrs = {}) {
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.outputs = {name + "_out"};
    n.attrs = std::move(attrs);
    g.add_value(n.outputs[0]);
    g.nodes.push_back(n);
    return n.outputs[0];
  }
  std::string cast(const std::string& name, const std::string& x, const std::string& to) {
    Attributes a;
    a.set("to", to);
    return node("Cast", name, {x}, a);
  }
  Graph finish(const std::string& output) {
    g.outputs = {output};
    infer_shapes(g);
    return g;
  }
  Graph g;
};

using mxnet_test::Written;

Written write_and_read(const Graph& g) {
  const mxnet_test::TempDir dir;
  return mxnet_test::write_and_read(dir, g);
}

using mxnet_test::find_op;

void expect_values(const std::vector<float>& want, const std::vector<float>& got,
                   const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(want[i], got[i], 1e-6f * std::max(1.0f, std::abs(want[i])))
        << what << " at " << i << " (want " << fmt::format("{}", fmt::join(want, ", ")) << "; got "
        << fmt::format("{}", fmt::join(got, ", ")) << ")";
}

// Both the source graph and its MXNet read-back give `want` for input x.
void expect_round_trip(const Graph& g, const Written& w, const Tensor& x,
                       const std::vector<float>& want, const std::string& what) {
  expect_values(want, mxnet_test::run_single(g, "input", x), what + " (source)");
  expect_values(want, mxnet_test::run_single(w.read_back, "input", x), what + " (read back)");
}

Graph resize_graph(std::vector<int64_t> in, std::vector<int64_t> out,
                   const std::string& transform) {
  Builder b(in);
  Attributes a;
  a.set("mode", std::string("linear"));
  a.set("coordinate_transformation_mode", transform);
  return b.finish(b.node("Resize", "up", {"input", "", "", b.ints("sizes", out)}, a));
}

// [[0, 4], [8, 12]] to 4x4, half-pixel: rows and columns sample max(0, (x + 0.5) / 2 - 0.5) =
// 0, 0.25, 0.75, 1.25 -> clamped to 1; value = 8 * row + 4 * column coordinate.
TEST(MxnetCoverage, BilinearHalfPixelUpscale) {
  const Graph g = resize_graph({1, 1, 2, 2}, {1, 1, 4, 4}, "half_pixel");
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* r = find_op(w.symbol, "_contrib_BilinearResize2D");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->attrs.at("height"), "4");
  EXPECT_EQ(r->attrs.at("width"), "4");
  EXPECT_EQ(r->attrs.at("align_corners"), "False");
  EXPECT_EQ(r->attrs.at("mode"), "size");
  expect_round_trip(g, w, tensor({1, 1, 2, 2}, {0, 4, 8, 12}),
                    {0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12}, "half_pixel 2->4");
}

// MXNet's Python binding files _contrib_X under mx.sym.contrib.X.
TEST(MxnetCoverage, GeneratedPythonNamesContribOps) {
  const Graph g = resize_graph({1, 1, 2, 2}, {1, 1, 4, 4}, "half_pixel");
  mxnet_test::TempDir dir;
  const std::string script = dir.file("net.py");
  mxnet::write_python_code(g, script, WriteOptions{});
  std::ifstream in(script);
  const std::string code((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(code.find("mx.sym.contrib.BilinearResize2D(input, align_corners='False'"),
            std::string::npos)
      << code;
  EXPECT_EQ(code.find("_internal._contrib"), std::string::npos) << code;
}

// 2x2 to 3x3 with aligned corners: coordinates x * (2 - 1) / (3 - 1) = 0, 0.5, 1.
TEST(MxnetCoverage, BilinearAlignCorners) {
  const Graph g = resize_graph({1, 1, 2, 2}, {1, 1, 3, 3}, "align_corners");
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* r = find_op(w.symbol, "_contrib_BilinearResize2D");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->attrs.at("align_corners"), "True");
  expect_round_trip(g, w, tensor({1, 1, 2, 2}, {0, 4, 8, 12}), {0, 2, 4, 4, 6, 8, 8, 10, 12},
                    "align_corners 2->3");
}

// Downscaling 4 -> 2 by half-pixel samples (x + 0.5) * 2 - 0.5 = 0.5, 2.5: the mean of
// neighbours. Input row r, column c holds 4r + c.
TEST(MxnetCoverage, BilinearHalfPixelDownscale) {
  const Graph g = resize_graph({1, 1, 4, 4}, {1, 1, 2, 2}, "half_pixel");
  const Written w = write_and_read(g);
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = static_cast<float>(i);
  // rows 0.5 and 2.5 -> 2 and 10; columns 0.5 and 2.5.
  expect_round_trip(g, w, tensor({1, 1, 4, 4}, x), {2.5f, 4.5f, 10.5f, 12.5f}, "half_pixel 4->2");
}

// TF's legacy rule samples x * 2 / 4 = 0, 0.5, 1, 1.5 (-> clamped to 1): [[0, 4], [8, 12]]
// -> 8 * row + 4 * column coordinate. Written as edge Pad, align_corners resize to 5x5, crop.
TEST(MxnetCoverage, BilinearAsymmetricByPadAndCrop) {
  const Graph g = resize_graph({1, 1, 2, 2}, {1, 1, 4, 4}, "asymmetric");
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* pad = find_op(w.symbol, "Pad");
  const mxnet::SymbolNode* r = find_op(w.symbol, "_contrib_BilinearResize2D");
  ASSERT_TRUE(pad && r && find_op(w.symbol, "slice"));
  EXPECT_EQ(pad->attrs.at("mode"), "edge");
  EXPECT_EQ(r->attrs.at("height"), "5");
  EXPECT_EQ(r->attrs.at("align_corners"), "True");
  expect_round_trip(g, w, tensor({1, 1, 2, 2}, {0, 4, 8, 12}),
                    {0, 2, 4, 4, 4, 6, 8, 8, 8, 10, 12, 12, 8, 10, 12, 12}, "asymmetric 2->4");
}

// half_pixel to one output row samples the input's middle (1.5 of 0..3), MXNet its row 0;
// tf_crop_and_resize has no MXNet form.
TEST(MxnetCoverage, BilinearRefusals) {
  mxnet_test::TempDir dir;
  for (const auto& [out, transform, reason] :
       std::vector<std::tuple<std::vector<int64_t>, std::string, std::string>>{
           {{1, 1, 1, 4}, "half_pixel", "output size of 1"},
           {{1, 1, 8, 8}, "tf_crop_and_resize", "'tf_crop_and_resize' has no MXNet form"}}) {
    const Graph g = resize_graph({1, 1, 4, 4}, out, transform);
    try {
      mxnet::write_model(g, dir.file("r-symbol.json"), WriteOptions{});
      ADD_FAILURE() << transform << " was written";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("node 'up' (Resize)"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  }
}

// DCR: output channel c, tile (i, j) reads input channel (i * 2 + j) * C_out + c. With
// C_out = 2 and input channels 0..7 holding their own index: c=0 -> [[0, 2], [4, 6]],
// c=1 -> [[1, 3], [5, 7]]. SpaceToDepth undoes it.
TEST(MxnetCoverage, DepthToSpaceAndBack) {
  Builder b({1, 8, 1, 1});
  Attributes d2s;
  d2s.set("blocksize", int64_t{2});
  d2s.set("mode", std::string("DCR"));
  const std::string tiles = b.node("DepthToSpace", "d2s", {"input"}, d2s);
  Attributes s2d;
  s2d.set("blocksize", int64_t{2});
  const std::string back = b.node("SpaceToDepth", "s2d", {tiles}, s2d);
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  const std::string flat_tiles = b.node("Flatten", "f1", {tiles}, axis1);
  const std::string flat_back = b.node("Flatten", "f2", {back}, axis1);
  const std::string sum = b.node("Concat", "both", {flat_tiles, flat_back}, axis1);
  const Graph g = b.finish(sum);
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* d = find_op(w.symbol, "depth_to_space");
  ASSERT_TRUE(d && find_op(w.symbol, "space_to_depth"));
  EXPECT_EQ(d->attrs.at("block_size"), "2");
  expect_round_trip(g, w, tensor({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7}),
                    {0, 2, 4, 6, 1, 3, 5, 7, 0, 1, 2, 3, 4, 5, 6, 7}, "DCR");
}

// take with mode 'wrap': index -1 of axis 1 (size 4) is column 3.
TEST(MxnetCoverage, GatherIsTakeWrap) {
  Builder b({2, 4});
  Attributes a;
  a.set("axis", int64_t{1});
  const Graph g = b.finish(b.node("Gather", "g", {"input", b.ints("idx", {-1, 0, 2})}, a));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* t = find_op(w.symbol, "take");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->attrs.at("mode"), "wrap");
  EXPECT_EQ(t->attrs.at("axis"), "1");
  expect_round_trip(g, w, tensor({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}), {3, 0, 2, 7, 4, 6}, "take");
}

// IR index tuples [[1, 1], [0, 1], [-1, 0]] (last axis) become MXNet's [[1, 0, -1], [1, 1, 0]]
// (first axis): data[1][1] = 3, data[0][1] = 1, data[-1][0] = 2.
TEST(MxnetCoverage, GatherNdMovesTheTupleAxis) {
  Builder b({2, 2});
  const Graph g =
      b.finish(b.node("GatherND", "gnd", {"input", b.ints("idx", {1, 1, 0, 1, -1, 0}, {3, 2})}));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* t = find_op(w.symbol, "transpose");
  ASSERT_TRUE(t && find_op(w.symbol, "gather_nd"));
  EXPECT_EQ(t->attrs.at("axes"), "(1, 0)");
  expect_round_trip(g, w, tensor({2, 2}, {0, 1, 2, 3}), {3, 1, 2}, "gather_nd");
}

// Ties pick the first index in both: [[1, 3, 3], [5, 2, 5]] -> [1, 0]. MXNet returns float32,
// cast to int64; the test casts to float to read it.
TEST(MxnetCoverage, ArgMaxFirstOfTies) {
  Builder b({2, 3});
  Attributes a;
  a.set("axis", int64_t{1});
  a.set("keepdims", int64_t{0});
  const Graph g = b.finish(b.cast("as_float", b.node("ArgMax", "am", {"input"}, a), "float32"));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* am = find_op(w.symbol, "argmax");
  ASSERT_TRUE(am);
  EXPECT_EQ(am->attrs.at("keepdims"), "False");
  expect_round_trip(g, w, tensor({2, 3}, {1, 3, 3, 5, 2, 5}), {1, 0}, "argmax");
}

// Integer mod takes the divisor's sign: [-4, -3, -1, 0, 1, 5] mod 3 = [2, 0, 2, 0, 1, 2] and
// mod -3 = [-1, 0, -1, 0, -2, -1].
TEST(MxnetCoverage, IntegerModTakesTheDivisorSign) {
  for (int64_t divisor : {3, -3}) {
    Builder b({6});
    const std::string i = b.cast("as_int", "input", "int64");
    const std::string m = b.node("Mod", "mod", {i, b.ints("d", {divisor}, {1})});
    const Graph g = b.finish(b.cast("back", m, "float32"));
    const Written w = write_and_read(g);
    ASSERT_TRUE(find_op(w.symbol, "broadcast_mod"));
    const std::vector<float> want = divisor > 0 ? std::vector<float>{2, 0, 2, 0, 1, 2}
                                                : std::vector<float>{-1, 0, -1, 0, -2, -1};
    expect_round_trip(g, w, tensor({6}, {-4, -3, -1, 0, 1, 5}), want,
                      fmt::format("mod {}", divisor));
  }
}

// Where(x < 0.5 and not x == 0, x, 10 * [1, 2, 3]): the bools travel as 0/1 floats in MXNet.
TEST(MxnetCoverage, ComparisonsLogicAndWhere) {
  Builder b({2, 3});
  const std::string half = b.constant("half", Tensor::scalar<float>(0.5f));
  const std::string zero = b.constant("zero", Tensor::scalar<float>(0.0f));
  const std::string less = b.node("Less", "less", {"input", half});
  const std::string not_zero = b.node("Not", "nz", {b.node("Equal", "eq", {"input", zero})});
  const std::string both = b.node("And", "both", {less, not_zero});
  const std::string other = b.constant("other", tensor({3}, {10, 20, 30}));
  const Graph g = b.finish(b.node("Where", "pick", {both, "input", other}));
  const Written w = write_and_read(g);
  EXPECT_TRUE(find_op(w.symbol, "_lesser_scalar"));
  EXPECT_TRUE(find_op(w.symbol, "broadcast_logical_and"));
  EXPECT_TRUE(find_op(w.symbol, "logical_not"));
  const mxnet::SymbolNode* where = find_op(w.symbol, "where");
  ASSERT_TRUE(where);
  // x = [-1, 0, 0.25 | 0.5, 2, -3]: true where x < 0.5 and x != 0.
  expect_round_trip(g, w, tensor({2, 3}, {-1, 0, 0.25f, 0.5f, 2, -3}), {-1, 20, 0.25f, 10, 20, -3},
                    "where");
}

// TopK's emulation keeps the IR's order on ties and -inf: [3, -inf, 5, 3, -inf, 5], K = 5 ->
// values [5, 5, 3, 3, -inf] at indices [2, 5, 0, 3, 1]. The -inf values are clipped to -100
// for the float comparison.
TEST(MxnetCoverage, TopKTiesAndInfinity) {
  Builder b({1, 6});
  Node top;
  top.op = "TopK";
  top.name = "top";
  top.inputs = {"input", b.ints("k", {5})};
  top.outputs = {"top_values", "top_indices"};
  top.attrs.set("axis", int64_t{-1});
  b.g.add_value("top_values");
  b.g.add_value("top_indices");
  b.g.nodes.push_back(top);
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  const std::string low = b.constant("low", Tensor::scalar<float>(-100.0f));
  const std::string clipped = b.node("Max", "clipped", {"top_values", low});
  const Graph g = b.finish(
      b.node("Concat", "both", {clipped, b.cast("as_float", "top_indices", "float32")}, axis1));
  const Written w = write_and_read(g);
  EXPECT_FALSE(find_op(w.symbol, "topk"));
  EXPECT_TRUE(find_op(w.symbol, "argmax"));
  const float inf = std::numeric_limits<float>::infinity();
  expect_round_trip(g, w, tensor({1, 6}, {3, -inf, 5, 3, -inf, 5}),
                    {5, 5, 3, 3, -100, 2, 5, 0, 3, 1}, "topk");
}

// Unequal Split of [0 1 2 3 4] into 2 + 3 becomes two slice_axis; concatenated the other way
// round: [2 3 4 0 1].
TEST(MxnetCoverage, UnequalSplitIsSliceAxis) {
  Builder b({1, 5});
  Node split;
  split.op = "Split";
  split.name = "split";
  split.inputs = {"input", b.ints("sizes", {2, 3})};
  split.outputs = {"first", "second"};
  split.attrs.set("axis", int64_t{1});
  b.g.add_value("first");
  b.g.add_value("second");
  b.g.nodes.push_back(split);
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  const Graph g = b.finish(b.node("Concat", "swap", {"second", "first"}, axis1));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* s = find_op(w.symbol, "slice_axis");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->attrs.at("end"), "2");
  expect_round_trip(g, w, tensor({1, 5}, {0, 1, 2, 3, 4}), {2, 3, 4, 0, 1}, "split");
}

// Tile [1 2] by (2, 2): [[1 2 1 2], [1 2 1 2]].
TEST(MxnetCoverage, TileKeepsRepeats) {
  Builder b({1, 2});
  const Graph g = b.finish(b.node("Tile", "tile", {"input", b.ints("reps", {2, 2})}));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* t = find_op(w.symbol, "tile");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->attrs.at("reps"), "(2, 2)");
  expect_round_trip(g, w, tensor({1, 2}, {1, 2}), {1, 2, 1, 2, 1, 2, 1, 2}, "tile");
}

// A [2, 2, 3] times a computed B [1, 3, 2] = [[1 4], [2 5], [3 6]]: dot with B reshaped to
// [3, 2]. Rows of A pick rows of B: [1 0 0] -> [1 4], [0 1 0] -> [2 5], [0 0 1] -> [3 6],
// [1 1 1] -> [6 15].
TEST(MxnetCoverage, MatMulBySingleComputedMatrixIsDot) {
  Builder b({2, 2, 3});
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{0, 2, 1});
  const std::string bt = b.constant("bt", tensor({1, 2, 3}, {1, 2, 3, 4, 5, 6}));
  const std::string matrix = b.node("Transpose", "b", {bt}, perm);
  const Graph g = b.finish(b.node("MatMul", "mm", {"input", matrix}));
  const Written w = write_and_read(g);
  ASSERT_TRUE(find_op(w.symbol, "dot"));
  expect_round_trip(g, w, tensor({2, 2, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}),
                    {1, 4, 2, 5, 3, 6, 6, 15}, "dot");
}

// A slope along the last axis ([0.5, 2, 0.25] on [1, 2, 3]) is not per-channel: relu(x) +
// slope * min(x, 0). x = [-1 2 -3 | 4 -5 6] -> [-0.5 2 -0.75 | 4 -10 6].
TEST(MxnetCoverage, PReluOnAnotherAxis) {
  Builder b({1, 2, 3});
  const std::string slope = b.constant("slope", tensor({3}, {0.5f, 2, 0.25f}));
  const Graph g = b.finish(b.node("PRelu", "prelu", {"input", slope}));
  const Written w = write_and_read(g);
  EXPECT_FALSE(find_op(w.symbol, "LeakyReLU"));
  ASSERT_TRUE(find_op(w.symbol, "_minimum_scalar"));
  expect_round_trip(g, w, tensor({1, 2, 3}, {-1, 2, -3, 4, -5, 6}), {-0.5f, 2, -0.75f, 4, -10, 6},
                    "prelu");
}

// Cast to bool is "!= 0", NaN included: [-1, 0, 2, NaN] -> [1, 0, 1, 1].
TEST(MxnetCoverage, CastToBoolIsNotEqualZero) {
  Builder b({4});
  const Graph g = b.finish(b.cast("back", b.cast("truth", "input", "bool"), "float32"));
  const Written w = write_and_read(g);
  const mxnet::SymbolNode* ne = find_op(w.symbol, "_not_equal_scalar");
  ASSERT_TRUE(ne);
  EXPECT_EQ(ne->attrs.at("scalar"), "0");
  expect_round_trip(g, w, tensor({4}, {-1, 0, 2, std::numeric_limits<float>::quiet_NaN()}),
                    {1, 0, 1, 1}, "cast to bool");
}

// Reader: MXNet's own conventions. BilinearResize2D's align_corners defaults to True; take's
// mode defaults to 'clip' (index 7 of 4 reads the last, -2 the first); gather_nd indices
// arrive as float32 with the tuples on the first axis; argmax returns float32.
TEST(MxnetCoverage, ReaderConventions) {
  mxnet_test::TempDir dir;
  const std::string json = R"json({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "_contrib_BilinearResize2D", "name": "up", "attrs": {"height": "3", "width": "3"},
     "inputs": [[0, 0, 0]]},
    {"op": "Flatten", "name": "flat", "inputs": [[1, 0, 0]]},
    {"op": "null", "name": "idx", "inputs": []},
    {"op": "take", "name": "pick", "attrs": {"axis": "1"}, "inputs": [[2, 0, 0], [3, 0, 0]]},
    {"op": "null", "name": "tuples", "inputs": []},
    {"op": "gather_nd", "name": "gnd", "inputs": [[0, 0, 0], [5, 0, 0]]},
    {"op": "argmax", "name": "am", "attrs": {"axis": "3"}, "inputs": [[0, 0, 0]]},
    {"op": "Reshape", "name": "amflat", "attrs": {"shape": "(1, -1)"}, "inputs": [[7, 0, 0]]},
    {"op": "Reshape", "name": "gflat", "attrs": {"shape": "(1, -1)"}, "inputs": [[6, 0, 0]]},
    {"op": "Concat", "name": "all", "attrs": {"dim": "1", "num_args": "3"},
     "inputs": [[4, 0, 0], [9, 0, 0], [8, 0, 0]]}
  ], "arg_nodes": [0, 3, 5], "heads": [[10, 0, 0]]})json";
  const std::vector<mxnet::NamedArray> params = {
      {"arg:idx", Tensor::from_vector<int64_t>({3}, {11, -2, 4})},
      {"arg:tuples", Tensor::from_vector<float>({4, 1}, {0, 0, 1, 1})}};
  const Graph g = mxnet_test::read_checkpoint(dir, json, params, {{"data", {1, 1, 2, 2}}});
  const std::vector<float> got =
      mxnet_test::run_single(g, "data", tensor({1, 1, 2, 2}, {0, 4, 8, 12}));
  // Resize [[0, 4], [8, 12]] to 3x3 with aligned corners, flattened: [0 2 4 4 6 8 8 10 12];
  // take on axis 1 with clip: 11 -> 8, -2 -> 0, 4 -> 4, so 12, 0, 6. gather_nd (0, 0, 1, 1)
  // -> data[0][0][1][1] = 12. argmax over W of [[0, 4], [8, 12]] -> [1, 1].
  expect_values({12, 0, 6, 12, 1, 1}, got, "reader conventions");
}

}  // namespace
}  // namespace nnport
