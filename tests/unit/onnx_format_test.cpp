// The ONNX entry of the format table: choosing it by name, extension and content.
#include <gtest/gtest.h>

#include "formats/format.h"
#include "ir/error.h"
#include "onnx_test_util.h"

namespace nnport {
namespace {

using namespace onnx_test;

TEST(OnnxFormat, ChosenByNameExtensionOrContent) {
  ScratchDir dir;
  EXPECT_EQ(format_for_path("a/b/Model.ONNX", "", false).name, "onnx");
  EXPECT_EQ(format_for_path("out.onnx", "", true).name, "onnx");
  EXPECT_EQ(format_for_path("whatever.bin", "onnx", true).name, "onnx");
  auto model = model_with_opset(13);
  save(model, dir.file("model.bin"));
  EXPECT_EQ(format_for_path(dir.file("model.bin"), "", false).name, "onnx");
  try {
    format_for_path(dir.file("model.bin"), "", true);
    ADD_FAILURE() << "an output without extension was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
  }
  try {
    format_for_path("x.onnx", "no-such-format", false);
    ADD_FAILURE() << "unknown --from accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("no-such-format"), std::string::npos);
  }
}

TEST(OnnxFormat, LoadModelRunsThePassesAndCutsOutputs) {
  ScratchDir dir;
  auto model = model_with_opset(13);
  auto* g = model.mutable_graph();
  *g->add_input() = tensor_info("x", onnx::TensorProto::FLOAT, {"N", "1", "4", "4"});
  *g->add_output() = tensor_info("z", onnx::TensorProto::FLOAT, {});
  add_ints(add_node(model, "MaxPool", {"x"}, {"y"}), "kernel_shape", {2, 2});
  add_ints(add_node(model, "MaxPool", {"y"}, {"z"}), "kernel_shape", {2, 2});
  save(model, dir.file("m.onnx"));

  ReadOptions options;
  options.input_dims["x"] = {2, 1, 4, 4};
  const Graph full = load_model(dir.file("m.onnx"), "", options);
  EXPECT_EQ(full.value("z").shape.to_string(), "2x1x2x2");  // shapes inferred by the passes

  options.outputs = {"y"};
  const Graph cut = load_model(dir.file("m.onnx"), "", options);
  EXPECT_EQ(cut.nodes.size(), 1u);
  EXPECT_EQ(cut.outputs, (std::vector<std::string>{"y"}));
  options.outputs = {"nope"};
  EXPECT_THROW(load_model(dir.file("m.onnx"), "", options), Error);
}

}  // namespace
}  // namespace nnport
