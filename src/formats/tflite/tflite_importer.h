// What an op converter sees while the TFLite reader turns one operator into IR nodes.
//
// Every TFLite tensor becomes an IR value of its own dtype (quantized tensors stay integers).
// Converters work in float: input_float(i) is the tensor itself, or a DequantizeLinear of it
// when it is quantized; output_float(k) names where the float result goes, and a QuantizeLinear
// with the output tensor's parameters is added after the converter when the output is quantized
// (QDQ form). Values keep TFLite's NHWC layout except inside the ops that need NCHW, which are
// wrapped in Transposes for the sink_transposes pass to cancel, as the TensorFlow reader does.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "formats/tflite/tflite_file.h"
#include "ir/error.h"
#include "ir/graph.h"

namespace nnport::tflite {

class Importer {
 public:
  explicit Importer(File file);
  Graph read();

  const File& file() const { return file_; }
  Graph& graph() { return graph_; }
  const tfl::SubGraph& subgraph() const { return *subgraph_; }
  const tfl::Tensor& tensor(int32_t index) const;
  const std::string& value_of(int32_t index) const { return values_.at(index); }
  std::string tensor_label(int32_t index) const;
  std::optional<Quantization> quantization(int32_t index) const;
  // The tensor as a float IR value (dequantized once, on first use).
  std::string float_value(int32_t index);
  // Adds a scale / zero point pair for a QuantizeLinear or DequantizeLinear of `index`.
  std::pair<std::string, std::string> quant_params(int32_t index, DType dtype);

 private:
  void declare_tensors();
  void convert_operators();

  File file_;
  const tfl::SubGraph* subgraph_ = nullptr;
  Graph graph_;
  std::vector<std::string> values_;  // IR value per tensor index
  std::map<int32_t, std::string> float_views_;
  std::map<int32_t, std::pair<std::string, std::string>> quant_params_;
};

class OpContext {
 public:
  OpContext(Importer& importer, const tfl::Operator& op, size_t index, std::string op_name);

  const std::string& name() const { return name_; }
  const std::string& op_name() const { return op_name_; }
  const tfl::Operator& op() const { return op_; }
  Importer& importer() { return importer_; }
  Graph& graph() { return importer_.graph(); }

  size_t input_count() const;
  bool has_input(size_t i) const;
  int32_t input_index(size_t i) const;
  int32_t output_index(size_t k) const;
  const tfl::Tensor& input_tensor(size_t i) const;
  const tfl::Tensor& output_tensor(size_t k) const;
  std::vector<int64_t> input_dims(size_t i) const;
  std::vector<int64_t> output_dims(size_t k) const;
  std::string input_float(size_t i);
  // A constant input's data (integers as stored, not dequantized); model error when not constant.
  const Tensor& require_constant(size_t i, std::string_view what) const;
  std::vector<int64_t> constant_ints(size_t i, std::string_view what) const;
  std::optional<Quantization> input_quantization(size_t i) const;
  // The IR value the float result of output k must be written to.
  std::string output_float(size_t k);
  // Adds the QuantizeLinear nodes of quantized outputs; called once after the converter.
  void finish();

  void emit(const std::string& op, std::vector<std::string> inputs,
            std::vector<std::string> outputs, Attributes attrs = {});
  std::string emit_temp(const std::string& op, std::vector<std::string> inputs,
                        Attributes attrs = {}, const std::string& suffix = "");
  std::string add_constant(Tensor tensor, const std::string& suffix);

  template <typename Options>
  const Options& options() const {
    const auto* o = op_.builtin_options_as<Options>();
    if (!o) fail("builtin options are missing or of the wrong kind");
    return *o;
  }

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("{}: node '{}' ({}, operator #{}): {}", importer_.file().path, name_, op_name_,
                index_, fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  void emit_int32_quantize(const std::string& temp, int32_t index);

  Importer& importer_;
  const tfl::Operator& op_;
  size_t index_;
  std::string op_name_;
  std::string name_;
  int emitted_ = 0;
  std::vector<std::pair<std::string, int32_t>> pending_quantize_;
};

using ConvertFn = void (*)(OpContext&);

struct OpConverter {
  tfl::BuiltinOperator op;
  ConvertFn convert;
};

std::span<const OpConverter> conv_converters();     // ops_conv.cpp
std::span<const OpConverter> math_converters();     // ops_math.cpp
std::span<const OpConverter> tensor_converters();   // ops_tensor.cpp
ConvertFn find_converter(tfl::BuiltinOperator op);  // op_table.cpp

// Helpers shared by the converters (ops_common.cpp).
std::vector<int64_t> to_nchw_perm();
std::vector<int64_t> to_nhwc_perm();
std::string to_nchw(OpContext& c, const std::string& value);
// Applies a fused activation to `in`, writing `out` (an Identity when there is none).
void emit_fused_activation(OpContext& c, tfl::ActivationFunctionType act, const std::string& in,
                           const std::string& out);
std::string int64_constant(OpContext& c, const std::vector<int64_t>& values,
                           const std::string& suffix);
std::string float_scalar(OpContext& c, float value, const std::string& suffix);
// A constant weight tensor permuted once at conversion time, dequantized in the IR when
// quantized (`axis` is where the per-axis scales end up after the permutation).
std::string weight_value(OpContext& c, size_t input, const std::vector<int64_t>& perm);

}  // namespace nnport::tflite
