// IR -> ONNX. Nodes are downgraded to the target opset (downgrade.h), the non-weight part of the
// model is built and serialized by protobuf, and each initializer's bytes are streamed straight
// from its buffer behind hand-written field framing (proto_wire.h), so no second in-memory copy
// of the weights is ever made.
#include <onnx/checker.h>

#include <filesystem>
#include <set>

#include "formats/common/output_files.h"
#include "formats/onnx/downgrade.h"
#include "formats/onnx/external_data.h"
#include "formats/onnx/onnx_format.h"
#include "formats/onnx/proto_wire.h"
#include "formats/onnx/tensor_proto.h"
#include "ir/error.h"

namespace nnport {

using namespace onnx_format;

namespace {

// Field numbers from onnx.proto.
constexpr uint32_t kModelGraphField = 7;
constexpr uint32_t kGraphInitializerField = 5;
constexpr uint32_t kTensorRawDataField = 9;
// protobuf refuses messages of 2 GB or more.
constexpr uint64_t kProtobufLimit = (uint64_t{1} << 31) - 1;
// The newest opset the onnx::checker of libonnx 1.12 knows.
constexpr int kNewestCheckedOpset = 17;

// The IR version that goes with each opset (ONNX's versioning table).
int64_t ir_version_for(int opset) {
  if (opset <= 8) return 3;
  if (opset == 9) return 4;
  if (opset == 10) return 5;
  if (opset == 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

void set_value_type(onnx::ValueInfoProto& info, DType dtype, const Shape& shape) {
  if (dtype == DType::Undefined) return;
  auto* tensor_type = info.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(dtype_to_onnx(dtype));
  if (!shape.rank_known) return;
  auto* proto_shape = tensor_type->mutable_shape();
  for (const Dim& d : shape.dims) {
    auto* dim = proto_shape->add_dim();
    if (d.known())
      dim->set_dim_value(d.size);
    else if (!d.symbol.empty())
      dim->set_dim_param(d.symbol);
  }
}

onnx::ValueInfoProto value_info(const Graph& graph, const std::string& name) {
  onnx::ValueInfoProto info;
  info.set_name(name);
  if (const Value* v = graph.find_value(name)) set_value_type(info, v->dtype, v->shape);
  return info;
}

void set_attribute(onnx::AttributeProto& proto, const AttrValue& value) {
  using A = onnx::AttributeProto;
  struct Visitor {
    A& a;
    void operator()(int64_t v) const { a.set_type(A::INT), a.set_i(v); }
    void operator()(float v) const { a.set_type(A::FLOAT), a.set_f(v); }
    void operator()(const std::string& v) const { a.set_type(A::STRING), a.set_s(v); }
    void operator()(const std::vector<int64_t>& v) const {
      a.set_type(A::INTS);
      for (int64_t x : v)
        a.add_ints(x);
    }
    void operator()(const std::vector<float>& v) const {
      a.set_type(A::FLOATS);
      for (float x : v)
        a.add_floats(x);
    }
    void operator()(const std::vector<std::string>& v) const {
      a.set_type(A::STRINGS);
      for (const auto& x : v)
        a.add_strings(x);
    }
    void operator()(const Tensor& t) const {
      a.set_type(A::TENSOR);
      *a.mutable_t() = tensor_to_proto(t, "");
    }
  };
  std::visit(Visitor{proto}, value);
}

bool is_empty_list(const AttrValue& value) {
  if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) return v->empty();
  if (const auto* v = std::get_if<std::vector<float>>(&value)) return v->empty();
  if (const auto* v = std::get_if<std::vector<std::string>>(&value)) return v->empty();
  return false;
}

void add_node(onnx::GraphProto& graph, const Node& node) {
  auto* proto = graph.add_node();
  proto->set_name(node.name);
  proto->set_op_type(node.op);
  for (const auto& in : node.inputs)
    proto->add_input(in);
  for (const auto& out : node.outputs)
    proto->add_output(out);
  for (const auto& [name, value] : node.attrs.all()) {
    // An empty list in the IR means "the default"; ONNX spells that by omission.
    if (is_empty_list(value)) continue;
    auto* attr = proto->add_attribute();
    attr->set_name(name);
    set_attribute(*attr, value);
  }
}

struct Initializer {
  std::string name;
  const Tensor* tensor = nullptr;
  onnx::TensorProto header;  // no data; external references when stored outside
  bool external = false;

  uint64_t message_size() const {
    const uint64_t header_size = header.ByteSizeLong();
    if (external) return header_size;
    return header_size + field_header_size(kTensorRawDataField, tensor->byte_size()) +
           tensor->byte_size();
  }
};

class OnnxWriter {
 public:
  OnnxWriter(const Graph& graph, const std::string& path, const WriteOptions& options)
      : graph_(graph), path_(path), options_(options) {}

  void write() {
    const int opset = options_.opset;
    if (opset < kMinWriteOpset || opset > kMaxWriteOpset)
      usage_error("ONNX opset {} cannot be written (choose {} to {})", opset, kMinWriteOpset,
                  kMaxWriteOpset);
    lowered_ = downgrade_graph(graph_, opset);
    build_skeleton(opset);
    collect_initializers();
    decide_external_data();
    if (opset <= kNewestCheckedOpset) run_checker();
    OutputFiles files;
    const std::string model_temp = files.add(path_);
    if (external_) write_external_data(files.add(path_ + ".data"));
    write_model(model_temp);
    files.commit();
  }

 private:
  void build_skeleton(int opset) {
    model_head_.set_ir_version(ir_version_for(opset));
    model_head_.set_producer_name("nnport");
    model_head_.set_producer_version("0.1.0");
    auto* import = model_tail_.add_opset_import();
    import->set_domain("");
    import->set_version(opset);
    graph_head_.set_name(graph_.name.empty() ? "nnport" : graph_.name);
    for (const Node& node : lowered_.nodes)
      add_node(graph_head_, node);
    for (const auto& name : graph_.inputs)
      *graph_tail_.add_input() = value_info(graph_, name);
    for (const auto& name : graph_.outputs)
      *graph_tail_.add_output() = value_info(graph_, name);
  }

  const Tensor* constant(const std::string& name) const {
    if (const Tensor* t = graph_.constant(name)) return t;
    auto it = lowered_.constants.find(name);
    return it == lowered_.constants.end() ? nullptr : &it->second;
  }

  // Constants some written node or graph output reads, in name order.
  void collect_initializers() {
    std::set<std::string> used;
    for (const Node& node : lowered_.nodes)
      for (const auto& in : node.inputs)
        if (!in.empty() && constant(in)) used.insert(in);
    for (const auto& out : graph_.outputs)
      if (constant(out)) used.insert(out);
    for (const auto& name : used) {
      const Tensor* t = constant(name);
      initializers_.push_back({name, t, tensor_header(*t, name), false});
      // IR version 3 lists every initializer among the graph inputs as well.
      if (model_head_.ir_version() < 4) {
        auto* info = graph_tail_.add_input();
        info->set_name(name);
        set_value_type(*info, t->dtype(), t->shape());
      }
    }
  }

  void decide_external_data() {
    uint64_t total = model_head_.ByteSizeLong() + model_tail_.ByteSizeLong() +
                     graph_head_.ByteSizeLong() + graph_tail_.ByteSizeLong();
    for (const auto& init : initializers_)
      total += init.message_size() + 16;
    external_ = options_.external_data || total > kProtobufLimit;
    if (!external_) return;
    const std::string location = std::filesystem::path(path_).filename().string() + ".data";
    for (auto& init : initializers_) {
      if (init.tensor->byte_size() == 0) continue;
      layout_.add(init.tensor->byte_size());
      set_external_reference(init.header, location, layout_.entries.back());
      init.external = true;
    }
  }

  // The checker sees the model with a one-byte stand-in for each weight's bytes (it checks
  // structure, not byte counts), so checking never copies the weights.
  void run_checker() const {
    onnx::ModelProto model = model_head_;
    model.MergeFrom(model_tail_);
    auto* graph = model.mutable_graph();
    *graph = graph_head_;
    graph->MergeFrom(graph_tail_);
    // libonnx 1.12's checker wants a shape on every graph input and output, but a value of
    // unknown rank has none to give (ONNX Runtime accepts the omission); check the rest.
    for (auto* infos : {graph->mutable_input(), graph->mutable_output()})
      for (auto& info : *infos)
        if (info.type().has_tensor_type() && !info.type().tensor_type().has_shape())
          info.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (const auto& init : initializers_) {
      auto* t = graph->add_initializer();
      *t = init.header;
      t->clear_external_data();
      t->clear_data_location();
      if (init.tensor->byte_size() > 0) t->set_raw_data(std::string(1, '\0'));
    }
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      model_error("{}: the written model would fail the ONNX checker: {}", path_, e.what());
    }
  }

  void write_external_data(const std::string& temp_path) const {
    WireWriter out(temp_path);
    size_t entry = 0;
    for (const auto& init : initializers_) {
      if (!init.external) continue;
      const auto& place = layout_.entries[entry++];
      out.zeros(place.offset - out.position());
      out.bytes(init.tensor->raw(), init.tensor->byte_size());
    }
    out.close();
  }

  void write_model(const std::string& temp_path) const {
    // Each part is serialized on its own; protobuf merges repeated and split fields, so the
    // concatenation parses as one ModelProto with fields in field-number order.
    const std::string model_head = model_head_.SerializeAsString();
    const std::string model_tail = model_tail_.SerializeAsString();
    const std::string graph_head = graph_head_.SerializeAsString();
    const std::string graph_tail = graph_tail_.SerializeAsString();
    uint64_t graph_size = graph_head.size() + graph_tail.size();
    for (const auto& init : initializers_)
      graph_size +=
          field_header_size(kGraphInitializerField, init.message_size()) + init.message_size();
    if (!external_ && graph_size > kProtobufLimit)
      model_error("{}: the model exceeds protobuf's 2 GB limit", path_);

    WireWriter out(temp_path);
    out.bytes(model_head);
    out.field_header(kModelGraphField, graph_size);
    out.bytes(graph_head);
    for (const auto& init : initializers_) {
      out.field_header(kGraphInitializerField, init.message_size());
      out.bytes(init.header.SerializeAsString());
      if (init.external) continue;
      out.field_header(kTensorRawDataField, init.tensor->byte_size());
      out.bytes(init.tensor->raw(), init.tensor->byte_size());
    }
    out.bytes(graph_tail);
    out.bytes(model_tail);
    out.close();
  }

  const Graph& graph_;
  const std::string path_;
  const WriteOptions& options_;
  LoweredGraph lowered_;
  onnx::ModelProto model_head_, model_tail_;  // fields before and after `graph`
  onnx::GraphProto graph_head_, graph_tail_;  // fields before and after `initializer`
  std::vector<Initializer> initializers_;
  bool external_ = false;
  ExternalLayout layout_;
};

}  // namespace

void write_onnx(const Graph& graph, const std::string& path, const WriteOptions& options) {
  OnnxWriter(graph, path, options).write();
}

}  // namespace nnport
