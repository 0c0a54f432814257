// Bilinear upsampling by integer factors (TF's ResizeBilinear as Keras' UpSampling2D and most
// FPN heads use it). Caffe has no resize layer, but with an integer factor s every output
// position j = s * k + r mixes input k with k - 1 or k + 1 by weights that depend only on the
// phase r: a transposed convolution with stride s and fixed taps, one group per channel. The
// source coordinate is clamped to the input at the borders, which equals reading one replicated
// element beyond each edge; the input is padded so (Slice the first/last row and column, Concat
// them around it), and the borders come out as exact as the middle (SEMANTICS.md: resize rules).
// Downsampling by an integer factor is a strided depthwise Convolution (emit_downsample).
// align_corners, non-integer factors, cubic and nearest are refused naming the node.
#include <algorithm>
#include <cmath>

#include "formats/caffe/caffe_export.h"
#include "ir/ops/resize.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

BilinearTaps bilinear_upsample_taps(int64_t factor, bool half_pixel) {
  // With the input padded by one element each side, Deconvolution output j reads padded input
  // p through tap t = j + pad - p * factor. For j = s * k + r and input k + o (padded index
  // k + o + 1), a pad of 2s gives t = r + s * (1 - o): taps [0, s) for o = +1, [s, 2s) for o = 0,
  // [2s, 3s) for o = -1, and the output length s * (n + 1) + 3s - 4s = s * n.
  const int64_t s = factor;
  std::vector<float> taps(static_cast<size_t>(3 * s), 0.0f);
  for (int64_t r = 0; r < s; ++r) {
    const double d =
        half_pixel ? (r + 0.5) / static_cast<double>(s) - 0.5 : r / static_cast<double>(s);
    const auto tap = [&](int64_t o) { return static_cast<size_t>(r + s * (1 - o)); };
    if (d >= 0) {
      taps[tap(0)] = static_cast<float>(1.0 - d);
      taps[tap(1)] = static_cast<float>(d);
    } else {
      taps[tap(-1)] = static_cast<float>(-d);
      taps[tap(0)] = static_cast<float>(1.0 + d);
    }
  }
  // Dropping as many zero taps from each end keeps the output length (kernel - 2 pad).
  size_t lead = 0, trail = 0;
  while (lead < taps.size() && taps[lead] == 0.0f)
    ++lead;
  while (trail < taps.size() && taps[taps.size() - 1 - trail] == 0.0f)
    ++trail;
  const size_t trim = std::min(lead, trail);
  BilinearTaps result;
  result.weights.assign(taps.begin() + static_cast<std::ptrdiff_t>(trim),
                        taps.end() - static_cast<std::ptrdiff_t>(trim));
  result.pad = 2 * s - static_cast<int64_t>(trim);
  return result;
}

namespace {

// `input` with its first and last element along `axis` repeated once beyond each edge.
std::string replicate_edges(NodeExport& ctx, const std::string& input, int64_t axis, int64_t length,
                            const std::string& what) {
  std::string first = input, last = input;
  if (length == 2) {
    first = ctx.temp_blob(what + "_first");
    last = ctx.temp_blob(what + "_last");
    slice_layer(ctx, input, axis, {1}, {first, last});
  } else if (length > 2) {
    first = ctx.temp_blob(what + "_first");
    last = ctx.temp_blob(what + "_last");
    slice_layer(ctx, input, axis, {1, length - 1}, {first, "", last});
  }
  const std::string padded = ctx.temp_blob(what + "_padded");
  ctx.layer("Concat", {first, input, last}, {padded})
      ->mutable_concat_param()
      ->set_axis(static_cast<int32_t>(axis));
  return padded;
}

// Downsampling by an integer factor d reads, for output j, source d*j + (d-1)/2 (half_pixel) or
// d*j (asymmetric): one input element, or the mean of two neighbours when d is even and
// half_pixel, never beyond the input. A depthwise Convolution with stride d and the taps at the
// end of a d/2 + 1 kernel computes exactly that.
void emit_downsample(NodeExport& ctx, const std::vector<int64_t>& in,
                     const std::vector<int64_t>& out, const ResizeGeometry& geometry,
                     bool half_pixel) {
  const int64_t d = in[2] / out[2];
  for (size_t axis : {size_t{2}, size_t{3}})
    if (in[axis] != d * out[axis] || std::fabs(geometry.scales[axis] * d - 1.0) > 1e-9)
      ctx.refuse("scale {} on axis {} (output {} for input {}): only equal integer factors",
                 geometry.scales[axis], axis, out[axis], in[axis]);
  std::vector<float> taps;
  if (!half_pixel)
    taps = {1.0f};
  else if (d % 2 == 1)
    taps.assign(static_cast<size_t>((d - 1) / 2), 0.0f), taps.push_back(1.0f);
  else
    taps.assign(static_cast<size_t>(d / 2 - 1), 0.0f), taps.push_back(0.5f), taps.push_back(0.5f);
  const int64_t k = static_cast<int64_t>(taps.size()), channels = in[1];
  pb::LayerParameter* l = ctx.layer("Convolution", {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = l->mutable_convolution_param();
  p->set_num_output(static_cast<uint32_t>(channels));
  p->set_group(static_cast<uint32_t>(channels));
  p->set_bias_term(false);
  p->add_kernel_size(static_cast<uint32_t>(k));
  p->add_stride(static_cast<uint32_t>(d));
  Tensor weights(DType::Float32, {channels, 1, k, k});
  auto w = weights.mutable_values<float>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < k; ++y)
      for (int64_t x = 0; x < k; ++x)
        w[static_cast<size_t>((c * k + y) * k + x)] = taps[y] * taps[x];
  ctx.net().add_blob(l, weights, {channels, 1, k, k});
}

void emit_resize(NodeExport& ctx) {
  const Node& node = ctx.node();
  const AttrReader attrs(node);
  const ResizeMode mode = read_resize_mode(attrs);
  const std::vector<int64_t> in = ctx.sizes(node.inputs[0]);
  const std::vector<int64_t> out = ctx.sizes(node.outputs[0]);
  if (mode != ResizeMode::Linear) ctx.refuse("only bilinear resizing has a Caffe form");
  if (in.size() != 4) ctx.refuse("input of rank {} (NCHW expected)", in.size());
  const std::string transform = attrs.s("coordinate_transformation_mode");
  // With an exact integer factor, pytorch_half_pixel and half_pixel_symmetric are half_pixel.
  const bool half_pixel = transform == "half_pixel" || transform == "pytorch_half_pixel" ||
                          transform == "half_pixel_symmetric";
  if (!half_pixel && transform != "asymmetric")
    ctx.refuse("coordinate_transformation_mode {}: its weights vary along the axis", transform);
  const auto floats = [&](size_t i) {
    const Tensor* t = ctx.constant_input(i);
    if (node.has_input(i) && !t) ctx.refuse("input {} must be a constant", i);
    return t ? t->to_float_vector() : std::vector<float>{};
  };
  const Tensor* sizes_t = ctx.constant_input(3);
  if (node.has_input(3) && !sizes_t) ctx.refuse("sizes must be a constant");
  const ResizeGeometry geometry =
      resize_geometry(attrs, in, floats(2),
                      sizes_t ? sizes_t->to_int64_vector() : std::vector<int64_t>{}, floats(1));
  if (in[0] != out[0] || in[1] != out[1]) ctx.refuse("resizes the batch or channel axis");
  if (in[2] <= 0 || in[3] <= 0) ctx.refuse("an empty input");
  if (transform == "pytorch_half_pixel" && (out[2] == 1 || out[3] == 1))
    ctx.refuse("pytorch_half_pixel with an output of size 1 (it reads input 0 there)");
  if (attrs.i("antialias") != 0 && (out[2] < in[2] || out[3] < in[3]))
    ctx.refuse("antialiased downscaling");
  if (out[2] < in[2] && out[2] > 0 && in[2] % out[2] == 0)
    return emit_downsample(ctx, in, out, geometry, half_pixel);
  const int64_t factor = out[2] / in[2];
  for (size_t axis : {size_t{2}, size_t{3}}) {
    // The kernel's coordinate map uses the scale; the deconvolution assumes it is the factor.
    if (out[axis] != factor * in[axis] || geometry.scales[axis] != static_cast<double>(factor))
      ctx.refuse("scale {} on axis {} (output {} for input {}): only equal integer factors",
                 geometry.scales[axis], axis, out[axis], in[axis]);
  }
  if (factor == 1) return ctx.net().bind(node.outputs[0], ctx.input_blob(0));
  const BilinearTaps taps = bilinear_upsample_taps(factor, half_pixel);
  const int64_t k = static_cast<int64_t>(taps.weights.size()), channels = in[1];
  std::string padded = replicate_edges(ctx, ctx.input_blob(0), 2, in[2], "rows");
  padded = replicate_edges(ctx, padded, 3, in[3], "columns");
  pb::LayerParameter* l = ctx.layer("Deconvolution", {padded}, {ctx.output_blob()});
  auto* p = l->mutable_convolution_param();
  p->set_num_output(static_cast<uint32_t>(channels));
  p->set_group(static_cast<uint32_t>(channels));
  p->set_bias_term(false);
  p->add_kernel_size(static_cast<uint32_t>(k));
  p->add_stride(static_cast<uint32_t>(factor));
  p->add_pad(static_cast<uint32_t>(taps.pad));
  // Caffe's Deconvolution weights are [input channels, outputs per group, kH, kW].
  Tensor weights(DType::Float32, {channels, 1, k, k});
  auto w = weights.mutable_values<float>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < k; ++y)
      for (int64_t x = 0; x < k; ++x)
        w[static_cast<size_t>((c * k + y) * k + x)] = taps.weights[y] * taps.weights[x];
  ctx.net().add_blob(l, weights, {channels, 1, k, k});
}

}  // namespace

NodeEmitter find_resize_emitter(const std::string& op) {
  if (op == "Resize") return emit_resize;
  return nullptr;
}

}  // namespace nnport::caffe_export
