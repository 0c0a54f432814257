// Convolutions, fully connected layers and pools. Weights are permuted to the IR's OIHW once,
// here; TFLite SAME becomes explicit per-side pads computed from the input size the file states
// (the odd pixel at the end, SEMANTICS.md), so no auto_pad survives.
#include "formats/tflite/tflite_importer.h"
#include "ir/ops/spatial.h"

namespace nnport::tflite {

namespace {

// [top, left, bottom, right] for an NHWC input of the given dims.
std::vector<int64_t> window_pads(OpContext& c, tfl::Padding padding,
                                 const std::vector<int64_t>& in_dims,
                                 const std::vector<int64_t>& kernel,
                                 const std::vector<int64_t>& strides,
                                 const std::vector<int64_t>& dilations) {
  if (in_dims.size() != 4) c.fail("input has rank {}, expected 4 (NHWC)", in_dims.size());
  for (size_t a = 0; a < 2; ++a)
    if (strides[a] < 1 || dilations[a] < 1 || kernel[a] < 1)
      c.fail("kernel {}, stride {} and dilation {} must be positive", kernel[a], strides[a],
             dilations[a]);
  if (padding == tfl::Padding::VALID) return {0, 0, 0, 0};
  if (padding != tfl::Padding::SAME) c.fail("padding {} is unknown", static_cast<int>(padding));
  const AxisPads h = same_pads(in_dims[1], kernel[0], strides[0], dilations[0], AutoPad::SameUpper);
  const AxisPads w = same_pads(in_dims[2], kernel[1], strides[1], dilations[1], AutoPad::SameUpper);
  return {h.begin, w.begin, h.end, w.end};
}

// NHWC in -> Transpose -> op -> Transpose -> fused activation -> output 0.
void emit_nchw(OpContext& c, const std::string& op, std::vector<std::string> inputs,
               Attributes attrs, tfl::ActivationFunctionType act) {
  inputs[0] = to_nchw(c, inputs[0]);
  const std::string y = c.emit_temp(op, std::move(inputs), std::move(attrs));
  Attributes back;
  back.set("perm", to_nhwc_perm());
  const std::string nhwc = c.emit_temp("Transpose", {y}, std::move(back), "to_nhwc");
  emit_fused_activation(c, act, nhwc, c.output_float(0));
}

void convert_conv(OpContext& c) {
  const auto& o = c.options<tfl::Conv2DOptions>();
  const std::vector<int64_t> w = c.input_dims(1);  // [O, H, W, I]
  if (w.size() != 4) c.fail("filter has rank {}, expected 4", w.size());
  const std::vector<int64_t> in = c.input_dims(0);
  const std::vector<int64_t> strides = {o.stride_h(), o.stride_w()};
  const std::vector<int64_t> dilations = {o.dilation_h_factor(), o.dilation_w_factor()};
  Attributes attrs;
  attrs.set("strides", strides);
  attrs.set("dilations", dilations);
  attrs.set("kernel_shape", std::vector<int64_t>{w[1], w[2]});
  attrs.set("pads", window_pads(c, o.padding(), in, {w[1], w[2]}, strides, dilations));
  if (in.size() == 4 && w[3] > 0 && in[3] != w[3]) {
    if (in[3] % w[3] != 0) c.fail("{} input channels for filters of depth {}", in[3], w[3]);
    attrs.set("group", in[3] / w[3]);
  }
  std::vector<std::string> inputs = {c.input_float(0), weight_value(c, 1, {0, 3, 1, 2})};
  if (c.has_input(2)) inputs.push_back(c.input_float(2));
  emit_nchw(c, "Conv", std::move(inputs), std::move(attrs), o.fused_activation_function());
}

void convert_depthwise(OpContext& c) {
  const auto& o = c.options<tfl::DepthwiseConv2DOptions>();
  const std::vector<int64_t> w = c.input_dims(1);  // [1, H, W, C * M]
  const std::vector<int64_t> in = c.input_dims(0);
  if (w.size() != 4 || w[0] != 1) c.fail("filter must be [1, H, W, C*M]");
  if (in.size() != 4 || in[3] < 1 || w[3] % in[3] != 0)
    c.fail("{} filter channels for an input of {} channels", w[3], in.size() == 4 ? in[3] : -1);
  const std::vector<int64_t> strides = {o.stride_h(), o.stride_w()};
  const std::vector<int64_t> dilations = {o.dilation_h_factor(), o.dilation_w_factor()};
  Attributes attrs;
  attrs.set("strides", strides);
  attrs.set("dilations", dilations);
  attrs.set("kernel_shape", std::vector<int64_t>{w[1], w[2]});
  attrs.set("pads", window_pads(c, o.padding(), in, {w[1], w[2]}, strides, dilations));
  attrs.set("group", in[3]);
  std::vector<std::string> inputs = {c.input_float(0), weight_value(c, 1, {3, 0, 1, 2})};
  if (c.has_input(2)) inputs.push_back(c.input_float(2));
  emit_nchw(c, "Conv", std::move(inputs), std::move(attrs), o.fused_activation_function());
}

// Inputs: output_shape, weights [O, H, W, I], input, optional bias. TFLite places the output
// window like a convolution of the output: total = s*(in-1) + k - out, begin = total / 2.
void convert_transpose_conv(OpContext& c) {
  const auto& o = c.options<tfl::TransposeConvOptions>();
  const std::vector<int64_t> w = c.input_dims(1);
  const std::vector<int64_t> in = c.input_dims(2);
  const std::vector<int64_t> out = c.output_dims(0);
  if (w.size() != 4 || in.size() != 4 || out.size() != 4) c.fail("expected 4-D NHWC tensors");
  const std::vector<int64_t> strides = {o.stride_h(), o.stride_w()};
  std::vector<int64_t> begin(2), end(2);
  for (size_t a = 0; a < 2; ++a) {
    if (strides[a] < 1) c.fail("stride {} must be positive", strides[a]);
    const int64_t total = strides[a] * (in[1 + a] - 1) + w[1 + a] - out[1 + a];
    if (total < 0 || (o.padding() == tfl::Padding::VALID && total != 0))
      c.fail("output size {} does not match input {} (kernel {}, stride {}, {})", out[1 + a],
             in[1 + a], w[1 + a], strides[a],
             o.padding() == tfl::Padding::VALID ? "VALID" : "SAME");
    begin[a] = total / 2;
    end[a] = total - begin[a];
  }
  Attributes attrs;
  attrs.set("strides", strides);
  attrs.set("kernel_shape", std::vector<int64_t>{w[1], w[2]});
  attrs.set("pads", std::vector<int64_t>{begin[0], begin[1], end[0], end[1]});
  std::vector<std::string> inputs = {c.input_float(2), weight_value(c, 1, {3, 0, 1, 2})};
  if (c.has_input(3)) inputs.push_back(c.input_float(3));
  emit_nchw(c, "ConvTranspose", std::move(inputs), std::move(attrs), o.fused_activation_function());
}

void convert_fully_connected(OpContext& c) {
  const auto& o = c.options<tfl::FullyConnectedOptions>();
  if (o.weights_format() != tfl::FullyConnectedOptionsWeightsFormat::DEFAULT)
    c.fail("shuffled weights are not supported");
  const std::vector<int64_t> w = c.input_dims(1);  // [O, I]
  if (w.size() != 2) c.fail("weights have rank {}, expected 2", w.size());
  const std::vector<int64_t> in = c.input_dims(0);
  const int64_t total = element_count(in);
  if (w[1] == 0 || total % w[1] != 0)
    c.fail("input of {} values for {} weights per unit", total, w[1]);
  std::string x = c.input_float(0);
  if (in.size() != 2)
    x = c.emit_temp("Reshape", {x, int64_constant(c, {total / w[1], w[1]}, "flat_shape")}, {},
                    "flatten");
  std::string weights = c.graph().constant(c.importer().value_of(c.input_index(1)))
                            ? weight_value(c, 1, {})
                            : c.input_float(1);
  std::vector<std::string> inputs = {x, weights};
  if (c.has_input(2)) inputs.push_back(c.input_float(2));
  Attributes attrs;
  attrs.set("transB", int64_t{1});
  std::string y = c.emit_temp("Gemm", std::move(inputs), std::move(attrs));
  const std::vector<int64_t> out = c.output_dims(0);
  if (out.size() != 2)
    y = c.emit_temp("Reshape", {y, int64_constant(c, out, "out_shape")}, {}, "unflatten");
  emit_fused_activation(c, o.fused_activation_function(), y, c.output_float(0));
}

template <bool Average>
void convert_pool(OpContext& c) {
  const auto& o = c.options<tfl::Pool2DOptions>();
  const std::vector<int64_t> kernel = {o.filter_height(), o.filter_width()};
  const std::vector<int64_t> strides = {o.stride_h(), o.stride_w()};
  Attributes attrs;
  attrs.set("kernel_shape", kernel);
  attrs.set("strides", strides);
  attrs.set("pads", window_pads(c, o.padding(), c.input_dims(0), kernel, strides, {1, 1}));
  if (Average) attrs.set("divisor", std::string("valid"));  // TFLite divides by the real cells
  emit_nchw(c, Average ? "AveragePool" : "MaxPool", {c.input_float(0)}, std::move(attrs),
            o.fused_activation_function());
}

const std::vector<OpConverter> kConverters = {
    {tfl::BuiltinOperator::CONV_2D, convert_conv},
    {tfl::BuiltinOperator::DEPTHWISE_CONV_2D, convert_depthwise},
    {tfl::BuiltinOperator::TRANSPOSE_CONV, convert_transpose_conv},
    {tfl::BuiltinOperator::FULLY_CONNECTED, convert_fully_connected},
    {tfl::BuiltinOperator::AVERAGE_POOL_2D, convert_pool<true>},
    {tfl::BuiltinOperator::MAX_POOL_2D, convert_pool<false>},
};

}  // namespace

std::span<const OpConverter> conv_converters() {
  return kConverters;
}

}  // namespace nnport::tflite
