// ONNX -> IR. Initializer weights view the memory-mapped model file (or external data files);
// every node is upgraded from the file's opset to the IR form.
#include <filesystem>
#include <optional>
#include <set>

#include "formats/onnx/external_data.h"
#include "formats/onnx/model_file.h"
#include "formats/onnx/node_error.h"
#include "formats/onnx/onnx_format.h"
#include "formats/onnx/tensor_proto.h"
#include "formats/onnx/upgrade.h"
#include "ir/op_schema.h"

namespace nnport {

using namespace onnx_format;

namespace {

bool is_default_domain(const std::string& domain) {
  return domain.empty() || domain == "ai.onnx";
}

// The opset of the default domain, which must be one this reader upgrades from.
int default_opset(const onnx::ModelProto& model) {
  for (const auto& entry : model.opset_import())
    if (is_default_domain(entry.domain())) {
      const int64_t v = entry.version();
      if (v < kMinReadOpset || v > kMaxReadOpset)
        model_error("opset {} is not supported (ONNX opsets {} to {} are)", v, kMinReadOpset,
                    kMaxReadOpset);
      return static_cast<int>(v);
    }
  model_error("the model imports no opset of the default ONNX domain");
}

class GraphBuilder {
 public:
  GraphBuilder(MappedModel& mapped, const std::string& path)
      : mapped_(mapped),
        model_(mapped.model),
        proto_(*mapped.model.mutable_graph()),
        external_(std::filesystem::path(path).parent_path().string()) {}

  Graph build() {
    const int opset = default_opset(model_);
    graph_.name = proto_.name();
    graph_.metadata["source_format"] = "onnx";
    graph_.metadata["onnx.opset"] = std::to_string(opset);
    if (!model_.producer_name().empty())
      graph_.metadata["producer"] =
          model_.producer_name() +
          (model_.producer_version().empty() ? "" : " " + model_.producer_version());
    if (proto_.sparse_initializer_size() > 0)
      model_error("sparse initializers ('{}') are not supported",
                  proto_.sparse_initializer(0).values().name());
    read_initializers();
    read_value_infos();
    name_nodes();
    check_ops_supported();
    read_nodes(opset);
    for (const auto& output : proto_.output())
      graph_.outputs.push_back(output.name());
    return std::move(graph_);
  }

 private:
  ExternalDataLoader loader_for(const std::string& what) {
    return [this, what](const onnx::TensorProto& p, DType dtype, const std::vector<int64_t>& dims) {
      return external_.load(p, dtype, dims, what);
    };
  }

  void read_initializers() {
    for (int i = 0; i < proto_.initializer_size(); ++i) {
      onnx::TensorProto& proto = *proto_.mutable_initializer(i);
      const std::string name = proto.name();
      const std::string what = "initializer '" + name + "'";
      if (name.empty()) model_error("an initializer has no name");
      if (graph_.has_value(name)) model_error("{} is defined twice", what);
      std::optional<MappedRawData> raw_data;
      if (const auto& bytes = mapped_.initializer_raw_data[i])
        raw_data = MappedRawData{mapped_.file, bytes->offset, bytes->size};
      graph_.add_constant(
          name, tensor_from_proto(proto, what, loader_for(what), raw_data ? &*raw_data : nullptr));
      proto.Clear();  // the tensor now owns the bytes; drop the rest early
    }
  }

  void apply_value_info(const onnx::ValueInfoProto& info, const char* kind) {
    if (info.name().empty()) model_error("a graph {} has no name", kind);
    Value& value = graph_.add_value(info.name());
    if (!info.has_type()) return;
    if (!info.type().has_tensor_type())
      model_error("{} '{}': only tensor values are supported", kind, info.name());
    const auto& type = info.type().tensor_type();
    if (type.elem_type() != 0) {
      const DType dtype = dtype_from_onnx(type.elem_type());
      if (dtype == DType::Undefined)
        model_error("{} '{}': element type {} is not supported", kind, info.name(),
                    onnx_type_name(type.elem_type()));
      if (value.constant && dtype != value.dtype)
        model_error("{} '{}' is declared {} but its initializer is {}", kind, info.name(),
                    dtype_name(dtype), dtype_name(value.dtype));
      value.dtype = dtype;
    }
    if (!type.has_shape() || value.constant) return;
    std::vector<Dim> dims;
    for (const auto& d : type.shape().dim()) {
      if (d.has_dim_value()) {
        if (d.dim_value() < 0)
          model_error("{} '{}' has negative dimension {}", kind, info.name(), d.dim_value());
        dims.emplace_back(d.dim_value());
      } else if (d.has_dim_param() && !d.dim_param().empty()) {
        dims.push_back(Dim::named(d.dim_param()));
      } else {
        dims.emplace_back();
      }
    }
    value.shape = Shape(std::move(dims));
  }

  void read_value_infos() {
    // ONNX IR version 4+: a graph input that also has an initializer is a constant.
    for (const auto& input : proto_.input()) {
      apply_value_info(input, "input");
      if (!graph_.find_value(input.name())->constant) graph_.inputs.push_back(input.name());
    }
    for (const auto& output : proto_.output())
      apply_value_info(output, "output");
    for (const auto& info : proto_.value_info())
      apply_value_info(info, "value_info");
  }

  // Node names must be unique and non-empty in the IR: unnamed nodes become OP_INDEX.
  void name_nodes() {
    std::set<std::string> used;
    for (const auto& node : proto_.node())
      taken_.insert(node.name());
    for (int i = 0; i < proto_.node_size(); ++i) {
      auto& node = *proto_.mutable_node(i);
      std::string name = node.name();
      if (name.empty() || used.count(name)) {
        const std::string base = name.empty() ? node.op_type() + "_" + std::to_string(i) : name;
        name = base;
        for (int k = 1; used.count(name) || (name != node.name() && taken_.count(name)); ++k)
          name = base + "_" + std::to_string(k);
      }
      used.insert(name);
      taken_.insert(name);
      node.set_name(name);
      for (const auto& v : node.input())
        taken_.insert(v);
      for (const auto& v : node.output())
        taken_.insert(v);
    }
  }

  void check_ops_supported() {
    std::vector<std::string> problems;
    for (const auto& node : proto_.node()) {
      if (!is_default_domain(node.domain()))
        problems.push_back(fmt::format("node '{}' ({}) is in domain '{}'", node.name(),
                                       node.op_type(), node.domain()));
      else if (!find_schema(ir_op_for(node.op_type())))
        problems.push_back(fmt::format("node '{}' ({})", node.name(), node.op_type()));
    }
    if (!problems.empty())
      model_error("{} unsupported op{}: {}", problems.size(), problems.size() == 1 ? "" : "s",
                  fmt::join(problems, "; "));
  }

  AttrValue attribute_value(onnx::AttributeProto& a, const std::string& what) {
    using A = onnx::AttributeProto;
    A::AttributeType type = a.type();
    if (type == A::UNDEFINED) {
      // Files older than IR version 2 leave the type implicit in which field is set.
      if (a.has_f()) type = A::FLOAT;
      if (a.has_i()) type = A::INT;
      if (a.has_s()) type = A::STRING;
      if (a.has_t()) type = A::TENSOR;
      if (a.floats_size()) type = A::FLOATS;
      if (a.ints_size()) type = A::INTS;
      if (a.strings_size()) type = A::STRINGS;
    }
    switch (type) {
      case A::FLOAT:
        return a.f();
      case A::INT:
        return a.i();
      case A::STRING:
        return a.s();
      case A::TENSOR:
        return tensor_from_proto(*a.mutable_t(), what, loader_for(what));
      case A::FLOATS:
        return std::vector<float>(a.floats().begin(), a.floats().end());
      case A::INTS:
        return std::vector<int64_t>(a.ints().begin(), a.ints().end());
      case A::STRINGS:
        return std::vector<std::string>(a.strings().begin(), a.strings().end());
      default:
        model_error("{} has type {}, which is not supported (subgraphs, sparse tensors, types)",
                    what, A::AttributeType_Name(type));
    }
  }

  Node node_from_proto(onnx::NodeProto& proto) {
    Node node{proto.name(), proto.op_type(), {}, {}, {}};
    node.inputs.assign(proto.input().begin(), proto.input().end());
    node.outputs.assign(proto.output().begin(), proto.output().end());
    for (auto& attr : *proto.mutable_attribute()) {
      const std::string what =
          fmt::format("node '{}' ({}): attribute '{}'", node.name, node.op, attr.name());
      if (!attr.ref_attr_name().empty()) model_error("{} refers to a function attribute", what);
      if (node.attrs.has(attr.name())) model_error("{} is given twice", what);
      node.attrs.set(attr.name(), attribute_value(attr, what));
    }
    return node;
  }

  void read_nodes(int opset) {
    UpgradeContext ctx(graph_, opset, std::move(taken_));
    for (auto& proto : *proto_.mutable_node()) {
      Node node = node_from_proto(proto);
      const std::string name = node.name, op = node.op;
      try {
        upgrade_node(std::move(node), ctx);
      } catch (const Error& e) {
        if (std::string(e.what()).rfind("node '", 0) == 0) throw;
        rethrow_with_context(e, fmt::format("node '{}' ({}): ", name, op));
      }
    }
  }

  MappedModel& mapped_;
  onnx::ModelProto& model_;
  onnx::GraphProto& proto_;
  ExternalDataReader external_;
  Graph graph_;
  std::set<std::string> taken_;
};

}  // namespace

bool sniff_onnx(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  unsigned char head[4] = {};
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  // A serializer writes ModelProto.ir_version (field 1, varint: tag 0x08) first, a small
  // number, then another ModelProto field: producer_name 0x12, graph 0x3a, opset_import 0x42...
  if (n < 3 || head[0] != 0x08 || head[1] == 0 || head[1] > 20) return false;
  for (unsigned char tag : {0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72})
    if (head[2] == tag) return true;
  return false;
}

Graph read_onnx(const std::string& path, const ReadOptions& options) {
  MappedModel mapped;
  read_mapped_model(path, mapped);
  try {
    return GraphBuilder(mapped, path).build();
  } catch (const Error& e) {
    rethrow_with_context(e, path + ": ");
  }
}

}  // namespace nnport
