// ONNX reader over a memory map: initializer raw_data is found by a wire walk and viewed in
// place; everything else must parse exactly as protobuf parses the whole file.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "formats/onnx/model_file.h"
#include "formats/onnx/onnx_format.h"
#include "ir/error.h"
#include "onnx_test_util.h"

namespace nnport {
namespace {

using namespace onnx_test;

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string float_bytes(std::initializer_list<float> values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

// x (1 x 2) + w -> y, with w a float initializer of shape [2].
onnx::ModelProto add_model(const std::string& raw_data) {
  auto model = model_with_opset(13);
  auto* g = model.mutable_graph();
  *g->add_input() = tensor_info("x", onnx::TensorProto::FLOAT, {"1", "2"});
  *g->add_output() = tensor_info("y", onnx::TensorProto::FLOAT, {});
  add_node(model, "Add", {"x", "w"}, {"y"});
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->set_raw_data(raw_data);
  return model;
}

std::string model_error_of(const std::string& path) {
  try {
    read_onnx(path, {});
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(OnnxMappedModel, RawDataIsViewedAtItsFileOffset) {
  ScratchDir dir;
  const std::string raw = float_bytes({0.25f, -3.0f});
  save(add_model(raw), dir.file("m.onnx"));
  onnx_format::MappedModel mapped;
  onnx_format::read_mapped_model(dir.file("m.onnx"), mapped);
  ASSERT_EQ(mapped.initializer_raw_data.size(), 1u);
  ASSERT_TRUE(mapped.initializer_raw_data[0].has_value());
  const auto& bytes = *mapped.initializer_raw_data[0];
  EXPECT_EQ(bytes.size, raw.size());
  EXPECT_EQ(file_bytes(dir.file("m.onnx")).substr(bytes.offset, bytes.size), raw);
  EXPECT_FALSE(mapped.model.graph().initializer(0).has_raw_data());
  EXPECT_EQ(mapped.model.graph().initializer(0).name(), "w");
  EXPECT_EQ(mapped.model.graph().node(0).op_type(), "Add");

  const Graph graph = read_onnx(dir.file("m.onnx"), {});
  const Tensor* w = graph.constant("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->to_float_vector(), (std::vector<float>{0.25f, -3.0f}));
  EXPECT_NE(dynamic_cast<const MappedFile*>(w->buffer().get()), nullptr);
}

TEST(OnnxMappedModel, LastRawDataFieldWinsAsInProtobuf) {
  ScratchDir dir;
  auto model = add_model(float_bytes({1.0f, 2.0f}));
  // A second raw_data field (9, length-delimited: tag 0x4a) appended to the initializer.
  auto* w = model.mutable_graph()->mutable_initializer(0);
  const std::string later = float_bytes({5.0f, 6.0f});
  w->mutable_unknown_fields()->AddLengthDelimited(9, later);
  save(model, dir.file("m.onnx"));
  onnx::ModelProto reference;
  ASSERT_TRUE(reference.ParseFromString(file_bytes(dir.file("m.onnx"))));
  ASSERT_EQ(reference.graph().initializer(0).raw_data(), later);
  const Graph graph = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(graph.constant("w")->to_float_vector(), (std::vector<float>{5.0f, 6.0f}));
}

TEST(OnnxMappedModel, RepeatedGraphFieldsMergeTheirInitializers) {
  ScratchDir dir;
  auto model = add_model(float_bytes({1.0f, 2.0f}));
  onnx::GraphProto second;
  auto* b = second.add_initializer();
  b->set_name("b");
  b->set_data_type(onnx::TensorProto::FLOAT);
  b->add_dims(1);
  b->add_float_data(7.0f);  // typed field: no raw_data to map
  auto* c = second.add_initializer();
  c->set_name("c");
  c->set_data_type(onnx::TensorProto::FLOAT);
  c->add_dims(1);
  c->set_raw_data(float_bytes({8.0f}));
  model.mutable_unknown_fields()->AddLengthDelimited(7, second.SerializeAsString());
  save(model, dir.file("m.onnx"));
  const Graph graph = read_onnx(dir.file("m.onnx"), {});
  EXPECT_EQ(graph.constant("w")->to_float_vector(), (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(graph.constant("b")->to_float_vector(), (std::vector<float>{7.0f}));
  EXPECT_EQ(graph.constant("c")->to_float_vector(), (std::vector<float>{8.0f}));
}

TEST(OnnxMappedModel, RawDataOfTheWrongSizeNamesTheInitializer) {
  ScratchDir dir;
  save(add_model(float_bytes({1.0f, 2.0f, 3.0f})), dir.file("m.onnx"));
  const std::string error = model_error_of(dir.file("m.onnx"));
  EXPECT_NE(error.find("m.onnx"), std::string::npos) << error;
  EXPECT_NE(error.find("initializer 'w': raw_data holds 12 bytes but shape [2] of float32 needs 8"),
            std::string::npos)
      << error;
}

TEST(OnnxMappedModel, LengthsBeyondTheFileAreCorruptWithTheirOffset) {
  ScratchDir dir;
  const auto model = add_model(float_bytes({1.0f, 2.0f}));
  const std::string good = model.SerializeAsString();
  // Every cut inside the file must be refused cleanly, never read past the mapping.
  for (size_t cut = 1; cut < good.size(); ++cut) {
    write_bytes(dir.file("cut.onnx"), good.substr(0, cut));
    try {
      read_onnx(dir.file("cut.onnx"), {});
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.onnx"), std::string::npos) << e.what();
      continue;
    }
    // A cut exactly between top-level fields leaves a shorter but valid message.
  }
  // The graph field (7) claiming more bytes than the file holds. Fields are serialized in
  // number order, so the graph's tag follows fields 1 to 6.
  onnx::ModelProto head = model;
  head.clear_graph();
  head.clear_opset_import();
  const size_t graph_tag = head.ByteSizeLong();
  std::string bad = good;
  ASSERT_EQ(bad[graph_tag], '\x3a');
  bad[graph_tag + 1] = '\x7f';
  bad.resize(graph_tag + 10);
  write_bytes(dir.file("long.onnx"), bad);
  const std::string error = model_error_of(dir.file("long.onnx"));
  EXPECT_NE(error.find("long.onnx: not a valid ONNX model (truncated or corrupt protobuf)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("field 7 at byte " + std::to_string(graph_tag)), std::string::npos) << error;
}

}  // namespace
}  // namespace nnport
