// Conv, ConvTranspose and pools -> Convolution, Deconvolution, Pooling. Pads arrive symmetric
// and pool rounding as floor / ceil_all (legalize.cpp).
#include "formats/mxnet/write_context.h"
#include "ir/ops/spatial.h"

namespace nnport::mxnet {

namespace {

std::vector<int64_t> or_ones(std::vector<int64_t> v, size_t n) {
  if (v.empty()) v.assign(n, 1);
  return v;
}

std::vector<int64_t> symmetric_pad(WriteContext& ctx, size_t spatial) {
  const std::vector<int64_t> pads = normalize_pads(ctx.attrs().ints("pads"), spatial);
  std::vector<int64_t> pad(spatial);
  for (size_t i = 0; i < spatial; ++i) {
    if (pads[i] != pads[spatial + i]) ctx.fail("asymmetric pads survived legalization");
    pad[i] = pads[i];
  }
  return pad;
}

// The kernel size comes from the attribute or, when absent, the weight's trailing dims.
std::vector<int64_t> kernel_of(WriteContext& ctx) {
  std::vector<int64_t> kernel = ctx.attrs().ints("kernel_shape");
  if (!kernel.empty()) return kernel;
  const Shape& w = ctx.input_shape(1);
  if (!w.fully_known() || w.rank() < 3) ctx.fail("the kernel size is unknown");
  const std::vector<int64_t> dims = w.sizes();
  return {dims.begin() + 2, dims.end()};
}

int64_t weight_dim(WriteContext& ctx, size_t axis) {
  const Shape& w = ctx.input_shape(1);
  if (!w.rank_known || w.rank() <= axis || !w.dims[axis].known())
    ctx.fail("the weight shape is unknown");
  return w.dims[axis].size;
}

void emit_conv(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  if (a.s("auto_pad") != "NOTSET" && a.s("auto_pad") != "VALID")
    ctx.fail("auto_pad {} is unresolved", a.s("auto_pad"));
  const std::vector<int64_t> kernel = kernel_of(ctx);
  const size_t n = kernel.size();
  const bool bias = ctx.node().has_input(2);
  std::vector<EntryRef> inputs = {ctx.input(0), ctx.input(1)};
  if (bias) inputs.push_back(ctx.input(2));
  ctx.emit("Convolution", inputs,
           {{"kernel", tuple_text(kernel)},
            {"stride", tuple_text(or_ones(a.ints("strides"), n))},
            {"dilate", tuple_text(or_ones(a.ints("dilations"), n))},
            {"pad", tuple_text(symmetric_pad(ctx, n))},
            {"num_filter", std::to_string(weight_dim(ctx, 0))},
            {"num_group", std::to_string(a.i("group"))},
            {"no_bias", bool_text(!bias)}},
           ctx.node().outputs);
}

// MXNet crops `pad` cells at both ends and then re-adds `adj` at the end, so IR pads (pb, pe)
// with output_padding op need pad = pb and adj = pb - pe + op in [0, stride).
void emit_conv_transpose(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  if (a.s("auto_pad") != "NOTSET" && a.s("auto_pad") != "VALID")
    ctx.fail("auto_pad {} is unresolved", a.s("auto_pad"));
  if (!a.ints("output_shape").empty())
    ctx.fail("output_shape must be resolved to pads before writing MXNet");
  const std::vector<int64_t> kernel = kernel_of(ctx);
  const size_t n = kernel.size();
  const std::vector<int64_t> pads = normalize_pads(a.ints("pads"), n);
  const std::vector<int64_t> strides = or_ones(a.ints("strides"), n);
  std::vector<int64_t> output_padding = a.ints("output_padding");
  if (output_padding.empty()) output_padding.assign(n, 0);
  std::vector<int64_t> pad(n), adj(n);
  for (size_t i = 0; i < n; ++i) {
    pad[i] = pads[i];
    adj[i] = pads[i] - pads[n + i] + output_padding[i];
    if (adj[i] < 0 || adj[i] >= strides[i])
      ctx.fail("pads {} with output_padding {} have no MXNet (pad, adj) form", tuple_text(pads),
               tuple_text(output_padding));
  }
  const bool bias = ctx.node().has_input(2);
  std::vector<EntryRef> inputs = {ctx.input(0), ctx.input(1)};
  if (bias) inputs.push_back(ctx.input(2));
  const int64_t group = a.i("group");
  ctx.emit("Deconvolution", inputs,
           {{"kernel", tuple_text(kernel)},
            {"stride", tuple_text(strides)},
            {"dilate", tuple_text(or_ones(a.ints("dilations"), n))},
            {"pad", tuple_text(pad)},
            {"adj", tuple_text(adj)},
            {"num_filter", std::to_string(weight_dim(ctx, 1) * group)},
            {"num_group", std::to_string(group)},
            {"no_bias", bool_text(!bias)}},
           ctx.node().outputs);
}

void emit_pool(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  const bool is_max = ctx.node().op == "MaxPool";
  const std::vector<int64_t> kernel = a.ints("kernel_shape");
  const size_t n = kernel.size();
  const std::string rounding = a.s("rounding");
  if (rounding != "floor" && rounding != "ceil_all")
    ctx.fail("rounding '{}' survived legalization", rounding);
  AttrMap attrs = {{"kernel", tuple_text(kernel)},
                   {"stride", tuple_text(or_ones(a.ints("strides"), n))},
                   {"pad", tuple_text(symmetric_pad(ctx, n))},
                   {"pool_type", is_max ? "max" : "avg"},
                   {"pooling_convention", rounding == "floor" ? "valid" : "full"}};
  if (!is_max) attrs["count_include_pad"] = bool_text(a.s("divisor") != "valid");
  ctx.emit("Pooling", {ctx.input(0)}, attrs, {ctx.node().outputs[0]});
}

void emit_global_pool(WriteContext& ctx) {
  const bool is_max = ctx.node().op == "GlobalMaxPool";
  const Shape& x = ctx.input_shape(0);
  const size_t spatial = x.rank_known && x.rank() > 2 ? x.rank() - 2 : 2;
  ctx.emit("Pooling", {ctx.input(0)},
           {{"kernel", tuple_text(std::vector<int64_t>(spatial, 1))},
            {"global_pool", "True"},
            {"pool_type", is_max ? "max" : "avg"}},
           ctx.node().outputs);
}

const OpEmitter kEmitters[] = {
    {"Conv", emit_conv},
    {"ConvTranspose", emit_conv_transpose},
    {"MaxPool", emit_pool},
    {"AveragePool", emit_pool},
    {"GlobalMaxPool", emit_global_pool},
    {"GlobalAveragePool", emit_global_pool},
};

}  // namespace

std::span<const OpEmitter> conv_pool_emitters() {
  return kEmitters;
}

}  // namespace nnport::mxnet
