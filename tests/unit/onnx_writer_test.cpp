// ONNX writer: streamed weights, external data, determinism, checker, and pooling variants.
#include <gtest/gtest.h>

#include "formats/onnx/model_file.h"
#include "formats/onnx/onnx_format.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "onnx_test_util.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

using namespace onnx_test;

// x (1 x 1 x H x W) -> `op` -> y, with shapes inferred.
Graph pool_graph(const std::string& op, int64_t h, int64_t w, Attributes attrs) {
  Graph g;
  g.name = "pool";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, h, w});
  g.inputs = {"x"};
  g.nodes.push_back(Node{"pool", op, {"x"}, {"y"}, std::move(attrs)});
  g.add_value("y");
  g.outputs = {"y"};
  infer_shapes(g);
  return g;
}

Attributes window(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                  std::vector<int64_t> pads = {}) {
  Attributes a;
  a.set("kernel_shape", std::move(kernel));
  a.set("strides", std::move(strides));
  if (!pads.empty()) a.set("pads", std::move(pads));
  return a;
}

std::string write_error(const Graph& g, const std::string& path, int opset) {
  WriteOptions options;
  options.opset = opset;
  try {
    write_onnx(g, path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// Runs `g` on x = 1, 2, 3, ... when every op has a kernel.
std::optional<Tensor> run_on_ramp(const Graph& g) {
  if (!ops_without_kernel(g).empty()) return std::nullopt;
  const auto dims = g.value("x").shape.sizes();
  Tensor x(DType::Float32, dims);
  auto v = x.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(i + 1);
  return run_graph(g, {{"x", x}}).at(g.outputs[0]);
}

TEST(OnnxWriter, PoolVariantsBecomeCeilModeAndCountIncludePad) {
  ScratchDir dir;
  Attributes a = window({3, 3}, {2, 2}, {1, 1, 1, 1});
  a.set("rounding", std::string("ceil"));
  a.set("divisor", std::string("padded"));
  write_onnx(pool_graph("AveragePool", 6, 6, a), dir.file("m.onnx"), {});
  const auto model = parse(dir.file("m.onnx"));
  EXPECT_EQ(model.ir_version(), 7);
  EXPECT_EQ(model.opset_import(0).version(), 13);
  const auto& node = model.graph().node(0);
  EXPECT_EQ(find_attr(node, "ceil_mode")->i(), 1);
  EXPECT_EQ(find_attr(node, "count_include_pad")->i(), 1);
  EXPECT_EQ(find_attr(node, "rounding"), nullptr);
  EXPECT_EQ(find_attr(node, "divisor"), nullptr);

  // Pads are written per side even when the IR leaves them empty.
  write_onnx(pool_graph("MaxPool", 4, 4, window({2, 2}, {2, 2})), dir.file("max.onnx"), {});
  const auto max = parse(dir.file("max.onnx"));
  const auto* pads = find_attr(max.graph().node(0), "pads");
  ASSERT_NE(pads, nullptr);
  EXPECT_EQ(std::vector<int64_t>(pads->ints().begin(), pads->ints().end()),
            (std::vector<int64_t>{0, 0, 0, 0}));

  const Graph back = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(back.nodes[0].attrs.get_string("rounding", ""), "ceil");
  EXPECT_EQ(back.nodes[0].attrs.get_string("divisor", ""), "padded");
}

TEST(OnnxWriter, UnexpressiblePoolVariantsAreRefusedNamingTheNode) {
  ScratchDir dir;
  const std::string path = dir.file("m.onnx");
  // in 4, k 2, s 2, pads (0, 1): ceil_all keeps a window starting at 4 = in + pad_begin, which
  // ONNX's ceil drops; written with an explicit end Pad (onnx_pool_pads_test.cpp), but not
  // while the input size is unknown.
  Attributes tail = window({1, 2}, {1, 2}, {0, 0, 0, 1});
  tail.set("rounding", std::string("ceil_all"));
  Graph unknown = pool_graph("MaxPool", 1, 4, tail);
  unknown.value("x").shape.dims[3] = Dim();
  EXPECT_NE(write_error(unknown, path, 13).find("node 'pool' (MaxPool): rounding 'ceil_all'"),
            std::string::npos);
  Attributes ceil = window({2, 2}, {2, 2});
  ceil.set("rounding", std::string("ceil"));
  EXPECT_NE(write_error(pool_graph("MaxPool", 5, 5, ceil), path, 9).find("needs opset 10"),
            std::string::npos);
  Attributes dilated = window({2, 2}, {1, 1});
  dilated.set("dilations", std::vector<int64_t>{2, 2});
  EXPECT_NE(write_error(pool_graph("AveragePool", 5, 5, dilated), path, 18)
                .find("dilated AveragePool needs opset 19"),
            std::string::npos);
  EXPECT_EQ(write_error(pool_graph("AveragePool", 5, 5, dilated), path, 19), "no error");
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.onnx.data")));
  EXPECT_NE(write_error(pool_graph("MaxPool", 5, 5, window({2, 2}, {1, 1})), path, 6)
                .find("opset 6 cannot be written"),
            std::string::npos);
}

TEST(OnnxWriter, ExactEquivalentsForCeilAllAndKernelDivisor) {
  ScratchDir dir;
  // ceil_all without a window starting in the end padding is plain ceil.
  Attributes same = window({1, 2}, {1, 2});
  same.set("rounding", std::string("ceil_all"));
  write_onnx(pool_graph("MaxPool", 1, 5, same), dir.file("ceil.onnx"), {});
  EXPECT_EQ(find_attr(parse(dir.file("ceil.onnx")).graph().node(0), "ceil_mode")->i(), 1);

  // divisor kernel with floor rounding: every window is inside the padded input.
  Attributes floor_kernel = window({3, 3}, {2, 2}, {1, 1, 1, 1});
  floor_kernel.set("divisor", std::string("kernel"));
  write_onnx(pool_graph("AveragePool", 6, 6, floor_kernel), dir.file("floor.onnx"), {});
  const auto f = parse(dir.file("floor.onnx"));
  ASSERT_EQ(f.graph().node_size(), 1);
  EXPECT_EQ(find_attr(f.graph().node(0), "count_include_pad")->i(), 1);

  // divisor kernel with a ceil window past the end padding: an explicit zero Pad first.
  Attributes ceil_kernel = window({1, 3}, {1, 2}, {0, 1, 0, 1});
  ceil_kernel.set("divisor", std::string("kernel"));
  ceil_kernel.set("rounding", std::string("ceil"));
  const Graph g = pool_graph("AveragePool", 1, 6, ceil_kernel);
  write_onnx(g, dir.file("pad.onnx"), {});
  const auto p = parse(dir.file("pad.onnx"));
  ASSERT_EQ(p.graph().node_size(), 2);
  EXPECT_EQ(p.graph().node(0).op_type(), "Pad");
  EXPECT_EQ(find_attr(p.graph().node(1), "ceil_mode"), nullptr);
  // in 6 padded to [-1, 8): 4 windows of 3 from -1; the last one [5, 8) needs one more zero.
  const auto& pads_init = p.graph().initializer(0);
  std::vector<int64_t> pads(pads_init.raw_data().size() / 8);
  std::memcpy(pads.data(), pads_init.raw_data().data(), pads_init.raw_data().size());
  EXPECT_EQ(pads, (std::vector<int64_t>{0, 0, 0, 1, 0, 0, 0, 2}));

  const Graph back = read_onnx(dir.file("pad.onnx"), {});
  const auto expected = run_on_ramp(g);
  if (!expected) GTEST_SKIP() << "kernels not available yet";
  const auto actual = run_on_ramp(back);
  ASSERT_TRUE(actual);
  // Ramp 1..6, windows [-1,2) [1,4) [3,6) [5,8), each divided by 3.
  EXPECT_EQ(expected->to_float_vector(), (std::vector<float>{1.0f, 3.0f, 5.0f, 2.0f}));
  EXPECT_EQ(actual->to_float_vector(), expected->to_float_vector());
}

// Measured with onnxruntime-node 1.30.0 (CPU, one thread) on the same models: ONNX Runtime's
// ceil_mode drops a last window starting at or after in + pad_begin, and count_include_pad=1
// divides by the window cells inside [-pad_begin, in + pad_end) -- the IR's "ceil" and
// "padded".
TEST(OnnxWriter, ReaderMatchesOnnxRuntimePoolingSemantics) {
  struct Case {
    const char* op;
    int64_t w, k, s, pb, pe, include_pad;
    std::vector<float> ort;
  };
  const std::vector<Case> cases = {
      {"MaxPool", 4, 2, 2, 0, 1, -1, {2, 4}},
      {"MaxPool", 6, 3, 3, 0, 2, -1, {3, 6}},
      {"MaxPool", 5, 2, 2, 0, 0, -1, {2, 4, 5}},
      {"AveragePool", 6, 3, 2, 1, 1, 1, {1, 3, 5, 3}},
      {"AveragePool", 6, 3, 2, 1, 1, 0, {1.5f, 3, 5, 6}},
      {"AveragePool", 5, 2, 2, 0, 0, 1, {1.5f, 3.5f, 5}},
  };
  ScratchDir dir;
  for (const auto& c : cases) {
    auto model = model_with_opset(13);
    auto* g = model.mutable_graph();
    *g->add_input() =
        tensor_info("x", onnx::TensorProto::FLOAT, {"1", "1", "1", std::to_string(c.w)});
    *g->add_output() = tensor_info("y", onnx::TensorProto::FLOAT, {});
    auto* n = add_node(model, c.op, {"x"}, {"y"}, "pool");
    add_ints(n, "kernel_shape", {1, c.k});
    add_ints(n, "strides", {1, c.s});
    add_ints(n, "pads", {0, c.pb, 0, c.pe});
    add_int(n, "ceil_mode", 1);
    if (c.include_pad >= 0) add_int(n, "count_include_pad", c.include_pad);
    save(model, dir.file("m.onnx"));
    Graph graph = read_onnx(dir.file("m.onnx"), {});
    infer_shapes(graph);
    const auto out = run_on_ramp(graph);
    if (!out) GTEST_SKIP() << "pool kernels not available yet";
    EXPECT_EQ(out->to_float_vector(), c.ort)
        << c.op << " w=" << c.w << " k=" << c.k << " s=" << c.s << " pads=" << c.pb << "," << c.pe
        << " include_pad=" << c.include_pad;
  }
}

// x -> Conv(w) -> y with a known weight pattern.
Graph conv_graph(int64_t out_channels) {
  Graph g;
  g.name = "conv";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 5, 5});
  g.inputs = {"x"};
  Tensor w(DType::Float32, {out_channels, 1, 3, 3});
  auto v = w.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = 0.25f * static_cast<float>(i) - 3.0f;
  g.add_constant("w", w);
  g.add_constant("unused", Tensor::from_vector<float>({1}, {9.0f}));
  g.nodes.push_back(Node{"conv", "Conv", {"x", "w"}, {"y"}, {}});
  g.add_value("y");
  g.outputs = {"y"};
  infer_shapes(g);
  return g;
}

TEST(OnnxWriter, WeightsRoundTripByteForByteAndOutputsMatch) {
  ScratchDir dir;
  const Graph g = conv_graph(4);
  write_onnx(g, dir.file("a.onnx"), {});
  write_onnx(g, dir.file("b.onnx"), {});
  EXPECT_EQ(file_bytes(dir.file("a.onnx")), file_bytes(dir.file("b.onnx")));  // deterministic

  const auto model = parse(dir.file("a.onnx"));
  ASSERT_EQ(model.graph().initializer_size(), 1);  // unused constants are not written
  const auto& init = model.graph().initializer(0);
  EXPECT_EQ(init.name(), "w");
  const Tensor& w = *g.constant("w");
  EXPECT_EQ(init.raw_data(), std::string(reinterpret_cast<const char*>(w.raw()), w.byte_size()));

  Graph back = read_onnx(dir.file("a.onnx"), {});
  infer_shapes(back);
  const auto before = run_on_ramp(g);
  if (!before) GTEST_SKIP() << "Conv kernel not available yet";
  const auto after = run_on_ramp(back);
  ASSERT_TRUE(after);
  EXPECT_EQ(std::memcmp(before->raw(), after->raw(), before->byte_size()), 0);
}

// The benchmark's path: weights viewed in the mapped source are streamed to the output. Writing
// the same mapped model twice, once over an existing file and once over its own source, gives
// the same bytes each time.
TEST(OnnxWriter, RewritingAMappedModelIsDeterministicAlsoOverItsOwnSource) {
  ScratchDir dir;
  write_onnx(conv_graph(4), dir.file("source.onnx"), {});
  const std::string first_write = file_bytes(dir.file("source.onnx"));
  {
    const Graph mapped = read_onnx(dir.file("source.onnx"), {});
    ASSERT_NE(dynamic_cast<const MappedFile*>(mapped.constant("w")->buffer().get()), nullptr);
    write_onnx(mapped, dir.file("copy.onnx"), {});
    write_onnx(mapped, dir.file("copy.onnx"), {});  // replaces the file just written
    write_onnx(mapped, dir.file("source.onnx"), {});
  }
  EXPECT_EQ(file_bytes(dir.file("copy.onnx")), first_write);
  EXPECT_EQ(file_bytes(dir.file("source.onnx")), first_write);
}

TEST(OnnxWriter, ExternalDataIsAlignedAndReadsBack) {
  ScratchDir dir;
  Graph g = conv_graph(2);
  g.add_constant("w2", Tensor::from_vector<float>({1}, {0.5f}));
  g.outputs.push_back("w2");
  WriteOptions options;
  options.external_data = true;
  write_onnx(g, dir.file("m.onnx"), options);
  ASSERT_TRUE(std::filesystem::exists(dir.file("m.onnx.data")));
  const auto model = parse(dir.file("m.onnx"));
  ASSERT_EQ(model.graph().initializer_size(), 2);
  for (const auto& init : model.graph().initializer()) {
    EXPECT_EQ(init.data_location(), onnx::TensorProto::EXTERNAL);
    EXPECT_FALSE(init.has_raw_data());
    for (const auto& kv : init.external_data()) {
      if (kv.key() == "location") EXPECT_EQ(kv.value(), "m.onnx.data");
      if (kv.key() == "offset") EXPECT_EQ(std::stoll(kv.value()) % 4096, 0) << init.name();
    }
  }
  const Graph back = read_onnx(dir.file("m.onnx"), {});
  const Tensor* w = back.constant("w");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(dynamic_cast<const MappedFile*>(w->buffer().get()), nullptr);
  EXPECT_EQ(w->to_float_vector(), g.constant("w")->to_float_vector());
  EXPECT_EQ(back.constant("w2")->to_float_vector(), (std::vector<float>{0.5f}));
  EXPECT_EQ(std::filesystem::file_size(dir.file("m.onnx.data")), 4096u + 4u);
}

TEST(OnnxWriter, OpsetSevenListsInitializersAsInputs) {
  ScratchDir dir;
  WriteOptions options;
  options.opset = 7;
  write_onnx(conv_graph(1), dir.file("m.onnx"), options);  // passes the 1.12 checker
  const auto model = parse(dir.file("m.onnx"));
  EXPECT_EQ(model.ir_version(), 3);
  ASSERT_EQ(model.graph().input_size(), 2);
  EXPECT_EQ(model.graph().input(1).name(), "w");
  const Graph back = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(back.inputs, (std::vector<std::string>{"x"}));  // still a constant on read
}

TEST(OnnxWriter, NewOpsetsAreWrittenWithoutTheChecker) {
  ScratchDir dir;
  for (int opset : {18, 21}) {
    WriteOptions options;
    options.opset = opset;
    write_onnx(conv_graph(1), dir.file("m.onnx"), options);
    EXPECT_EQ(parse(dir.file("m.onnx")).opset_import(0).version(), opset);
  }
}

TEST(OnnxWriter, TheCheckerRunsOnWrittenModels) {
  ScratchDir dir;
  Graph g = pool_graph("MaxPool", 4, 4, window({2, 2}, {2, 2}));
  g.nodes[0].attrs.erase("kernel_shape");  // invalid ONNX: MaxPool requires it
  const std::string error = write_error(g, dir.file("m.onnx"), 13);
  EXPECT_NE(error.find("would fail the ONNX checker"), std::string::npos) << error;
  EXPECT_NE(error.find("kernel_shape"), std::string::npos) << error;
}

TEST(OnnxWriter, NoFileIsLeftWhenWritingFails) {
  ScratchDir dir;
  Attributes ceil = window({2, 2}, {2, 2});
  ceil.set("rounding", std::string("ceil"));
  write_error(pool_graph("MaxPool", 5, 5, ceil), dir.file("m.onnx"), 8);
  EXPECT_TRUE(std::filesystem::is_empty(dir.file("")));
}

}  // namespace
}  // namespace nnport
