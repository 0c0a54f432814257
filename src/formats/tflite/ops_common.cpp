// Helpers shared by the TFLite op converters.
#include "formats/tensorflow/tf_tensor.h"
#include "formats/tflite/tflite_importer.h"

namespace nnport::tflite {

std::vector<int64_t> to_nchw_perm() {
  return {0, 3, 1, 2};
}
std::vector<int64_t> to_nhwc_perm() {
  return {0, 2, 3, 1};
}

std::string to_nchw(OpContext& c, const std::string& value) {
  Attributes attrs;
  attrs.set("perm", to_nchw_perm());
  return c.emit_temp("Transpose", {value}, std::move(attrs), "to_nchw");
}

std::string int64_constant(OpContext& c, const std::vector<int64_t>& values,
                           const std::string& suffix) {
  return c.add_constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values),
                        suffix);
}

std::string float_scalar(OpContext& c, float value, const std::string& suffix) {
  return c.add_constant(Tensor::scalar<float>(value), suffix);
}

void emit_fused_activation(OpContext& c, tfl::ActivationFunctionType act, const std::string& in,
                           const std::string& out) {
  switch (act) {
    case tfl::ActivationFunctionType::NONE:
      c.emit("Identity", {in}, {out});
      return;
    case tfl::ActivationFunctionType::RELU:
      c.emit("Relu", {in}, {out});
      return;
    case tfl::ActivationFunctionType::RELU6:
      c.emit("Clip", {in, float_scalar(c, 0.0f, "relu6_min"), float_scalar(c, 6.0f, "relu6_max")},
             {out});
      return;
    case tfl::ActivationFunctionType::RELU_N1_TO_1:
      c.emit("Clip", {in, float_scalar(c, -1.0f, "relu1_min"), float_scalar(c, 1.0f, "relu1_max")},
             {out});
      return;
    case tfl::ActivationFunctionType::TANH:
      c.emit("Tanh", {in}, {out});
      return;
    default:
      c.fail("fused activation {} is not supported", static_cast<int>(act));
  }
}

std::string weight_value(OpContext& c, size_t input, const std::vector<int64_t>& perm) {
  const int32_t index = c.input_index(input);
  const Tensor& raw = c.require_constant(input, "the weights");
  const std::optional<Quantization> q = c.input_quantization(input);
  Tensor permuted = perm.empty() ? raw : tf::transpose_tensor(raw, perm);
  if (!q) {
    if (raw.dtype() != DType::Float32)
      c.fail("{} weights are not supported", dtype_name(raw.dtype()));
    return c.add_constant(std::move(permuted), "weights");
  }
  int64_t axis = q->axis;
  if (q->per_axis() && !perm.empty())
    axis = std::find(perm.begin(), perm.end(), q->axis) - perm.begin();
  const std::string ints = c.add_constant(std::move(permuted), "weights_quantized");
  auto [scale, zero] = c.importer().quant_params(index, raw.dtype());
  Attributes attrs;
  attrs.set("axis", axis);
  return c.emit_temp("DequantizeLinear", {ints, scale, zero}, std::move(attrs), "weights");
}

}  // namespace nnport::tflite
