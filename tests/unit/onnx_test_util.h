// Helpers for the ONNX reader/writer tests: hand-built ModelProtos and a scratch folder.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "formats/onnx/model_file.h"

namespace nnport::onnx_test {

// A fresh folder per test, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("nnport_onnx_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A written .onnx file parsed back, to check what the writer put in it.
inline onnx::ModelProto parse(const std::string& path) {
  onnx::ModelProto model;
  onnx_format::parse_proto_file(path, model, "ONNX model");
  return model;
}

inline const onnx::AttributeProto* find_attr(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

inline void save(const google::protobuf::Message& message, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  ASSERT_TRUE(message.SerializeToOstream(&out));
}

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A dim given as a number is known; as a non-numeric string it is symbolic; "" is unknown.
inline onnx::ValueInfoProto tensor_info(const std::string& name, int32_t elem_type,
                                        const std::vector<std::string>& dims) {
  onnx::ValueInfoProto info;
  info.set_name(name);
  auto* t = info.mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* shape = t->mutable_shape();
  for (const auto& d : dims) {
    auto* dim = shape->add_dim();
    if (d.empty()) continue;
    if (std::isdigit(static_cast<unsigned char>(d[0])))
      dim->set_dim_value(std::stoll(d));
    else
      dim->set_dim_param(d);
  }
  return info;
}

inline onnx::ModelProto model_with_opset(int opset) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.set_producer_name("test");
  auto* import = model.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  model.mutable_graph()->set_name("g");
  return model;
}

inline onnx::NodeProto* add_node(onnx::ModelProto& model, const std::string& op,
                                 const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& outputs,
                                 const std::string& name = "") {
  auto* node = model.mutable_graph()->add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const auto& i : inputs)
    node->add_input(i);
  for (const auto& o : outputs)
    node->add_output(o);
  return node;
}

inline void add_ints(onnx::NodeProto* node, const std::string& name,
                     const std::vector<int64_t>& values) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values)
    a->add_ints(v);
}

inline void add_int(onnx::NodeProto* node, const std::string& name, int64_t value) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

inline void add_float(onnx::NodeProto* node, const std::string& name, float value) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

inline void add_floats(onnx::NodeProto* node, const std::string& name,
                       const std::vector<float>& values) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float v : values)
    a->add_floats(v);
}

}  // namespace nnport::onnx_test
