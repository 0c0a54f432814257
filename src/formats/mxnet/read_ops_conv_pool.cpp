// Convolution, Deconvolution and Pooling. MXNet pads symmetrically ("pad" per spatial axis);
// the IR keeps per-side pads, so each pad is written twice.
#include <limits>

#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

std::vector<int64_t> per_side(const std::vector<int64_t>& pad) {
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());
  return pads;
}

// kernel, and stride/dilate/pad defaulted per spatial axis, checked for length.
struct Window {
  std::vector<int64_t> kernel, stride, dilate, pad;
};

Window read_window(ReadContext& ctx, bool kernel_required) {
  const AttrText a = ctx.attrs();
  Window w;
  w.kernel = a.ints("kernel", {});
  if (w.kernel.empty() && kernel_required) ctx.fail("'kernel' is required");
  const size_t n = w.kernel.size();
  auto axis_values = [&](const char* key, int64_t fallback) {
    std::vector<int64_t> v = a.ints(key, {});
    if (v.empty()) v.assign(n, fallback);
    if (v.size() != n) ctx.fail("'{}' has {} values for a {}-d kernel", key, v.size(), n);
    return v;
  };
  w.stride = axis_values("stride", 1);
  w.dilate = axis_values("dilate", 1);
  w.pad = axis_values("pad", 0);
  for (size_t i = 0; i < n; ++i)
    if (w.kernel[i] <= 0 || w.stride[i] <= 0 || w.dilate[i] <= 0 || w.pad[i] < 0)
      ctx.fail("kernel {}, stride {}, dilate {}, pad {} are not valid", tuple_text(w.kernel),
               tuple_text(w.stride), tuple_text(w.dilate), tuple_text(w.pad));
  const std::string layout = a.str("layout", "");
  if (!layout.empty() && layout != "NCW" && layout != "NCHW" && layout != "NCDHW")
    ctx.fail("layout {} is not supported (only channels-first)", layout);
  return w;
}

void check_weight(ReadContext& ctx, const std::string& weight, int64_t leading,
                  const std::vector<int64_t>& kernel, const char* leading_name) {
  const Tensor* w = ctx.graph().constant(weight);
  if (!w) return;
  bool ok = w->rank() == kernel.size() + 2 && w->dims()[0] == leading;
  for (size_t i = 0; ok && i < kernel.size(); ++i)
    ok = w->dims()[2 + i] == kernel[i];
  if (!ok)
    ctx.fail("weight '{}' has shape {}, which disagrees with {}={} and kernel={}", weight,
             sizes_to_string(w->dims()), leading_name, leading, tuple_text(kernel));
}

void read_convolution(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const Window w = read_window(ctx, true);
  const int64_t num_filter = a.integer("num_filter", 0);
  const int64_t groups = a.integer("num_group", 1);
  if (num_filter <= 0 || groups <= 0) ctx.fail("num_filter and num_group must be positive");
  std::vector<std::string> inputs = {ctx.input(0), ctx.param_input(1, "weight")};
  check_weight(ctx, inputs[1], num_filter, w.kernel, "num_filter");
  if (!a.boolean("no_bias", false)) inputs.push_back(ctx.param_input(2, "bias"));
  Attributes attrs;
  attrs.set("kernel_shape", w.kernel);
  attrs.set("strides", w.stride);
  attrs.set("dilations", w.dilate);
  attrs.set("pads", per_side(w.pad));
  attrs.set("group", groups);
  ctx.emit("Conv", inputs, {ctx.output()}, attrs);
}

// MXNet crops `pad` cells from both ends of the full transposed convolution and then adds
// `adj` cells at the end; with target_shape it derives pad and adj itself:
// total = stride*(in-1) + dilated kernel - target, adj = total % 2, pad = (total+1)/2.
void read_deconvolution(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const Window w = read_window(ctx, true);
  const size_t n = w.kernel.size();
  const int64_t num_filter = a.integer("num_filter", 0);
  const int64_t groups = a.integer("num_group", 1);
  if (num_filter <= 0 || groups <= 0) ctx.fail("num_filter and num_group must be positive");
  std::vector<int64_t> adj = a.ints("adj", std::vector<int64_t>(n, 0));
  std::vector<int64_t> pad = w.pad;
  const std::vector<int64_t> target = a.ints("target_shape", {});
  if (adj.size() != n) ctx.fail("'adj' has {} values for a {}-d kernel", adj.size(), n);
  bool has_target = false;
  for (int64_t t : target)
    has_target = has_target || t != 0;
  if (has_target) {
    if (target.size() != n) ctx.fail("'target_shape' needs {} values", n);
    const Shape& in = ctx.input_shape(0);
    for (size_t i = 0; i < n; ++i) {
      const size_t axis = 2 + i;
      if (!in.rank_known || in.rank() != n + 2 || !in.dims[axis].known())
        ctx.fail("target_shape needs the input's spatial size: give --input NAME:DIMS");
      const int64_t total =
          w.stride[i] * (in.dims[axis].size - 1) + (w.kernel[i] - 1) * w.dilate[i] + 1 - target[i];
      if (total < 0) ctx.fail("target_shape {} is too big", tuple_text(target));
      adj[i] = total % 2;
      pad[i] = (total + 1) / 2;
    }
  }
  std::vector<std::string> inputs = {ctx.input(0), ctx.param_input(1, "weight")};
  if (const Tensor* weight = ctx.graph().constant(inputs[1])) {
    bool ok = weight->rank() == n + 2 && weight->dims()[1] * groups == num_filter;
    for (size_t i = 0; ok && i < n; ++i)
      ok = weight->dims()[2 + i] == w.kernel[i];
    if (!ok)
      ctx.fail("weight '{}' has shape {}, which disagrees with num_filter={}, num_group={}",
               inputs[1], sizes_to_string(weight->dims()), num_filter, groups);
  }
  // Deconvolution, unlike Convolution, has no bias unless asked for.
  if (!a.boolean("no_bias", true)) inputs.push_back(ctx.param_input(2, "bias"));
  std::vector<int64_t> pads(2 * n), output_padding(n, 0);
  for (size_t i = 0; i < n; ++i) {
    pads[i] = pad[i];
    // The end keeps adj of the cropped cells; beyond that the output grows by zeros + bias.
    pads[n + i] = std::max<int64_t>(pad[i] - adj[i], 0);
    output_padding[i] = std::max<int64_t>(adj[i] - pad[i], 0);
  }
  Attributes attrs;
  attrs.set("kernel_shape", w.kernel);
  attrs.set("strides", w.stride);
  attrs.set("dilations", w.dilate);
  attrs.set("pads", pads);
  attrs.set("output_padding", output_padding);
  attrs.set("group", groups);
  ctx.emit("ConvTranspose", inputs, {ctx.output()}, attrs);
}

// pooling_convention: valid = floor, full = ceil keeping every window (IR ceil_all), same =
// ceil(in / stride) outputs from windows starting at i*stride - pad (so the end padding grows).
// Average pooling divides by the window clipped to [-pad, in + pad) (count_include_pad, the
// default) or by the real cells only.
void read_pooling(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const std::string type = a.str("pool_type", "max");
  if (type != "max" && type != "avg")
    ctx.fail("pool_type '{}' is not supported (max and avg are)", type);
  const std::string x = ctx.input(0);
  if (a.boolean("global_pool", false)) {
    ctx.emit(type == "max" ? "GlobalMaxPool" : "GlobalAveragePool", {x}, {ctx.output()});
    return;
  }
  const Window w = read_window(ctx, true);
  const size_t n = w.kernel.size();
  for (int64_t d : w.dilate)
    if (d != 1) ctx.fail("pooling has no dilation in MXNet");
  const std::string convention = a.str("pooling_convention", "valid");
  std::vector<int64_t> pads = per_side(w.pad);
  std::string rounding = "floor";
  if (convention == "full") {
    rounding = "ceil_all";
  } else if (convention == "same") {
    // MXNet accepts "same" only for 1-D pooling without pad (PoolingShape refuses the rest):
    // ceil(in / stride) windows starting at i*stride, the last ones clipped to the input. Its
    // average divides by the window clipped to [0, in + pad) = the real cells, whatever
    // count_include_pad says.
    if (n != 1) ctx.fail("pooling_convention 'same' is 1-D only in MXNet, the kernel is {}-D", n);
    if (w.pad[0] != 0) ctx.fail("pooling_convention 'same' does not allow pad in MXNet");
    const Shape& in = ctx.input_shape(0);
    if (!in.rank_known || in.rank() != 3 || !in.dims[2].known())
      ctx.fail("pooling_convention 'same' needs the input's width: give --input NAME:DIMS");
    const int64_t size = in.dims[2].size;
    const int64_t out = (size + w.stride[0] - 1) / w.stride[0];
    // End padding that makes exactly `out` floor-rounded windows. Every window starts inside
    // the input, since (out - 1) * stride < size.
    pads[1] = std::max<int64_t>((out - 1) * w.stride[0] + w.kernel[0] - size, 0);
  } else if (convention != "valid") {
    ctx.fail("pooling_convention '{}' is not valid", convention);
  }
  Attributes attrs;
  attrs.set("kernel_shape", w.kernel);
  attrs.set("strides", w.stride);
  attrs.set("pads", pads);
  attrs.set("rounding", rounding);
  if (type == "avg")
    attrs.set("divisor",
              std::string(a.boolean("count_include_pad", true) && convention != "same" ? "padded"
                                                                                       : "valid"));
  ctx.emit(type == "max" ? "MaxPool" : "AveragePool", {x}, {ctx.output()}, attrs);
}

const OpReader kReaders[] = {
    {"Convolution", read_convolution},
    {"Deconvolution", read_deconvolution},
    {"Pooling", read_pooling},
};

}  // namespace

std::span<const OpReader> conv_pool_readers() {
  return kReaders;
}

}  // namespace nnport::mxnet
