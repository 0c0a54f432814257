// ONNX writer legality: pool pads that reach the kernel (MXNet and Caffe allow them; ONNX Runtime
// refuses to load "Pad should be smaller than kernel"). The excess goes to an explicit Pad, and
// an average over real cells gets a divisor map. Checked on the file written (every pool's pads
// below its kernel) and by reading it back against the source on hand-computed values. Also the
// LRN attributes ONNX Runtime requires at load.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "formats/onnx/model_file.h"
#include "formats/onnx/onnx_format.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "onnx_test_util.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

using namespace onnx_test;

const onnx::TensorProto& initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer())
    if (t.name() == name) return t;
  ADD_FAILURE() << "no initializer " << name;
  static const onnx::TensorProto kNone;
  return kNone;
}

template <typename T>
std::vector<T> raw_values(const onnx::TensorProto& t) {
  std::vector<T> v(t.raw_data().size() / sizeof(T));
  std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
  return v;
}

// x (1 x 1 x 1 x W) -> `op` over the width -> y.
Graph pool_graph(const std::string& op, int64_t w, int64_t k, int64_t s, int64_t pb, int64_t pe,
                 const std::string& divisor = "valid", std::vector<std::string> outputs = {"y"}) {
  Graph g;
  g.name = "pool";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 1, w});
  g.inputs = {"x"};
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{1, k});
  a.set("strides", std::vector<int64_t>{1, s});
  a.set("pads", std::vector<int64_t>{0, pb, 0, pe});
  if (op == "AveragePool") a.set("divisor", divisor);
  g.nodes.push_back(Node{"pool", op, {"x"}, outputs, std::move(a)});
  for (const auto& o : outputs)
    g.add_value(o);
  g.outputs = {outputs[0]};
  infer_shapes(g);
  return g;
}

std::string write_error(const Graph& g, const std::string& path, int opset = 13) {
  WriteOptions options;
  options.opset = opset;
  try {
    write_onnx(g, path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Runs `g` on x = 1, 2, 3, ...
std::vector<float> run_on_ramp(const Graph& g) {
  const auto dims = g.value("x").shape.sizes();
  Tensor x(DType::Float32, dims);
  auto v = x.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i + 1);
  return run_graph(g, {{"x", x}}).at(g.outputs[0]).to_float_vector();
}

// Every pool of the file has pads below its kernel, as ONNX Runtime requires.
void expect_loadable_pads(const onnx::ModelProto& m) {
  for (const auto& node : m.graph().node()) {
    if (node.op_type() != "MaxPool" && node.op_type() != "AveragePool") continue;
    const auto* kernel = find_attr(node, "kernel_shape");
    const auto* pads = find_attr(node, "pads");
    ASSERT_TRUE(kernel && pads);
    const int n = kernel->ints_size();
    for (int i = 0; i < 2 * n; ++i)
      EXPECT_LT(pads->ints(i), kernel->ints(i % n)) << node.name() << " pad #" << i;
  }
}

// Width 6, k 2, s 3, pads (1, 3): windows [-1, 1), [2, 4), [5, 7) over x = 1..6.
//   max:                 1, 4, 6
//   average, real cells: 1 / 1, (3 + 4) / 2, 6 / 1 = 1, 3.5, 6
//   average, padded:     cells inside [-1, 9): 2 each -> 0.5, 3.5, 3
// The end pad 3 >= k 2: one cell stays implicit, two become an explicit Pad.
TEST(OnnxPoolPads, EndPadBeyondTheKernelByHand) {
  struct Case {
    std::string op, divisor;
    std::vector<float> want;
    bool map;
  };
  const Case cases[] = {
      {"MaxPool", "", {1, 4, 6}, false},
      {"AveragePool", "valid", {1, 3.5f, 6}, true},
      {"AveragePool", "padded", {0.5f, 3.5f, 3}, false},
  };
  ScratchDir dir;
  for (const Case& c : cases) {
    const std::string what = c.op + " " + c.divisor;
    const Graph g = pool_graph(c.op, 6, 2, 3, 1, 3, c.divisor);
    EXPECT_EQ(run_on_ramp(g), c.want) << what;
    const std::string path = dir.file("m.onnx");
    write_onnx(g, path, {});
    const auto m = parse(path);
    expect_loadable_pads(m);
    ASSERT_EQ(m.graph().node_size(), c.map ? 3 : 2) << what;
    const auto& pad = m.graph().node(0);
    EXPECT_EQ(pad.op_type(), "Pad") << what;
    EXPECT_EQ(raw_values<int64_t>(initializer(m, pad.input(1))),
              (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 2}))
        << what;
    ASSERT_EQ(pad.input_size(), 3) << what;
    const std::vector<float> fill = raw_values<float>(initializer(m, pad.input(2)));
    ASSERT_EQ(fill.size(), 1u) << what;
    if (c.op == "MaxPool") {
      EXPECT_EQ(fill[0], -std::numeric_limits<float>::infinity());
    } else {
      // -0.0: nothing added to a sum, and not folded back into the pads by ONNX Runtime.
      EXPECT_EQ(fill[0], 0.0f) << what;
      EXPECT_TRUE(std::signbit(fill[0])) << what;
    }
    const auto& pool = m.graph().node(1);
    EXPECT_EQ(std::vector<int64_t>(find_attr(pool, "pads")->ints().begin(),
                                   find_attr(pool, "pads")->ints().end()),
              (std::vector<int64_t>{0, 1, 0, 1}))
        << what;
    if (c.map) {
      // Counted (padded input [-0, 8)) over real cells: 1/1, 2/2, 2/1.
      const auto& mul = m.graph().node(2);
      EXPECT_EQ(mul.op_type(), "Mul");
      EXPECT_EQ(mul.output(0), "y");
      EXPECT_EQ(raw_values<float>(initializer(m, mul.input(1))), (std::vector<float>{1, 1, 2}));
    }
    Graph back = read_onnx(path, {});
    infer_shapes(back);
    EXPECT_EQ(run_on_ramp(back), c.want) << what;
  }
}

// MXNet's widened average pool (TF SAME k2 s2 on width 7: pads (0, 1) -> pad 2 both sides and
// the leading window cropped): the begin pad reaches the kernel, window [-2, 0) has no real
// cell. Pad (1, 1) explicit, (1, 1) implicit; the map holds 0 where the IR has no value.
TEST(OnnxPoolPads, WidenedMxnetAveragePoolGetsAZeroWhereNoCellIsReal) {
  const Graph g = pool_graph("AveragePool", 7, 2, 2, 2, 2, "valid");
  ScratchDir dir;
  const std::string path = dir.file("m.onnx");
  write_onnx(g, path, {});
  const auto m = parse(path);
  expect_loadable_pads(m);
  ASSERT_EQ(m.graph().node_size(), 3);
  EXPECT_EQ(raw_values<int64_t>(initializer(m, m.graph().node(0).input(1))),
            (std::vector<int64_t>{0, 0, 0, 1, 0, 0, 0, 1}));
  // Windows [-2, 0) [0, 2) [2, 4) [4, 6) [6, 8): real cells 0, 2, 2, 2, 1; counted in
  // [-1, 8): 1, 2, 2, 2, 2.
  EXPECT_EQ(raw_values<float>(initializer(m, m.graph().node(2).input(1))),
            (std::vector<float>{0, 1, 1, 1, 2}));
}

TEST(OnnxPoolPads, OlderOpsetsPadWithAttributes) {
  const Graph g = pool_graph("MaxPool", 6, 2, 3, 1, 3);
  ScratchDir dir;
  const std::string path = dir.file("m9.onnx");
  WriteOptions options;
  options.opset = 9;
  write_onnx(g, path, options);
  const auto m = parse(path);
  expect_loadable_pads(m);
  const auto& pad = m.graph().node(0);
  EXPECT_EQ(pad.op_type(), "Pad");
  EXPECT_EQ(std::vector<int64_t>(find_attr(pad, "pads")->ints().begin(),
                                 find_attr(pad, "pads")->ints().end()),
            (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 2}));
  EXPECT_EQ(find_attr(pad, "value")->f(), -std::numeric_limits<float>::infinity());
  Graph back = read_onnx(path, {});
  infer_shapes(back);
  EXPECT_EQ(run_on_ramp(back), (std::vector<float>{1, 4, 6}));
}

TEST(OnnxPoolPads, WhatCannotMoveIsRefusedNamingTheNode) {
  ScratchDir dir;
  const std::string path = dir.file("m.onnx");
  // Before opset 11 the zero Pad is an attribute, which ONNX Runtime folds back into the pads.
  EXPECT_NE(write_error(pool_graph("AveragePool", 6, 2, 3, 1, 3, "padded"), path, 10)
                .find("node 'pool' (AveragePool): pads [0, 1, 0, 3] reach kernel_shape [1, 2]"),
            std::string::npos);
  // The Indices output would count the explicit padding.
  const Graph indices = pool_graph("MaxPool", 6, 2, 3, 1, 3, "", {"y", "i"});
  EXPECT_NE(write_error(indices, path)
                .find("node 'pool' (MaxPool): pads [0, 1, 0, 3] reach "
                      "kernel_shape [1, 2]"),
            std::string::npos)
      << write_error(indices, path);
  // A divisor map needs the input size.
  Graph unknown = pool_graph("AveragePool", 6, 2, 3, 1, 3, "valid");
  unknown.value("x").shape = Shape::from_sizes({1, 1, 1, 6});
  unknown.value("x").shape.dims[3] = Dim();
  EXPECT_NE(write_error(unknown, path).find("node 'pool' (AveragePool)"), std::string::npos)
      << write_error(unknown, path);
  EXPECT_NE(write_error(unknown, path).find("divisor map"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

// ONNX allows an even LRN size; ONNX Runtime does not create the kernel.
TEST(OnnxLoadability, LrnThatOnnxRuntimeRefusesIsRefusedNamingTheNode) {
  ScratchDir dir;
  for (const auto& [size, alpha, fragment] :
       {std::tuple<int64_t, float, const char*>{4, 1e-4f, "size 4 is not a positive odd number"},
        {3, 0.0f, "alpha 0 and beta 0.75 must be positive"}}) {
    Graph g;
    Value& x = g.add_value("x");
    x.dtype = DType::Float32;
    x.shape = Shape::from_sizes({1, 5, 2, 2});
    g.inputs = {"x"};
    Attributes a;
    a.set("size", size);
    a.set("alpha", alpha);
    g.nodes.push_back(Node{"lrn", "LRN", {"x"}, {"y"}, a});
    g.add_value("y");
    g.outputs = {"y"};
    infer_shapes(g);
    const std::string error = write_error(g, dir.file("lrn.onnx"));
    EXPECT_NE(error.find("node 'lrn' (LRN): "), std::string::npos) << error;
    EXPECT_NE(error.find(fragment), std::string::npos) << error;
  }
}

// IR rounding ceil_all (MXNet `full`, Caffe with pad 0) keeps a last window starting in the end
// padding, which ONNX's ceil_mode drops. Width 7, k 2, s 2, pads (0, 2): windows [0, 2) [2, 4)
// [4, 6) [6, 8) [8, 10), the last starting at 8 >= in + pad_begin = 7. Written as an explicit
// end Pad of 3, floor rounding, count_include_pad=1 (divide by 2) and a map 2 / IR divisor:
// real cells 2, 2, 2, 1, 0 -> 1, 1, 1, 2, 0; padded (inside [0, 9)) 2, 2, 2, 2, 1 -> 1, 1, 1,
// 1, 2.
TEST(OnnxPoolPads, CeilAllTailWindowGetsAnExplicitEndPad) {
  struct Case {
    std::string op, divisor;
    std::vector<float> map;  // empty: no Mul
  };
  const Case cases[] = {
      {"MaxPool", "", {}},
      {"AveragePool", "valid", {1, 1, 1, 2, 0}},
      {"AveragePool", "padded", {1, 1, 1, 1, 2}},
  };
  ScratchDir dir;
  for (const Case& c : cases) {
    const std::string what = c.op + " " + c.divisor;
    Graph g = pool_graph(c.op, 7, 2, 2, 0, 2, c.divisor);
    g.nodes[0].attrs.set("rounding", std::string("ceil_all"));
    infer_shapes(g);
    ASSERT_EQ(g.value("y").shape, Shape::from_sizes({1, 1, 1, 5})) << what;
    const std::string path = dir.file("m.onnx");
    write_onnx(g, path, {});
    const auto m = parse(path);
    expect_loadable_pads(m);
    ASSERT_EQ(m.graph().node_size(), c.map.empty() ? 2 : 3) << what;
    EXPECT_EQ(raw_values<int64_t>(initializer(m, m.graph().node(0).input(1))),
              (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 3}))
        << what;
    const auto& pool = m.graph().node(1);
    EXPECT_EQ(find_attr(pool, "ceil_mode"), nullptr) << what;
    if (c.op == "AveragePool") EXPECT_EQ(find_attr(pool, "count_include_pad")->i(), 1) << what;
    if (!c.map.empty())
      EXPECT_EQ(raw_values<float>(initializer(m, m.graph().node(2).input(1))), c.map) << what;
  }
}

// IR rounding ceil drops a last window starting in the end padding, as ONNX Runtime does, but
// ONNX's shape inference counts it, so a consumer sized by one disagrees with the other and the
// file does not load. Height 10, k 3, s 3, pads (0, 0): ceil keeps the partial window [9, 12)
// -> 4 rows. Width 17, k 2, s 3, pads (1, 1): ceil's window at 17 starts in the end padding ->
// 6 columns, the plain formula says 7, and the end pad 1 cannot be trimmed by 2. Written with
// floor rounding and end pads (2, 0): the same 4 x 6 windows.
TEST(OnnxPoolPads, CeilDroppingAWindowIsWrittenWithoutAmbiguity) {
  Graph g;
  g.name = "pool";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 10, 17});
  g.inputs = {"x"};
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{3, 2});
  a.set("strides", std::vector<int64_t>{3, 3});
  a.set("pads", std::vector<int64_t>{0, 1, 0, 1});
  a.set("rounding", std::string("ceil"));
  g.nodes.push_back(Node{"pool", "MaxPool", {"x"}, {"y"}, a});
  g.add_value("y");
  g.outputs = {"y"};
  infer_shapes(g);
  ASSERT_EQ(g.value("y").shape, Shape::from_sizes({1, 1, 4, 6}));
  ScratchDir dir;
  const std::string path = dir.file("m.onnx");
  write_onnx(g, path, {});
  const auto m = parse(path);
  ASSERT_EQ(m.graph().node_size(), 1);
  const auto& pool = m.graph().node(0);
  EXPECT_EQ(find_attr(pool, "ceil_mode"), nullptr);
  EXPECT_EQ(std::vector<int64_t>(find_attr(pool, "pads")->ints().begin(),
                                 find_attr(pool, "pads")->ints().end()),
            (std::vector<int64_t>{0, 1, 2, 0}));
  Graph back = read_onnx(path, {});
  infer_shapes(back);
  EXPECT_EQ(back.value(back.outputs[0]).shape, Shape::from_sizes({1, 1, 4, 6}));
  EXPECT_EQ(run_on_ramp(back), run_on_ramp(g));
}

}  // namespace
}  // namespace nnport
