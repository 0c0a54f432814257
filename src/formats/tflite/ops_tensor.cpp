// Data movement: reshapes (to the output shape the file states), concatenation, pads, slices,
// transposes. In quantized models these run in float between a Dequantize and a Quantize with
// equal parameters, which gives back the same integers.
#include <climits>

#include "formats/tflite/tflite_importer.h"

namespace nnport::tflite {

namespace {

void convert_reshape(OpContext& c) {
  c.emit("Reshape", {c.input_float(0), int64_constant(c, c.output_dims(0), "shape")},
         {c.output_float(0)});
}

void convert_concatenation(OpContext& c) {
  const auto& o = c.options<tfl::ConcatenationOptions>();
  std::vector<std::string> inputs;
  for (size_t i = 0; i < c.input_count(); ++i)
    inputs.push_back(c.input_float(i));
  Attributes attrs;
  attrs.set("axis", int64_t{o.axis()});
  const std::string y = c.emit_temp("Concat", std::move(inputs), std::move(attrs));
  emit_fused_activation(c, o.fused_activation_function(), y, c.output_float(0));
}

// paddings: a constant [rank, 2] of (before, after).
std::vector<int64_t> pad_amounts(OpContext& c) {
  const std::vector<int64_t> p = c.constant_ints(1, "paddings");
  const size_t rank = c.input_dims(0).size();
  if (p.size() != 2 * rank) c.fail("paddings has {} values for rank {}", p.size(), rank);
  std::vector<int64_t> pads(2 * rank);
  for (size_t a = 0; a < rank; ++a) {
    pads[a] = p[2 * a];
    pads[rank + a] = p[2 * a + 1];
    if (pads[a] < 0 || pads[rank + a] < 0) c.fail("negative paddings");
  }
  return pads;
}

void convert_pad(OpContext& c) {
  std::vector<std::string> inputs = {c.input_float(0), int64_constant(c, pad_amounts(c), "pads")};
  // PAD fills with real 0, which is the zero point in quantized models.
  if (c.has_input(2))
    inputs.push_back(c.input_float(2));
  else if (c.graph().value(inputs[0]).dtype == DType::Float32)
    inputs.push_back(float_scalar(c, 0.0f, "zero"));
  c.emit("Pad", std::move(inputs), {c.output_float(0)});
}

void convert_mirror_pad(OpContext& c) {
  if (c.options<tfl::MirrorPadOptions>().mode() != tfl::MirrorPadMode::REFLECT)
    c.fail("SYMMETRIC mirror padding (edge repeated) has no IR op yet");
  Attributes attrs;
  attrs.set("mode", std::string("reflect"));
  c.emit("Pad", {c.input_float(0), int64_constant(c, pad_amounts(c), "pads")}, {c.output_float(0)},
         std::move(attrs));
}

void convert_transpose(OpContext& c) {
  Attributes attrs;
  attrs.set("perm", c.constant_ints(1, "perm"));
  c.emit("Transpose", {c.input_float(0)}, {c.output_float(0)}, std::move(attrs));
}

void convert_slice(OpContext& c) {
  const std::vector<int64_t> begin = c.constant_ints(1, "begin");
  const std::vector<int64_t> size = c.constant_ints(2, "size");
  const std::vector<int64_t> in = c.input_dims(0);
  if (begin.size() != in.size() || size.size() != in.size()) c.fail("begin/size rank mismatch");
  std::vector<int64_t> ends(in.size()), axes(in.size());
  for (size_t a = 0; a < in.size(); ++a) {
    ends[a] = size[a] == -1 ? in[a] : begin[a] + size[a];
    axes[a] = static_cast<int64_t>(a);
  }
  c.emit("Slice",
         {c.input_float(0), int64_constant(c, begin, "starts"), int64_constant(c, ends, "ends"),
          int64_constant(c, axes, "axes")},
         {c.output_float(0)});
}

// STRIDED_SLICE with begin/end masks and shrink_axis_mask (a Reshape to the stated output shape
// drops the shrunk axes); ellipsis and new axes are refused.
void convert_strided_slice(OpContext& c) {
  const auto& o = c.options<tfl::StridedSliceOptions>();
  if (o.ellipsis_mask() || o.new_axis_mask())
    c.fail("ellipsis and new-axis masks are not supported");
  if (o.offset()) c.fail("offset mode is not supported");
  const std::vector<int64_t> begin = c.constant_ints(1, "begin");
  const std::vector<int64_t> end = c.constant_ints(2, "end");
  const std::vector<int64_t> strides = c.constant_ints(3, "strides");
  const std::vector<int64_t> in = c.input_dims(0);
  const size_t n = begin.size();
  if (end.size() != n || strides.size() != n || n > in.size())
    c.fail("begin/end/strides sizes differ");
  std::vector<int64_t> starts(n), ends(n), axes(n), steps(n);
  for (size_t a = 0; a < n; ++a) {
    const bool shrink = (o.shrink_axis_mask() >> a) & 1;
    if (strides[a] == 0) c.fail("stride 0 on axis {}", a);
    axes[a] = static_cast<int64_t>(a);
    steps[a] = strides[a];
    const bool forward = strides[a] > 0;
    starts[a] = ((o.begin_mask() >> a) & 1) && !shrink ? (forward ? 0 : INT64_MAX) : begin[a];
    if (shrink) {
      int64_t b = begin[a] < 0 ? begin[a] + in[a] : begin[a];
      starts[a] = b;
      ends[a] = b + 1;
      steps[a] = 1;
    } else {
      ends[a] = ((o.end_mask() >> a) & 1) ? (forward ? INT64_MAX : INT64_MIN) : end[a];
    }
  }
  const std::string y =
      c.emit_temp("Slice", {c.input_float(0), int64_constant(c, starts, "starts"),
                            int64_constant(c, ends, "ends"), int64_constant(c, axes, "axes"),
                            int64_constant(c, steps, "steps")});
  c.emit("Reshape", {y, int64_constant(c, c.output_dims(0), "shape")}, {c.output_float(0)});
}

const std::vector<OpConverter> kConverters = {
    {tfl::BuiltinOperator::RESHAPE, convert_reshape},
    {tfl::BuiltinOperator::SQUEEZE, convert_reshape},
    {tfl::BuiltinOperator::EXPAND_DIMS, convert_reshape},
    {tfl::BuiltinOperator::CONCATENATION, convert_concatenation},
    {tfl::BuiltinOperator::PAD, convert_pad},
    {tfl::BuiltinOperator::PADV2, convert_pad},
    {tfl::BuiltinOperator::MIRROR_PAD, convert_mirror_pad},
    {tfl::BuiltinOperator::TRANSPOSE, convert_transpose},
    {tfl::BuiltinOperator::SLICE, convert_slice},
    {tfl::BuiltinOperator::STRIDED_SLICE, convert_strided_slice},
};

}  // namespace

std::span<const OpConverter> tensor_converters() {
  return kConverters;
}

}  // namespace nnport::tflite
