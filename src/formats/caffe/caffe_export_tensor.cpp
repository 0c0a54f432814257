// Writes IR ops that move data: Concat, Split, Slice (Caffe Slice, with unwanted pieces sent to
// Silence, which both Caffe and OpenCV accept), Flatten, Reshape, Squeeze, Unsqueeze, Softmax,
// Identity, Transpose (a Reshape when only size-1 axes move, else caffe-ssd's Permute).
#include "formats/caffe/caffe_export.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

namespace {

int64_t positive_axis(NodeExport& ctx, int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) ctx.refuse("axis {} out of range", axis);
  return axis < 0 ? axis + r : axis;
}

void emit_concat(NodeExport& ctx) {
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  std::vector<std::string> bottoms;
  for (size_t i = 0; i < ctx.node().inputs.size(); ++i)
    bottoms.push_back(ctx.input_blob(i));
  pb::LayerParameter* l = ctx.layer("Concat", bottoms, {ctx.output_blob()});
  const int64_t axis = positive_axis(ctx, AttrReader(ctx.node()).i("axis"), out.size());
  if (axis != 1) l->mutable_concat_param()->set_axis(static_cast<int32_t>(axis));
}

void emit_softmax(NodeExport& ctx) {
  const Shape& s = ctx.shape(ctx.node().inputs[0]);
  if (!s.rank_known) ctx.refuse("unknown input rank");
  const int64_t axis = positive_axis(ctx, AttrReader(ctx.node()).i("axis"), s.rank());
  pb::LayerParameter* l = ctx.layer("Softmax", {ctx.input_blob(0)}, {ctx.output_blob()});
  if (axis != 1) l->mutable_softmax_param()->set_axis(static_cast<int32_t>(axis));
}

// A constant pad of the channel axis only (Keras' channel_padding in BlazeFace-style blocks):
// Caffe 1.0 has no Pad layer, so the pad channels are made from the input itself: a Power layer
// with scale 0 outputs its shift everywhere, whatever the input (Caffe fills the constant
// without reading it), on the input or on a Slice of it as wide as the pad, and a Concat puts
// them around the input.
// A zero pad of H and W of a 4-D blob (a ZeroPadding2D before a convolution or the input): a
// depthwise 1x1 Convolution with weight 1 pads with zeros and copies x * 1 = x exactly; its pad
// is symmetric, so an uneven pad takes the larger side and Slices cut the extra rows/columns.
void emit_spatial_zero_pad(NodeExport& ctx, const std::vector<int64_t>& in,
                           const std::vector<int64_t>& pads) {
  const int64_t channels = in[1];
  const int64_t pad_h = std::max(pads[2], pads[6]), pad_w = std::max(pads[3], pads[7]);
  const bool crop_h = pads[2] != pads[6], crop_w = pads[3] != pads[7];
  std::string current = crop_h || crop_w ? ctx.temp_blob("padded") : ctx.output_blob();
  pb::LayerParameter* l = ctx.layer("Convolution", {ctx.input_blob(0)}, {current});
  auto* p = l->mutable_convolution_param();
  p->set_num_output(static_cast<uint32_t>(channels));
  p->set_group(static_cast<uint32_t>(channels));
  p->set_bias_term(false);
  p->add_kernel_size(1);
  p->set_pad_h(static_cast<uint32_t>(pad_h));
  p->set_pad_w(static_cast<uint32_t>(pad_w));
  Tensor ones(DType::Float32, {channels, 1, 1, 1});
  for (float& v : ones.mutable_values<float>())
    v = 1.0f;
  ctx.net().add_blob(l, ones, {channels, 1, 1, 1});
  const int64_t sizes[2] = {in[2] + 2 * pad_h, in[3] + 2 * pad_w};
  for (int axis = 2; axis <= 3; ++axis) {
    const int64_t before = pads[axis], after = pads[axis + 4];
    const int64_t pad = std::max(before, after), size = sizes[axis - 2];
    if (before == after) continue;
    const bool last = axis == 3 || !crop_w;
    const std::string kept = last ? ctx.output_blob() : ctx.temp_blob("cropped");
    // Keep [pad - before, size - (pad - after)).
    std::vector<int64_t> points;
    std::vector<std::string> tops;
    if (pad > before) {
      points.push_back(pad - before);
      tops.push_back("");
    }
    tops.push_back(kept);
    if (pad > after) {
      points.push_back(size - (pad - after));
      tops.push_back("");
    }
    slice_layer(ctx, current, axis, points, tops);
    current = kept;
  }
}

void emit_pad(NodeExport& ctx) {
  const Node& node = ctx.node();
  const std::vector<int64_t> in = ctx.sizes(node.inputs[0]);
  const size_t rank = in.size();
  if (AttrReader(node).s("mode") != "constant") ctx.refuse("only constant padding");
  if (node.has_input(3)) ctx.refuse("pads for listed axes");
  const std::vector<int64_t> pads = ctx.require_constant_input(1, "pads").to_int64_vector();
  if (pads.size() != 2 * rank || rank < 2) ctx.refuse("pads do not match the rank");
  if (rank == 4 && pads[0] == 0 && pads[1] == 0 && pads[4] == 0 && pads[5] == 0 &&
      (pads[2] || pads[3] || pads[6] || pads[7])) {
    for (int64_t p : pads)
      if (p < 0) ctx.refuse("negative pads (crops)");
    if (node.has_input(2)) {
      const std::vector<float> v = ctx.require_constant_input(2, "value").to_float_vector();
      if (v.size() != 1 || v[0] != 0.0f) ctx.refuse("Caffe pads H and W with zeros only");
    }
    return emit_spatial_zero_pad(ctx, in, pads);
  }
  for (size_t i = 0; i < rank; ++i)
    if (i != 1 && (pads[i] != 0 || pads[rank + i] != 0))
      ctx.refuse("Caffe 1.0 has no layer that pads axis {}", i);
  if (pads[1] < 0 || pads[rank + 1] < 0) ctx.refuse("negative pads (crops)");
  float value = 0.0f;
  if (node.has_input(2)) {
    const std::vector<float> v = ctx.require_constant_input(2, "value").to_float_vector();
    if (v.size() != 1) ctx.refuse("the pad value must be a scalar");
    value = v[0];
  }
  const std::string input = ctx.input_blob(0);
  const auto fill = [&](const std::string& like, const std::string& what) {
    const std::string blob = ctx.temp_blob(what);
    auto* power = ctx.layer("Power", {like}, {blob})->mutable_power_param();
    power->set_scale(0);
    power->set_shift(value);
    return blob;
  };
  const int64_t channels = in[1];
  std::string filled;
  std::vector<std::string> bottoms;
  const auto add_block = [&](int64_t width, const std::string& what) {
    for (; width >= channels; width -= channels) {
      if (filled.empty()) filled = fill(input, "filled");
      bottoms.push_back(filled);
    }
    if (width == 0) return;
    const std::string cut = ctx.temp_blob(what + "_cut");
    slice_layer(ctx, input, 1, {width}, {cut, ""});
    bottoms.push_back(fill(cut, what));
  };
  add_block(pads[1], "before");
  bottoms.push_back(input);
  add_block(pads[rank + 1], "after");
  ctx.layer("Concat", bottoms, {ctx.output_blob()});
}

void emit_split(NodeExport& ctx) {
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  const int64_t axis = positive_axis(ctx, AttrReader(ctx.node()).i("axis"), in.size());
  std::vector<int64_t> points;
  int64_t at = 0;
  std::vector<std::string> tops;
  for (size_t i = 0; i < ctx.node().outputs.size(); ++i) {
    const std::vector<int64_t> piece = ctx.sizes(ctx.node().outputs[i]);
    if (piece[axis] == 0) ctx.refuse("an empty piece");
    at += piece[axis];
    if (i + 1 < ctx.node().outputs.size()) points.push_back(at);
    tops.push_back(ctx.node().outputs[i].empty() ? "" : ctx.output_blob(i));
  }
  slice_layer(ctx, ctx.input_blob(0), axis, points, tops);
}

void emit_slice(NodeExport& ctx) {
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  const Tensor& starts_t = ctx.require_constant_input(1, "starts");
  const Tensor& ends_t = ctx.require_constant_input(2, "ends");
  std::vector<int64_t> starts = starts_t.to_int64_vector(), ends = ends_t.to_int64_vector();
  std::vector<int64_t> axes(starts.size());
  for (size_t i = 0; i < axes.size(); ++i)
    axes[i] = static_cast<int64_t>(i);
  if (const Tensor* a = ctx.constant_input(3))
    axes = a->to_int64_vector();
  else if (ctx.node().has_input(3))
    ctx.refuse("axes must be constant");
  if (const Tensor* s = ctx.constant_input(4)) {
    for (int64_t step : s->to_int64_vector())
      if (step != 1) ctx.refuse("steps other than 1");
  } else if (ctx.node().has_input(4)) {
    ctx.refuse("steps must be constant");
  }
  // One Caffe Slice per cropped axis; the output shape (already inferred) gives each length.
  std::string current = ctx.input_blob(0);
  std::vector<int64_t> dims = in;
  std::vector<std::pair<int64_t, int64_t>> crops;  // axis -> begin
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = positive_axis(ctx, axes[i], in.size());
    int64_t begin = starts[i] < 0 ? starts[i] + in[axis] : starts[i];
    begin = std::clamp<int64_t>(begin, 0, in[axis]);
    if (out[axis] == in[axis]) continue;
    crops.push_back({axis, begin});
  }
  if (crops.empty()) {
    ctx.net().bind(ctx.node().outputs[0], current);
    return;
  }
  for (size_t c = 0; c < crops.size(); ++c) {
    const auto [axis, begin] = crops[c];
    const int64_t length = out[axis];
    const bool last = c + 1 == crops.size();
    const std::string kept = last ? ctx.output_blob() : ctx.temp_blob("cropped");
    std::vector<int64_t> points;
    std::vector<std::string> tops;
    if (begin > 0) {
      points.push_back(begin);
      tops.push_back("");
    }
    tops.push_back(kept);
    if (begin + length < dims[axis]) {
      points.push_back(begin + length);
      tops.push_back("");
    }
    slice_layer(ctx, current, axis, points, tops);
    dims[axis] = length;
    current = kept;
  }
}

bool feeds_only_inner_products(const NodeExport& ctx) {
  const std::string& out = ctx.node().outputs[0];
  const auto& outputs = ctx.graph().outputs;
  if (std::find(outputs.begin(), outputs.end(), out) != outputs.end()) return false;
  bool used = false;
  for (const Node& n : ctx.graph().nodes)
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] == out) {
        if (n.op != "Gemm" || i != 0) return false;
        used = true;
      }
  return used;
}

void emit_reshape_to_output(NodeExport& ctx) {
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  const bool flatten = ctx.node().op == "Flatten" && in.size() >= 2 && out.size() == 2 &&
                       out[0] == in[0] && AttrReader(ctx.node()).i("axis") == 1;
  if (flatten && feeds_only_inner_products(ctx)) {
    // Caffe's InnerProduct flattens from axis 1 itself.
    ctx.net().bind(ctx.node().outputs[0], ctx.input_blob(0));
    return;
  }
  if (flatten) {
    ctx.layer("Flatten", {ctx.input_blob(0)}, {ctx.output_blob()});
    return;
  }
  auto* p = ctx.layer("Reshape", {ctx.input_blob(0)}, {ctx.output_blob()})->mutable_reshape_param();
  for (int64_t d : out)
    p->mutable_shape()->add_dim(d);
}

void emit_identity(NodeExport& ctx) {
  ctx.net().bind(ctx.node().outputs[0], ctx.input_blob(0));
}

void emit_transpose(NodeExport& ctx) {
  const std::vector<int64_t> perm = AttrReader(ctx.node()).ints("perm");
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  // A permutation that only moves size-1 axes keeps the element order: a Reshape.
  std::vector<int64_t> moved;
  for (int64_t a : perm)
    if (in.at(a) != 1) moved.push_back(a);
  if (std::is_sorted(moved.begin(), moved.end())) return emit_reshape_to_output(ctx);
  permute_layer(ctx, ctx.input_blob(0), perm, ctx.output_blob());
}

}  // namespace

void slice_layer(NodeExport& ctx, const std::string& input, int64_t axis,
                 const std::vector<int64_t>& points, std::vector<std::string> keep) {
  std::vector<std::string> discarded;
  for (size_t i = 0; i < keep.size(); ++i)
    if (keep[i].empty()) {
      keep[i] = ctx.temp_blob("unused" + std::to_string(i));
      discarded.push_back(keep[i]);
    }
  auto* p = ctx.layer("Slice", {input}, keep)->mutable_slice_param();
  p->set_axis(static_cast<int32_t>(axis));
  for (int64_t point : points)
    p->add_slice_point(static_cast<uint32_t>(point));
  if (!discarded.empty()) ctx.layer("Silence", discarded, {});
}

void reshape_layer(NodeExport& ctx, const std::string& input, const std::vector<int64_t>& dims,
                   const std::string& output) {
  auto* p = ctx.layer("Reshape", {input}, {output})->mutable_reshape_param();
  for (int64_t d : dims)
    p->mutable_shape()->add_dim(d);
}

NodeEmitter find_tensor_emitter(const std::string& op) {
  if (op == "Concat") return emit_concat;
  if (op == "Softmax") return emit_softmax;
  if (op == "Split") return emit_split;
  if (op == "Slice") return emit_slice;
  if (op == "Pad") return emit_pad;
  if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze")
    return emit_reshape_to_output;
  if (op == "Identity" || op == "Dropout") return emit_identity;
  if (op == "Transpose") return emit_transpose;
  return nullptr;
}

}  // namespace nnport::caffe_export
