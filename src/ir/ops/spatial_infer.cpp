#include "ir/ops/spatial_infer.h"

#include "ir/error.h"

namespace nnport {

WindowParams read_window_params(const AttrReader& attrs, size_t spatial,
                                const std::vector<int64_t>& kernel_override) {
  WindowParams p;
  p.kernel = attrs.has("kernel_shape") || kernel_override.empty() ? attrs.ints("kernel_shape")
                                                                  : kernel_override;
  if (p.kernel.size() != spatial)
    model_error("kernel_shape has {} values for {} spatial axes", p.kernel.size(), spatial);
  p.strides = attrs.ints("strides");
  if (p.strides.empty()) p.strides.assign(spatial, 1);
  p.dilations = attrs.ints("dilations");
  if (p.dilations.empty()) p.dilations.assign(spatial, 1);
  if (p.strides.size() != spatial)
    model_error("strides has {} values for {} spatial axes", p.strides.size(), spatial);
  if (p.dilations.size() != spatial)
    model_error("dilations has {} values for {} spatial axes", p.dilations.size(), spatial);
  p.pads = normalize_pads(attrs.ints("pads"), spatial);
  p.auto_pad = parse_auto_pad(attrs.s("auto_pad"));
  if (attrs.declared("rounding")) p.rounding = parse_rounding(attrs.s("rounding"));
  return p;
}

std::vector<int64_t> resolve_pads(const WindowParams& p, const std::vector<int64_t>& in_sizes) {
  const size_t n = p.kernel.size();
  if (p.auto_pad == AutoPad::NotSet) return p.pads;
  std::vector<int64_t> pads(2 * n, 0);
  if (p.auto_pad == AutoPad::Valid) return pads;
  for (size_t i = 0; i < n; ++i) {
    const AxisPads a =
        same_pads(in_sizes[i], p.kernel[i], p.strides[i], p.dilations[i], p.auto_pad);
    pads[i] = a.begin;
    pads[i + n] = a.end;
  }
  return pads;
}

ConvTransposeParams read_conv_transpose_params(const AttrReader& attrs, size_t spatial,
                                               const std::vector<int64_t>& kernel_override) {
  ConvTransposeParams p;
  p.window = read_window_params(attrs, spatial, kernel_override);
  p.output_padding = attrs.ints("output_padding");
  if (p.output_padding.empty()) p.output_padding.assign(spatial, 0);
  if (p.output_padding.size() != spatial)
    model_error("output_padding has {} values for {} spatial axes", p.output_padding.size(),
                spatial);
  p.output_shape = attrs.ints("output_shape");
  if (p.output_shape.size() == spatial + 2)
    p.output_shape.erase(p.output_shape.begin(), p.output_shape.begin() + 2);
  if (!p.output_shape.empty() && p.output_shape.size() != spatial)
    model_error("output_shape has {} values for {} spatial axes", p.output_shape.size(), spatial);
  for (int64_t size : p.output_shape)
    if (size < 1) model_error("output_shape value {} is not positive", size);
  return p;
}

ConvTransposeGeometry resolve_conv_transpose(const ConvTransposeParams& p,
                                             const std::vector<int64_t>& in_sizes) {
  const WindowParams& w = p.window;
  const size_t n = w.kernel.size();
  ConvTransposeGeometry g;
  g.pads = w.auto_pad == AutoPad::Valid ? std::vector<int64_t>(2 * n, 0) : w.pads;
  const bool same = w.auto_pad == AutoPad::SameUpper || w.auto_pad == AutoPad::SameLower;
  for (size_t i = 0; i < n; ++i) {
    if (!p.output_shape.empty() || same) {
      const int64_t wanted =
          p.output_shape.empty() ? checked_mul(in_sizes[i], w.strides[i]) : p.output_shape[i];
      const AxisPads a = conv_transpose_pads(in_sizes[i], w.kernel[i], w.strides[i], w.dilations[i],
                                             p.output_padding[i], wanted, w.auto_pad);
      g.pads[i] = a.begin;
      g.pads[i + n] = a.end;
    }
    g.out_sizes.push_back(conv_transpose_output_size(in_sizes[i], w.kernel[i], w.strides[i],
                                                     w.dilations[i], g.pads[i], g.pads[i + n],
                                                     p.output_padding[i]));
  }
  return g;
}

Shape infer_window_output(const InferenceContext& ctx, const Shape& x, int64_t channels_out,
                          const std::vector<int64_t>& kernel_override) {
  if (!x.rank_known) return Shape::unknown();
  if (x.rank() < 3) model_error("expected an N x C x spatial input, got shape {}", x.to_string());
  const size_t spatial = x.rank() - 2;
  const WindowParams p = read_window_params(ctx.attrs(), spatial, kernel_override);
  std::vector<Dim> dims = {x.dims[0], channels_out >= 0 ? Dim(channels_out) : x.dims[1]};
  for (size_t i = 0; i < spatial; ++i) {
    const Dim& in = x.dims[i + 2];
    if (!in.known()) {
      dims.emplace_back();
      continue;
    }
    int64_t pb = p.pads[i], pe = p.pads[i + spatial];
    if (p.auto_pad != AutoPad::NotSet) {
      const AxisPads a =
          p.auto_pad == AutoPad::Valid
              ? AxisPads{}
              : same_pads(in.size, p.kernel[i], p.strides[i], p.dilations[i], p.auto_pad);
      pb = a.begin;
      pe = a.end;
    }
    dims.emplace_back(
        pool_output_size(in.size, p.kernel[i], p.strides[i], p.dilations[i], pb, pe, p.rounding));
  }
  return Shape(dims);
}

}  // namespace nnport
