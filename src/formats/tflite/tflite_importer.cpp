#include "formats/tflite/tflite_importer.h"

#include <set>

#include "formats/tflite/tflite_format.h"
#include "ir/ops/tensor_infer.h"

namespace nnport::tflite {

namespace {

tfl::BuiltinOperator builtin_code(const tfl::OperatorCode& code) {
  // Files from before the extended field keep codes < 127 in the old byte field only.
  const auto extended = static_cast<int32_t>(code.builtin_code());
  return static_cast<tfl::BuiltinOperator>(
      std::max<int32_t>(extended, code.deprecated_builtin_code()));
}

std::string op_code_name(tfl::BuiltinOperator op) {
  const char* name = tfl::EnumNameBuiltinOperator(op);
  if (name && *name) return name;
  return fmt::format("BUILTIN_{}", static_cast<int32_t>(op));
}

bool is_quantizable(DType d) {
  return d == DType::Int8 || d == DType::UInt8 || d == DType::Int16 || d == DType::Int32 ||
         d == DType::Int64;
}

}  // namespace

Importer::Importer(File file) : file_(std::move(file)) {
  const auto* subgraphs = file_.model->subgraphs();
  if (!subgraphs || subgraphs->size() == 0)
    model_error("{}: the model has no subgraph", file_.path);
  subgraph_ = subgraphs->Get(0);
}

const tfl::Tensor& Importer::tensor(int32_t index) const {
  const auto* tensors = subgraph_->tensors();
  if (!tensors || index < 0 || static_cast<uint32_t>(index) >= tensors->size())
    model_error("{}: tensor index {} is out of range ({} tensors)", file_.path, index,
                tensors ? tensors->size() : 0);
  return *tensors->Get(index);
}

std::string Importer::tensor_label(int32_t index) const {
  const tfl::Tensor& t = tensor(index);
  return fmt::format("tensor #{} '{}'", index, t.name() ? t.name()->str() : "");
}

std::optional<Quantization> Importer::quantization(int32_t index) const {
  const tfl::Tensor& t = tensor(index);
  if (!is_quantizable(tensor_dtype(file_, t, tensor_label(index)))) return std::nullopt;
  return tensor_quantization(file_, t, tensor_label(index));
}

std::pair<std::string, std::string> Importer::quant_params(int32_t index, DType dtype) {
  if (auto it = quant_params_.find(index); it != quant_params_.end()) return it->second;
  const Quantization q = *quantization(index);
  const std::string& base = values_.at(index);
  const auto n = static_cast<int64_t>(q.scale.size());
  Tensor scale =
      q.per_axis() ? Tensor::from_vector<float>({n}, q.scale) : Tensor::scalar<float>(q.scale[0]);
  Tensor zero(dtype, q.per_axis() ? std::vector<int64_t>{n} : std::vector<int64_t>{});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t z = q.zero_point[i];
    switch (dtype) {
      case DType::Int8:
        if (z < -128 || z > 127)
          model_error("{}: {}: zero point {} is outside int8", file_.path, tensor_label(index), z);
        zero.mutable_data<int8_t>()[i] = static_cast<int8_t>(z);
        break;
      case DType::UInt8:
        if (z < 0 || z > 255)
          model_error("{}: {}: zero point {} is outside uint8", file_.path, tensor_label(index), z);
        zero.mutable_data<uint8_t>()[i] = static_cast<uint8_t>(z);
        break;
      case DType::Int16:
        if (z < -32768 || z > 32767)
          model_error("{}: {}: zero point {} is outside int16", file_.path, tensor_label(index), z);
        zero.mutable_data<int16_t>()[i] = static_cast<int16_t>(z);
        break;
      case DType::Int32:
        if (z < INT32_MIN || z > INT32_MAX)
          model_error("{}: {}: zero point {} is outside int32", file_.path, tensor_label(index), z);
        zero.mutable_data<int32_t>()[i] = static_cast<int32_t>(z);
        break;
      default:
        model_error("{}: {}: quantized {} is not supported", file_.path, tensor_label(index),
                    dtype_name(dtype));
    }
  }
  const std::string scale_name = graph_.unique_name(base + "/scale");
  graph_.add_constant(scale_name, std::move(scale));
  const std::string zero_name = graph_.unique_name(base + "/zero_point");
  graph_.add_constant(zero_name, std::move(zero));
  return quant_params_[index] = {scale_name, zero_name};
}

std::string Importer::float_value(int32_t index) {
  const std::string& raw = values_.at(index);
  const std::optional<Quantization> q = quantization(index);
  if (!q) return raw;
  if (auto it = float_views_.find(index); it != float_views_.end()) return it->second;
  const DType dtype = graph_.value(raw).dtype;
  std::string out = graph_.unique_name(raw + "/dequantized");
  if (dtype == DType::Int64) {
    // ONNX DequantizeLinear takes no int64; int64 (16x8 bias) constants are dequantized here,
    // with the same formula, in float32 as TFLite's reference does.
    const Tensor* data = graph_.constant(raw);
    if (!data)
      model_error("{}: {}: int64 quantized activations are not supported", file_.path,
                  tensor_label(index));
    const std::vector<int64_t> ints = data->to_int64_vector();
    std::vector<float> real(ints.size());
    int64_t inner = 1;
    for (size_t d = q->axis + 1; d < data->rank(); ++d)
      inner *= data->dims()[d];
    for (size_t i = 0; i < ints.size(); ++i) {
      const size_t c = q->per_axis() ? (i / inner) % q->scale.size() : 0;
      real[i] = static_cast<float>(ints[i] - q->zero_point[c]) * q->scale[c];
    }
    graph_.add_constant(out, Tensor::from_vector<float>(data->dims(), real));
  } else {
    auto [scale, zero] = quant_params(index, dtype);
    Node node;
    node.name = graph_.unique_name(raw + "/dequantize");
    node.op = "DequantizeLinear";
    node.inputs = {raw, scale, zero};
    node.outputs = {out};
    node.attrs.set("axis", q->axis);
    graph_.add_value(out);
    graph_.nodes.push_back(std::move(node));
  }
  float_views_[index] = out;
  return out;
}

void Importer::declare_tensors() {
  const auto* tensors = subgraph_->tensors();
  const size_t count = tensors ? tensors->size() : 0;
  values_.resize(count);
  for (size_t i = 0; i < count; ++i) {
    const tfl::Tensor& t = *tensors->Get(static_cast<uint32_t>(i));
    const std::string label = tensor_label(static_cast<int32_t>(i));
    std::string name = t.name() && t.name()->size() ? t.name()->str() : fmt::format("tensor_{}", i);
    if (graph_.has_value(name)) name = graph_.unique_name(name);
    values_[i] = name;
    const DType dtype = tensor_dtype(file_, t, label);
    if (std::optional<Tensor> data = tensor_constant(file_, t, label)) {
      graph_.add_constant(name, std::move(*data));
    } else {
      Value& v = graph_.add_value(name);
      v.dtype = dtype;
      std::vector<int64_t> dims = tensor_dims(t);
      for (int64_t d : dims)
        if (d < 0) model_error("{}: {}: negative dimension {}", file_.path, label, d);
      v.shape = Shape::from_sizes(dims);
    }
  }
}

void Importer::convert_operators() {
  const auto* codes = file_.model->operator_codes();
  const auto* ops = subgraph_->operators();
  if (!ops) return;
  // Every unsupported operator is listed in one error, custom ops by their custom name.
  std::vector<std::string> unsupported;
  std::vector<std::pair<ConvertFn, std::string>> plan;
  for (uint32_t i = 0; i < ops->size(); ++i) {
    const tfl::Operator& op = *ops->Get(i);
    if (!codes || op.opcode_index() >= codes->size())
      model_error("{}: operator #{}: opcode index {} is out of range", file_.path, i,
                  op.opcode_index());
    const tfl::OperatorCode& code = *codes->Get(op.opcode_index());
    const tfl::BuiltinOperator builtin = builtin_code(code);
    std::string name = op_code_name(builtin);
    if (builtin == tfl::BuiltinOperator::CUSTOM)
      name = fmt::format("custom '{}'", code.custom_code() ? code.custom_code()->str() : "");
    const ConvertFn fn =
        builtin == tfl::BuiltinOperator::CUSTOM ? nullptr : find_converter(builtin);
    if (!fn) {
      std::string out =
          op.outputs() && op.outputs()->size() ? tensor_label(op.outputs()->Get(0)) : "";
      unsupported.push_back(fmt::format("{} (operator #{}, output {})", name, i, out));
    }
    plan.emplace_back(fn, name);
  }
  if (!unsupported.empty())
    model_error("{}: {} unsupported TFLite operator(s): {}", file_.path, unsupported.size(),
                fmt::join(unsupported, "; "));
  for (uint32_t i = 0; i < ops->size(); ++i) {
    OpContext ctx(*this, *ops->Get(i), i, plan[i].second);
    plan[i].first(ctx);
    ctx.finish();
  }
}

Graph Importer::read() {
  graph_.name = file_.model->description() ? file_.model->description()->str() : "";
  graph_.metadata["source_format"] = "tflite";
  graph_.metadata["layout"] = "NHWC (TFLite)";
  declare_tensors();
  auto list = [&](const flatbuffers::Vector<int32_t>* indices, std::vector<std::string>& out,
                  const char* what) {
    if (!indices) return;
    for (int32_t index : *indices) {
      tensor(index);  // range check
      out.push_back(values_[index]);
    }
    (void)what;
  };
  list(subgraph_->inputs(), graph_.inputs, "input");
  list(subgraph_->outputs(), graph_.outputs, "output");
  for (const std::string& in : graph_.inputs)
    if (graph_.constant(in)) model_error("{}: graph input '{}' has constant data", file_.path, in);
  convert_operators();
  graph_.validate();
  return std::move(graph_);
}

OpContext::OpContext(Importer& importer, const tfl::Operator& op, size_t index, std::string op_name)
    : importer_(importer), op_(op), index_(index), op_name_(std::move(op_name)) {
  if (op.outputs() && op.outputs()->size() > 0)
    name_ = importer.graph().unique_name(importer.value_of(output_index(0)));
  else
    name_ = importer.graph().unique_name(fmt::format("{}_{}", op_name_, index));
}

size_t OpContext::input_count() const {
  return op_.inputs() ? op_.inputs()->size() : 0;
}

bool OpContext::has_input(size_t i) const {
  return i < input_count() && op_.inputs()->Get(static_cast<uint32_t>(i)) >= 0;
}

int32_t OpContext::input_index(size_t i) const {
  if (!has_input(i)) fail("input {} is missing", i);
  const int32_t index = op_.inputs()->Get(static_cast<uint32_t>(i));
  importer_.tensor(index);
  return index;
}

int32_t OpContext::output_index(size_t k) const {
  if (!op_.outputs() || k >= op_.outputs()->size()) fail("output {} is missing", k);
  const int32_t index = op_.outputs()->Get(static_cast<uint32_t>(k));
  importer_.tensor(index);
  return index;
}

const tfl::Tensor& OpContext::input_tensor(size_t i) const {
  return importer_.tensor(input_index(i));
}
const tfl::Tensor& OpContext::output_tensor(size_t k) const {
  return importer_.tensor(output_index(k));
}
std::vector<int64_t> OpContext::input_dims(size_t i) const {
  return tensor_dims(input_tensor(i));
}
std::vector<int64_t> OpContext::output_dims(size_t k) const {
  return tensor_dims(output_tensor(k));
}

std::string OpContext::input_float(size_t i) {
  return importer_.float_value(input_index(i));
}

const Tensor& OpContext::require_constant(size_t i, std::string_view what) const {
  const Tensor* t = importer_.graph().constant(importer_.value_of(input_index(i)));
  if (!t) fail("{} (input {}) must be a constant", what, i);
  return *t;
}

std::vector<int64_t> OpContext::constant_ints(size_t i, std::string_view what) const {
  const Tensor& t = require_constant(i, what);
  if (t.dtype() != DType::Int32 && t.dtype() != DType::Int64)
    fail("{} (input {}) is {}, expected int32 or int64", what, i, dtype_name(t.dtype()));
  return t.to_int64_vector();
}

std::optional<Quantization> OpContext::input_quantization(size_t i) const {
  return importer_.quantization(input_index(i));
}

std::string OpContext::output_float(size_t k) {
  const int32_t index = output_index(k);
  const std::string& raw = importer_.value_of(index);
  if (importer_.graph().constant(raw)) fail("output {} is a constant tensor", k);
  if (!importer_.quantization(index)) return raw;
  std::string temp = importer_.graph().unique_name(raw + "/float");
  pending_quantize_.emplace_back(temp, index);
  return temp;
}

void OpContext::finish() {
  for (const auto& [temp, index] : pending_quantize_) {
    const std::string& raw = importer_.value_of(index);
    const DType dtype = importer_.graph().value(raw).dtype;
    if (dtype == DType::Int32) {
      emit_int32_quantize(temp, index);
      continue;
    }
    if (dtype == DType::Int64)
      fail("output {} is a quantized int64, which nnport cannot produce", raw);
    auto [scale, zero] = importer_.quant_params(index, dtype);
    Attributes attrs;
    attrs.set("axis", importer_.quantization(index)->axis);
    emit("QuantizeLinear", {temp, scale, zero}, {raw}, std::move(attrs));
  }
  pending_quantize_.clear();
}

// ONNX QuantizeLinear has no int32 output (TFLite QUANTIZE int16 -> int32 has): the same
// formula spelled out, round_half_even(x / scale) + zero_point clamped to int32, in float32 as
// QuantizeLinear computes it.
void OpContext::emit_int32_quantize(const std::string& temp, int32_t index) {
  const Quantization q = *importer_.quantization(index);
  if (q.per_axis()) fail("per-axis int32 outputs are not supported");
  const std::string& raw = importer_.value_of(index);
  const std::string scaled =
      emit_temp("Div", {temp, add_constant(Tensor::scalar<float>(q.scale[0]), "int32_scale")});
  std::string rounded = emit_temp("Round", {scaled});
  if (q.zero_point[0] != 0)
    rounded = emit_temp(
        "Add", {rounded, add_constant(Tensor::scalar<float>(static_cast<float>(q.zero_point[0])),
                                      "int32_zero_point")});
  // 2147483520 is the largest float32 below 2^31.
  const std::string clipped =
      emit_temp("Clip", {rounded, add_constant(Tensor::scalar<float>(-2147483648.0f), "int32_min"),
                         add_constant(Tensor::scalar<float>(2147483520.0f), "int32_max")});
  Attributes attrs;
  attrs.set("to", std::string("int32"));
  emit("Cast", {clipped}, {raw}, std::move(attrs));
}

void OpContext::emit(const std::string& op, std::vector<std::string> inputs,
                     std::vector<std::string> outputs, Attributes attrs) {
  Graph& g = graph();
  Node node;
  node.name = emitted_++ == 0 ? name_ : g.unique_name(name_ + "/" + op);
  node.op = op;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attrs = std::move(attrs);
  for (const auto& out : node.outputs)
    g.add_value(out);
  g.nodes.push_back(std::move(node));
}

std::string OpContext::emit_temp(const std::string& op, std::vector<std::string> inputs,
                                 Attributes attrs, const std::string& suffix) {
  const std::string out = graph().unique_name(name_ + "/" + (suffix.empty() ? op : suffix));
  emit(op, std::move(inputs), {out}, std::move(attrs));
  return out;
}

std::string OpContext::add_constant(Tensor tensor, const std::string& suffix) {
  const std::string name = graph().unique_name(name_ + "/" + suffix);
  graph().add_constant(name, std::move(tensor));
  return name;
}

}  // namespace nnport::tflite

namespace nnport {

bool sniff_tflite(const std::string& path) {
  return tflite::has_tflite_identifier(path);
}

Graph read_tflite(const std::string& path, const ReadOptions& options) {
  if (!options.input_layout.empty() && options.input_layout != "NHWC")
    model_error(
        "{}: --input-layout {} is not supported for TFLite sources yet (they keep their "
        "NHWC inputs)",
        path, options.input_layout);
  tflite::Importer importer(tflite::open_file(path));
  return importer.read();
}

}  // namespace nnport
