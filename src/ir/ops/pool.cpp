// Pooling. Frameworks disagree on three things, each an explicit attribute here:
// output rounding ("rounding"), the ceil-mode tail rule (part of "rounding"), and what an
// average divides by ("divisor"). See SEMANTICS.md §1-2 and ir/ops/spatial.h.
#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/spatial.h"
#include "ir/ops/spatial_infer.h"

namespace nnport {

namespace {

void infer_pool(InferenceContext& ctx) {
  const AttrReader& attrs = ctx.attrs();
  if (attrs.declared("divisor")) parse_avg_divisor(attrs.s("divisor"));
  if (attrs.declared("storage_order") && attrs.i("storage_order") != 0 &&
      attrs.i("storage_order") != 1)
    model_error("storage_order {} must be 0 (row major) or 1 (column major)",
                attrs.i("storage_order"));
  const Shape out = infer_window_output(ctx, ctx.input_shape(0), /*channels_out=*/-1);
  ctx.set_output(0, ctx.input_dtype(0), out);
  if (ctx.output_count() > 1) ctx.set_output(1, DType::Int64, out);
}

void infer_global_pool(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known) return ctx.set_output(0, ctx.input_dtype(0), Shape::unknown());
  if (x.rank() < 3)
    model_error("global pooling needs an N x C x spatial input, got {}", x.to_string());
  std::vector<Dim> dims = x.dims;
  for (size_t i = 2; i < dims.size(); ++i)
    dims[i] = Dim(1);
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

std::vector<AttrSpec> window_attrs() {
  return {
      {"kernel_shape", AttrType::Ints, std::nullopt, "window size per spatial axis"},
      {"strides", AttrType::Ints, std::vector<int64_t>{}, "per spatial axis; empty = all 1"},
      {"dilations", AttrType::Ints, std::vector<int64_t>{}, "per spatial axis; empty = all 1"},
      {"pads", AttrType::Ints, std::vector<int64_t>{},
       "[x1_begin, x2_begin, ..., x1_end, x2_end]; empty = no padding"},
      {"auto_pad", AttrType::String, std::string("NOTSET"),
       "SAME_UPPER/SAME_LOWER/VALID while the input size is unknown; passes resolve it to pads"},
      {"rounding", AttrType::String, std::string("floor"),
       "floor | ceil (drops a last window starting at or after in + pad_begin) | ceil_all"},
  };
}

std::vector<AttrSpec> max_pool_attrs() {
  auto attrs = window_attrs();
  attrs.push_back({"storage_order", AttrType::Int, int64_t{0},
                   "layout of the optional Indices output: 0 row major, 1 column major"});
  return attrs;
}

std::vector<AttrSpec> average_pool_attrs() {
  auto attrs = window_attrs();
  attrs.push_back({"divisor", AttrType::String, std::string("valid"),
                   "valid: real input cells | padded: cells inside [-pad_begin, in + pad_end) | "
                   "kernel: the full window"});
  return attrs;
}

const std::vector<OpSchema> kSchemas = {
    {"MaxPool", "Maximum over each window; padded cells never win.", 1, 1, 1, 2, max_pool_attrs(),
     infer_pool},
    {"AveragePool", "Mean over each window, dividing by the cells named by 'divisor'.", 1, 1, 1, 1,
     average_pool_attrs(), infer_pool},
    {"GlobalAveragePool", "Mean over all spatial positions.", 1, 1, 1, 1, {}, infer_global_pool},
    {"GlobalMaxPool", "Maximum over all spatial positions.", 1, 1, 1, 1, {}, infer_global_pool},
};

}  // namespace

std::span<const OpSchema> pool_schemas() {
  return kSchemas;
}

}  // namespace nnport
