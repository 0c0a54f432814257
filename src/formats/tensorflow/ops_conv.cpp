// Convolutions: Conv2D, DepthwiseConv2dNative, their TF.js/grappler fused forms, and
// Conv2DBackpropInput. Weights are rearranged to OIHW here, once; TF "SAME" becomes the IR's
// SAME_UPPER (pads from the effective kernel, odd pixel at the end), resolved to explicit pads
// as soon as the input size is known. A zero Pad in front of a convolution folds into its pads,
// and SpaceToBatchND -> conv -> BatchToSpaceND (TF's old dilated-conv lowering) folds back into
// one dilated convolution.
#include "formats/tensorflow/tf_common.h"
#include "formats/tensorflow/tf_importer.h"
#include "formats/tensorflow/tf_tensor.h"
#include "ir/ops/spatial.h"

#include <set>

namespace nnport::tf {

namespace {

struct Padding {
  std::vector<int64_t> pads;  // explicit [begins..., ends...] when known
  bool same = false;          // SAME_UPPER, to be resolved from the input size
};

Padding read_padding(NodeConverter& c, bool channels_last) {
  const std::string mode = c.attr_string("padding");
  Padding p;
  if (mode == "SAME") {
    p.same = true;
  } else if (mode == "VALID") {
    p.pads = {0, 0, 0, 0};
  } else if (mode == "EXPLICIT") {
    const std::vector<int64_t> e = c.attr_ints("explicit_paddings");
    if (e.size() != 8) c.fail("explicit_paddings has {} values, expected 8", e.size());
    const size_t h = channels_last ? 1 : 2, w = h + 1;
    const size_t channel = channels_last ? 3 : 1;
    if (e[0] || e[1] || e[2 * channel] || e[2 * channel + 1])
      c.fail("explicit_paddings pads the batch or channel dimension");
    p.pads = {e[2 * h], e[2 * w], e[2 * h + 1], e[2 * w + 1]};
    for (int64_t v : p.pads)
      if (v < 0) c.fail("explicit_paddings has a negative pad {}", v);
  } else {
    c.fail("padding '{}' is not supported", mode);
  }
  return p;
}

void set_padding(Attributes& attrs, const Padding& p) {
  if (p.same)
    attrs.set("auto_pad", std::string("SAME_UPPER"));
  else
    attrs.set("pads", p.pads);
}

// The IR value a conv reads, after folding a constant-zero Pad of the spatial axes into the
// conv's own pads (exact: convolution pads with zeros too).
std::string fold_zero_pad(NodeConverter& c, Importer& importer, const std::string& input,
                          bool channels_last, const std::vector<int64_t>& kernel,
                          const std::vector<int64_t>& strides,
                          const std::vector<int64_t>& dilations, Padding& padding) {
  const NodeDef* pad = c.producer(0);
  if (!pad || (pad->op() != "Pad" && pad->op() != "PadV2")) return input;
  if (pad->input_size() < 2) return input;
  const Tensor* amounts = importer.graph().constant(importer.value_of(pad->input(1)));
  if (!amounts || amounts->element_count() != 8) return input;
  if (pad->op() == "PadV2") {
    const Tensor* value = pad->input_size() > 2
                              ? importer.graph().constant(importer.value_of(pad->input(2)))
                              : nullptr;
    if (!value || value->element_count() != 1 || value->to_float_vector()[0] != 0.0f ||
        std::signbit(value->to_float_vector()[0]))
      return input;
  }
  const std::vector<int64_t> e = amounts->to_int64_vector();
  const size_t h = channels_last ? 1 : 2, w = h + 1, channel = channels_last ? 3 : 1;
  if (e[0] || e[1] || e[2 * channel] || e[2 * channel + 1]) return input;
  for (int64_t v : e)
    if (v < 0) return input;
  const std::string padded_input = importer.value_of(pad->input(0));
  std::vector<int64_t> base = padding.pads;
  if (padding.same) {
    const Shape& s = importer.graph().value(padded_input).shape;
    if (!s.rank_known || s.rank() != 4 || !s.dims[h].known() || !s.dims[w].known()) return input;
    const AxisPads ph = same_pads(s.dims[h].size + e[2 * h] + e[2 * h + 1], kernel[0], strides[0],
                                  dilations[0], AutoPad::SameUpper);
    const AxisPads pw = same_pads(s.dims[w].size + e[2 * w] + e[2 * w + 1], kernel[1], strides[1],
                                  dilations[1], AutoPad::SameUpper);
    base = {ph.begin, pw.begin, ph.end, pw.end};
  }
  padding.same = false;
  padding.pads = {base[0] + e[2 * h], base[1] + e[2 * w], base[2] + e[2 * h + 1],
                  base[3] + e[2 * w + 1]};
  return padded_input;
}

struct DilatedPattern {
  std::string input;  // SpaceToBatchND's input
  int64_t dilation_h = 1, dilation_w = 1;
  std::vector<int64_t> pads;
  const NodeDef* batch_to_space = nullptr;
};

// SpaceToBatchND(x, block, paddings) -> conv (VALID, stride 1) -> BatchToSpaceND(block, crops)
// computes a dilated convolution of x with pads (paddings - crops); that is exact whenever both
// differences are non-negative.
// Whether a conv node is stride 1, dilation 1, VALID: the only form the pattern produces.
bool plain_valid_conv(const NodeDef& conv) {
  const auto& attrs = conv.attr();
  auto all_ones = [&](const std::string& name) {
    auto it = attrs.find(name);
    if (it == attrs.end()) return name == "dilations";
    for (int64_t v : it->second.list().i())
      if (v != 1) return false;
    return true;
  };
  auto padding = attrs.find("padding");
  return padding != attrs.end() && padding->second.s() == "VALID" && all_ones("strides") &&
         all_ones("dilations");
}

std::optional<DilatedPattern> match_dilated_at(Importer& importer, const NodeDef& conv) {
  static const std::set<std::string> kConvOps = {"Conv2D", "_FusedConv2D", "DepthwiseConv2dNative",
                                                 "FusedDepthwiseConv2dNative"};
  if (!kConvOps.count(conv.op()) || conv.input_size() < 2 || !plain_valid_conv(conv))
    return std::nullopt;
  const NodeDef* stb = importer.node_def(normalize_tensor_name(conv.input(0)));
  if (!stb || stb->op() != "SpaceToBatchND" || stb->input_size() < 3) return std::nullopt;
  const auto& consumers = importer.consumers(conv.name());
  if (consumers.size() != 1 || consumers[0]->op() != "BatchToSpaceND" ||
      consumers[0]->input_size() < 3)
    return std::nullopt;
  const NodeDef* bts = consumers[0];
  auto constant = [&](const std::string& tensor) { return importer.constant_of(tensor); };
  const Tensor* block = constant(stb->input(1));
  const Tensor* paddings = constant(stb->input(2));
  const Tensor* block2 = constant(bts->input(1));
  const Tensor* crops = constant(bts->input(2));
  if (!block || !paddings || !block2 || !crops) return std::nullopt;
  const auto b = block->to_int64_vector(), b2 = block2->to_int64_vector();
  const auto p = paddings->to_int64_vector(), cr = crops->to_int64_vector();
  if (b.size() != 2 || b != b2 || p.size() != 4 || cr.size() != 4) return std::nullopt;
  DilatedPattern m;
  m.input = importer.value_of(stb->input(0));
  m.dilation_h = b[0];
  m.dilation_w = b[1];
  m.pads = {p[0] - cr[0], p[2] - cr[2], p[1] - cr[1], p[3] - cr[3]};
  for (int64_t v : m.pads)
    if (v < 0) return std::nullopt;
  m.batch_to_space = bts;
  return m;
}

enum class ConvKind { Regular, Depthwise };

// Shared by Conv2D / DepthwiseConv2dNative and their fused forms. Writes TF output 0.
void convert_conv(NodeConverter& c, Importer& importer, ConvKind kind) {
  const bool nhwc = c.channels_last();
  const Tensor& filter = c.require_constant(1, "the filter");
  if (filter.rank() != 4) c.fail("filter has rank {}, expected 4", filter.rank());
  const auto& f = filter.dims();  // [kh, kw, in, out] or [kh, kw, in, multiplier]
  std::vector<int64_t> strides = spatial_values(c, c.attr_ints("strides"), nhwc, "strides");
  std::vector<int64_t> dilations = spatial_values(
      c, c.attr_ints("dilations", std::vector<int64_t>{1, 1, 1, 1}), nhwc, "dilations");
  Padding padding = read_padding(c, nhwc);
  std::string input = c.input(0);

  const std::optional<DilatedPattern> dilated = match_dilated_at(importer, c.def());
  const NodeDef* producer = c.producer(0);
  if (!dilated && producer && producer->op() == "SpaceToBatchND")
    c.fail("reads SpaceToBatchND '{}' outside the dilated-convolution pattern", producer->name());
  if (dilated) {
    input = dilated->input;
    dilations = {dilated->dilation_h, dilated->dilation_w};
    padding.pads = dilated->pads;
  } else {
    input = fold_zero_pad(c, importer, input, nhwc, {f[0], f[1]}, strides, dilations, padding);
  }

  Tensor weight;
  int64_t group = 1;
  if (kind == ConvKind::Regular) {
    weight = transpose_tensor(filter, {3, 2, 0, 1});
  } else {
    // Output channel c*multiplier + m is [h, w, c, m] flattened over (c, m): a reshape, then
    // HWIO -> OIHW with I = 1.
    weight = transpose_tensor(filter.reshaped({f[0], f[1], 1, f[2] * f[3]}), {3, 2, 0, 1});
    group = f[2];
  }
  Attributes attrs = attrs_of({{"kernel_shape", std::vector<int64_t>{f[0], f[1]}},
                               {"strides", strides},
                               {"dilations", dilations},
                               {"group", group}});
  set_padding(attrs, padding);

  std::vector<std::string> conv_inputs = {nhwc ? to_channels_first(c, input) : input,
                                          c.add_constant(std::move(weight), "weight")};
  std::vector<std::string> fused = c.attr_strings("fused_ops");
  size_t next_arg = 2;
  size_t fused_index = 0;
  if (!fused.empty() && fused[0] == "BiasAdd") {
    conv_inputs.push_back(c.input(next_arg++));
    fused_index = 1;
  }
  const bool batch_norm = fused_index < fused.size() && fused[fused_index] == "FusedBatchNorm";
  const bool has_activation = fused_index + (batch_norm ? 1 : 0) < fused.size();
  const bool nchw_tail = batch_norm || has_activation;
  std::string result = nhwc || nchw_tail ? c.temp_name("conv") : c.output(0);
  c.emit("Conv", conv_inputs, {result}, attrs);
  if (batch_norm) {
    if (c.input_count() < next_arg + 4) c.fail("FusedBatchNorm needs 4 arguments");
    const float epsilon = c.attr_float("epsilon", 1e-4f);
    std::string bn = nhwc || has_activation ? c.temp_name("batch_norm") : c.output(0);
    c.emit("BatchNormalization",
           {result, c.input(next_arg), c.input(next_arg + 1), c.input(next_arg + 2),
            c.input(next_arg + 3)},
           {bn}, attrs_of({{"epsilon", epsilon}}));
    next_arg += 4;
    ++fused_index;
    result = bn;
  }
  if (fused_index + 1 < fused.size()) c.fail("fused_ops [{}] not supported", fmt::join(fused, ","));
  if (has_activation) {
    // Activations are elementwise, so applying them in NCHW keeps TF's numbers; Prelu's slope
    // is laid out for NHWC and moves to NCHW below.
    const std::string& act = fused[fused_index];
    std::string alpha;
    if (act == "Prelu") {
      const Tensor& slope = c.require_constant(next_arg, "the Prelu slope");
      Tensor s = slope;
      if (nhwc) {
        std::vector<int64_t> d = s.dims();
        while (d.size() < 4)
          d.insert(d.begin(), 1);
        s = transpose_tensor(s.reshaped(d), to_channels_first_perm(4));
      }
      alpha = c.add_constant(std::move(s), "alpha");
    }
    std::string activated = nhwc ? c.temp_name(act) : c.output(0);
    emit_activation(c, act, result, activated, alpha);
    result = activated;
  }
  if (nhwc) to_channels_last(c, result, c.output(0));
  if (dilated) c.fuse_later(dilated->batch_to_space->name(), c.output(0));
}

// TF's transposed convolution: input_sizes fixes the output size, from which the forward
// conv's pads follow; a remainder the pads cannot express becomes output_padding.
void convert_conv_backprop_input(NodeConverter& c, Importer&) {
  const bool nhwc = c.channels_last();
  const std::vector<int64_t> sizes = c.constant_ints(0, "input_sizes");
  const Tensor& filter = c.require_constant(1, "the filter");
  if (filter.rank() != 4 || sizes.size() != 4) c.fail("expects 4-D input_sizes and filter");
  const auto& f = filter.dims();  // [kh, kw, result channels, gradient channels]
  const std::vector<int64_t> strides = spatial_values(c, c.attr_ints("strides"), nhwc, "strides");
  const std::vector<int64_t> dilations = spatial_values(
      c, c.attr_ints("dilations", std::vector<int64_t>{1, 1, 1, 1}), nhwc, "dilations");
  Padding padding = read_padding(c, nhwc);
  const std::vector<int64_t> out_sizes =
      nhwc ? std::vector<int64_t>{sizes[1], sizes[2]} : std::vector<int64_t>{sizes[2], sizes[3]};
  std::vector<int64_t> pads(4, 0), output_padding(2, 0);
  for (size_t i = 0; i < 2; ++i) {
    const int64_t ke = effective_kernel(f[i], dilations[i]);
    int64_t pb = 0, pe = 0;
    int64_t grad = 0;
    if (padding.same) {
      const AxisPads a =
          same_pads(out_sizes[i], f[i], strides[i], dilations[i], AutoPad::SameUpper);
      pb = a.begin;
      pe = a.end;
      grad = (out_sizes[i] + strides[i] - 1) / strides[i];
    } else {
      pb = padding.pads[i];
      pe = padding.pads[i + 2];
      grad = (out_sizes[i] + pb + pe - ke) / strides[i] + 1;
    }
    const int64_t produced = (grad - 1) * strides[i] + ke - pb - pe;
    if (produced > out_sizes[i] || out_sizes[i] - produced >= strides[i])
      c.fail("input_sizes {} do not match the gradient size for this stride and padding",
             sizes_to_string(sizes));
    pads[i] = pb;
    pads[i + 2] = pe;
    output_padding[i] = out_sizes[i] - produced;
  }
  Attributes attrs = attrs_of({{"kernel_shape", std::vector<int64_t>{f[0], f[1]}},
                               {"strides", strides},
                               {"dilations", dilations},
                               {"pads", pads}});
  if (output_padding != std::vector<int64_t>{0, 0}) attrs.set("output_padding", output_padding);
  const std::string weight = c.add_constant(transpose_tensor(filter, {3, 2, 0, 1}), "weight");
  const std::string x = nhwc ? to_channels_first(c, c.input(2)) : c.input(2);
  std::string result = nhwc ? c.temp_name("conv_transpose") : c.output(0);
  c.emit("ConvTranspose", {x, weight}, {result}, attrs);
  if (nhwc) to_channels_last(c, result, c.output(0));
}

}  // namespace

namespace {
void conv2d(NodeConverter& c) {
  convert_conv(c, c.importer(), ConvKind::Regular);
}
void depthwise(NodeConverter& c) {
  convert_conv(c, c.importer(), ConvKind::Depthwise);
}
void conv2d_backprop_input(NodeConverter& c) {
  convert_conv_backprop_input(c, c.importer());
}

// SpaceToBatchND and BatchToSpaceND exist only as TF's lowering of a dilated convolution; the
// convolution between them converts the whole pattern (see match_dilated_at). The SpaceToBatchND
// output is never read as a value: every consumer is checked to be such a convolution.
void space_to_batch(NodeConverter& c) {
  for (const NodeDef* consumer : c.consumers())
    if (!match_dilated_at(c.importer(), *consumer))
      c.fail(
          "only supported as SpaceToBatchND -> Conv2D/DepthwiseConv2dNative (VALID, stride 1) "
          "-> BatchToSpaceND with constant blocks and crops no larger than the paddings; "
          "'{}' ({}) breaks the pattern",
          consumer->name(), consumer->op());
  c.alias(0, c.input(0));
}

void batch_to_space(NodeConverter& c) {
  c.fail(
      "only supported after a convolution of the dilated-convolution pattern "
      "(SpaceToBatchND -> Conv2D/DepthwiseConv2dNative -> BatchToSpaceND)");
}

const std::vector<OpConverter> kConverters = {
    {"Conv2D", conv2d},
    {"_FusedConv2D", conv2d},
    {"DepthwiseConv2dNative", depthwise},
    {"FusedDepthwiseConv2dNative", depthwise},
    {"Conv2DBackpropInput", conv2d_backprop_input},
    {"SpaceToBatchND", space_to_batch},
    {"BatchToSpaceND", batch_to_space},
};
}  // namespace

std::span<const OpConverter> conv_converters() {
  return kConverters;
}

}  // namespace nnport::tf
