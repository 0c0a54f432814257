// Linear quantization (ONNX QuantizeLinear / DequantizeLinear, opset 21 without blocks): how
// quantized models (TFLite int8/int16, ONNX QDQ) are expressed in the IR, as integer tensors
// with Dequantize -> float op -> Quantize around the float ops.
#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

namespace {

bool is_quantized_dtype(DType d) {
  return d == DType::Int8 || d == DType::UInt8 || d == DType::Int16 || d == DType::UInt16 ||
         d == DType::Int32;
}

// Scale and zero point: a scalar (per tensor) or a 1-D tensor along `axis` (per axis).
void check_scale_shapes(InferenceContext& ctx, DType x_dtype_for_zero_point) {
  if (ctx.attrs().i("block_size") != 0)
    model_error("node '{}' ({}): blocked quantization (block_size) is not supported",
                ctx.node().name, ctx.node().op);
  const Shape& x = ctx.input_shape(0);
  const Shape& scale = ctx.input_shape(1);
  if (!scale.rank_known) return;
  if (scale.rank() > 1)
    model_error("node '{}' ({}): scale has rank {}, expected a scalar or 1-D", ctx.node().name,
                ctx.node().op, scale.rank());
  if (scale.rank() == 1 && x.rank_known) {
    const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
    if (scale.dims[0].known() && x.dims[axis].known() && scale.dims[0].size != x.dims[axis].size &&
        scale.dims[0].size != 1)
      model_error("node '{}' ({}): {} scales for {} entries along axis {}", ctx.node().name,
                  ctx.node().op, scale.dims[0].size, x.dims[axis].size, axis);
  }
  if (ctx.has_input(2) && ctx.input_dtype(2) != x_dtype_for_zero_point)
    model_error("node '{}' ({}): zero point is {}, expected {}", ctx.node().name, ctx.node().op,
                dtype_name(ctx.input_dtype(2)), dtype_name(x_dtype_for_zero_point));
}

void infer_quantize(InferenceContext& ctx) {
  const DType out = ctx.has_input(2) ? ctx.input_dtype(2) : DType::UInt8;
  if (!is_quantized_dtype(out) || out == DType::Int32)
    model_error("node '{}' (QuantizeLinear): cannot quantize to {}", ctx.node().name,
                dtype_name(out));
  check_scale_shapes(ctx, out);
  set_checked_output(ctx, 0, out, ctx.input_shape(0));
}

void infer_dequantize(InferenceContext& ctx) {
  const DType in = ctx.input_dtype(0);
  if (in != DType::Undefined && !is_quantized_dtype(in))
    model_error("node '{}' (DequantizeLinear): cannot dequantize {}", ctx.node().name,
                dtype_name(in));
  check_scale_shapes(ctx, in);
  set_checked_output(ctx, 0, ctx.input_dtype(1), ctx.input_shape(0));
}

std::vector<AttrSpec> quant_attrs() {
  return {{"axis", AttrType::Int, int64_t{1}, "the axis a 1-D scale runs along"},
          {"block_size", AttrType::Int, int64_t{0}, "must be 0 (no blocked quantization)"},
          {"saturate", AttrType::Int, int64_t{1}, "float8 only; ignored for integers"}};
}

const std::vector<OpSchema> kSchemas = {
    {"QuantizeLinear",
     "y = saturate(round_half_to_even(x / scale) + zero_point) in the zero point's integer type "
     "(uint8 without one).",
     2, 3, 1, 1, quant_attrs(), infer_quantize},
    {"DequantizeLinear", "y = (x - zero_point) * scale, in the scale's float type.", 2, 3, 1, 1,
     quant_attrs(), infer_dequantize},
};

}  // namespace

std::span<const OpSchema> quantize_schemas() {
  return kSchemas;
}

}  // namespace nnport
