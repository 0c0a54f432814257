// ONNX reader: whole files (names, constants, value infos, errors, weights without copies).
#include <gtest/gtest.h>

#include "formats/onnx/onnx_format.h"
#include "ir/error.h"
#include "onnx_test_util.h"

namespace nnport {
namespace {

using namespace onnx_test;

std::string read_error(const std::string& path) {
  try {
    read_onnx(path, {});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    return e.what();
  }
  return "no error";
}

// x (N x 3 x H x 8) -> MaxPool -> AveragePool -> y
onnx::ModelProto pool_model(int opset) {
  auto model = model_with_opset(opset);
  auto* g = model.mutable_graph();
  *g->add_input() = tensor_info("x", onnx::TensorProto::FLOAT, {"N", "3", "", "8"});
  *g->add_output() = tensor_info("y", onnx::TensorProto::FLOAT, {});
  auto* max = add_node(model, "MaxPool", {"x"}, {"m"});
  add_ints(max, "kernel_shape", {2, 2});
  auto* avg = add_node(model, "AveragePool", {"m"}, {"y"}, "avg");
  add_ints(avg, "kernel_shape", {3, 3});
  add_ints(avg, "pads", {1, 1, 1, 1});
  add_ints(avg, "strides", {2, 2});
  if (opset >= 10) add_int(avg, "ceil_mode", 1);
  add_int(avg, "count_include_pad", 1);
  return model;
}

TEST(OnnxReader, PoolAttributesBecomeRoundingAndDivisor) {
  ScratchDir dir;
  save(pool_model(10), dir.file("m.onnx"));
  const Graph g = read_onnx(dir.file("m.onnx"), {});
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& avg = g.nodes[1];
  EXPECT_EQ(avg.attrs.get_string("rounding", ""), "ceil");
  EXPECT_EQ(avg.attrs.get_string("divisor", ""), "padded");
  EXPECT_FALSE(avg.attrs.has("ceil_mode"));
  EXPECT_FALSE(avg.attrs.has("count_include_pad"));
  EXPECT_FALSE(g.nodes[0].attrs.has("rounding"));  // floor is the default
  EXPECT_EQ(g.metadata.at("onnx.opset"), "10");
}

TEST(OnnxReader, UnnamedNodesGetUniqueOpIndexNames) {
  ScratchDir dir;
  auto model = pool_model(9);
  auto* extra = add_node(model, "MaxPool", {"y"}, {"z"}, "avg");  // duplicate name
  add_ints(extra, "kernel_shape", {1, 1});
  save(model, dir.file("m.onnx"));
  const Graph g = read_onnx(dir.file("m.onnx"), {});
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "MaxPool_0");
  EXPECT_EQ(g.nodes[1].name, "avg");
  EXPECT_EQ(g.nodes[2].name, "avg_1");
}

TEST(OnnxReader, SymbolicDimsKeepTheirNames) {
  ScratchDir dir;
  save(pool_model(13), dir.file("m.onnx"));
  const Graph g = read_onnx(dir.file("m.onnx"), {});
  ASSERT_EQ(g.inputs, (std::vector<std::string>{"x"}));
  const Value& x = g.value("x");
  EXPECT_EQ(x.dtype, DType::Float32);
  EXPECT_EQ(x.shape.to_string(), "Nx3x?x8");
  EXPECT_EQ(g.value("y").shape.rank(), 0u);
  EXPECT_EQ(g.outputs, (std::vector<std::string>{"y"}));
}

TEST(OnnxReader, InitializersListedAsInputsAreConstants) {
  ScratchDir dir;
  auto model = pool_model(13);
  auto* g = model.mutable_graph();
  *g->add_input() = tensor_info("w", onnx::TensorProto::FLOAT, {"2"});
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  const float values[2] = {0.5f, -1.5f};
  w->set_raw_data(values, sizeof values);
  *g->add_output() = tensor_info("w", onnx::TensorProto::FLOAT, {"2"});
  save(model, dir.file("m.onnx"));
  const Graph graph = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(graph.inputs, (std::vector<std::string>{"x"}));
  const Tensor* t = graph.constant("w");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->to_float_vector(), (std::vector<float>{0.5f, -1.5f}));
  // The tensor views the raw_data bytes in the mapped model file, not a copy.
  EXPECT_NE(dynamic_cast<const MappedFile*>(t->buffer().get()), nullptr);
}

TEST(OnnxReader, AllUnsupportedOpsAreListedInOneError) {
  ScratchDir dir;
  auto model = pool_model(13);
  add_node(model, "NoSuchOpA", {"y"}, {"a"});
  add_node(model, "NoSuchOpB", {"a"}, {"b"}, "second");
  add_node(model, "FusedConv", {"b"}, {"c"}, "ms")->set_domain("com.microsoft");
  save(model, dir.file("m.onnx"));
  const std::string error = read_error(dir.file("m.onnx"));
  EXPECT_NE(error.find("3 unsupported ops"), std::string::npos) << error;
  EXPECT_NE(error.find("node 'NoSuchOpA_2' (NoSuchOpA)"), std::string::npos) << error;
  EXPECT_NE(error.find("node 'second' (NoSuchOpB)"), std::string::npos) << error;
  EXPECT_NE(error.find("node 'ms' (FusedConv) is in domain 'com.microsoft'"), std::string::npos)
      << error;
}

TEST(OnnxReader, OpsetsOutsideSevenToTwentyOneAreRefused) {
  ScratchDir dir;
  save(pool_model(6), dir.file("old.onnx"));
  EXPECT_NE(read_error(dir.file("old.onnx")).find("opset 6 is not supported"), std::string::npos);
  save(pool_model(22), dir.file("new.onnx"));
  EXPECT_NE(read_error(dir.file("new.onnx")).find("opset 22 is not supported"), std::string::npos);
}

TEST(OnnxReader, TruncatedAndCorruptFilesAreModelErrors) {
  ScratchDir dir;
  auto model = pool_model(13);
  auto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(256);
  w->set_raw_data(std::string(1024, '\1'));
  std::string bytes = model.SerializeAsString();
  // Cut inside the initializer's raw_data.
  const size_t cut = bytes.find(std::string(64, '\1')) + 10;
  {
    std::ofstream out(dir.file("cut.onnx"), std::ios::binary);
    out << bytes.substr(0, cut);
  }
  EXPECT_NE(read_error(dir.file("cut.onnx")).find("truncated or corrupt"), std::string::npos);
  {
    std::ofstream out(dir.file("junk.onnx"), std::ios::binary);
    out << "\xff\xff\xff\xff not a model";
  }
  EXPECT_NE(read_error(dir.file("junk.onnx")).find("junk.onnx"), std::string::npos);
  EXPECT_THROW(read_onnx(dir.file("missing.onnx"), {}), Error);
}

TEST(OnnxReader, RawDataSizeMismatchNamesTheInitializer) {
  ScratchDir dir;
  auto model = pool_model(13);
  auto* w = model.mutable_graph()->add_initializer();
  w->set_name("conv.weight");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_raw_data(std::string(12, '\0'));
  save(model, dir.file("m.onnx"));
  const std::string error = read_error(dir.file("m.onnx"));
  EXPECT_NE(error.find("m.onnx: initializer 'conv.weight': raw_data holds 12 bytes"),
            std::string::npos)
      << error;
}

TEST(OnnxReader, ExternalDataIsMappedFromBesideTheModel) {
  ScratchDir dir;
  auto model = pool_model(13);
  auto* w = model.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::INT64);
  w->add_dims(2);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value("m.onnx.data");
  *model.mutable_graph()->add_output() = tensor_info("w", onnx::TensorProto::INT64, {"2"});
  save(model, dir.file("m.onnx"));
  const int64_t values[2] = {7, -8};
  {
    std::ofstream out(dir.file("m.onnx.data"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(values), sizeof values);
  }
  const Graph g = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(g.constant("w")->to_int64_vector(), (std::vector<int64_t>{7, -8}));
  std::filesystem::resize_file(dir.file("m.onnx.data"), 12);
  EXPECT_NE(read_error(dir.file("m.onnx"))
                .find("initializer 'w': external data [0, 16) lies "
                      "outside"),
            std::string::npos);
}

TEST(OnnxReader, SniffRecognisesModelProtos) {
  ScratchDir dir;
  save(pool_model(13), dir.file("model.bin"));
  EXPECT_TRUE(sniff_onnx(dir.file("model.bin")));
  {
    std::ofstream out(dir.file("text.bin"));
    out << "name: \"x\"\n";
  }
  EXPECT_FALSE(sniff_onnx(dir.file("text.bin")));
  EXPECT_FALSE(sniff_onnx(dir.file("missing.bin")));
}

}  // namespace
}  // namespace nnport
