// Legalization of windowed ops for Caffe, whose pads are symmetric, whose pooling rounds up
// (dropping a last window only when padded) and whose average divides by the window clipped to
// the padded input (SEMANTICS.md §1-3). Each rewrite keeps the numbers:
// - asymmetric pads: a symmetric pad P >= the wanted pads with (P - pad_begin) % stride == 0, so
//   Caffe's output i + (P - pad_begin) / stride is the wanted output i; a Slice crops the
//   leading and trailing surplus (the extra zeros only feed discarded outputs);
// - pooling rounding: Caffe's possibly larger output is cropped the same way;
// - average divisors: a Mul by a constant H x W map of caffe_divisor / wanted_divisor;
// - transposed-conv outputs past the full result (output_padding beyond the end pad): zero taps
//   appended to the kernel reach them (widen_transposed_kernel);
// - pools where BVLC Caffe and OpenCV disagree on the last window: the input is trimmed to what
//   the wanted windows read (trim_pool_input).
#include "formats/caffe/caffe_legalize.h"

#include <optional>

#include "formats/caffe/caffe_pool_math.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "ir/ops/spatial.h"

namespace nnport::caffe_export {

namespace {

struct AxisPlan {
  int64_t pad = 0;   // symmetric pad written to Caffe
  int64_t lead = 0;  // outputs cropped at the start
  int64_t caffe_out = 0;
  int64_t wanted_out = 0;
};

[[noreturn]] void refuse(const Node& node, const std::string& reason) {
  model_error("node '{}' ({}): cannot be written to Caffe exactly: {}", node.name, node.op, reason);
}

std::vector<int64_t> or_ones(std::vector<int64_t> v, size_t n) {
  if (v.empty()) v.assign(n, 1);
  return v;
}

// Adds a Slice keeping [lead, lead + wanted) on each cropped axis; returns the cropped value.
std::string crop(Graph& graph, std::vector<Node>& added, const Node& node, const std::string& input,
                 const std::vector<AxisPlan>& plans, const std::string& output,
                 const std::string& label = "crop") {
  std::vector<int64_t> starts, ends, axes;
  for (size_t a = 0; a < plans.size(); ++a) {
    if (plans[a].lead == 0 && plans[a].caffe_out == plans[a].wanted_out) continue;
    starts.push_back(plans[a].lead);
    ends.push_back(plans[a].lead + plans[a].wanted_out);
    axes.push_back(static_cast<int64_t>(a) + 2);
  }
  if (axes.empty()) return input;
  auto ints = [&](const std::string& what, const std::vector<int64_t>& v) {
    const std::string name = graph.unique_name(node.name + "/" + label + "_" + what);
    graph.add_constant(name, Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v));
    return name;
  };
  Node slice;
  slice.name = graph.unique_name(node.name + "/" + label);
  slice.op = "Slice";
  slice.inputs = {input, ints("starts", starts), ints("ends", ends), ints("axes", axes)};
  slice.outputs = {output};
  graph.add_value(output);
  added.push_back(std::move(slice));
  return output;
}

std::vector<AxisPlan> plan_conv(const Node& node, const std::vector<int64_t>& in,
                                const std::vector<int64_t>& kernel, bool transposed) {
  const AttrReader attrs(node);
  const size_t spatial = kernel.size();
  const std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), spatial);
  const std::vector<int64_t> strides = or_ones(attrs.ints("strides"), spatial);
  const std::vector<int64_t> dilations = or_ones(attrs.ints("dilations"), spatial);
  std::vector<int64_t> output_padding =
      attrs.has("output_padding") ? attrs.ints("output_padding") : std::vector<int64_t>(spatial, 0);
  if (output_padding.empty()) output_padding.assign(spatial, 0);
  std::vector<AxisPlan> plans(spatial);
  for (size_t a = 0; a < spatial; ++a) {
    const int64_t pb = pads[a], pe = pads[a + spatial], s = strides[a];
    const int64_t ke = effective_kernel(kernel[a], dilations[a]);
    AxisPlan& p = plans[a];
    if (transposed) {
      // out = s*(in-1) + ke - pb - pe + output_padding; a smaller symmetric pad only adds
      // outputs at the two ends, which are cropped.
      p.pad = std::min(pb, pe);
      p.lead = pb - p.pad;
      p.caffe_out = s * (in[a] - 1) + ke - 2 * p.pad;
      p.wanted_out = s * (in[a] - 1) + ke - pb - pe + output_padding[a];
      if (p.caffe_out - p.lead < p.wanted_out)
        refuse(node, "output_padding larger than the end pad");
      continue;
    }
    p.pad = pb;
    if (pe > pb) p.pad = pb + (pe - pb + s - 1) / s * s;
    p.lead = (p.pad - pb) / s;
    p.caffe_out = conv_output_size(in[a], kernel[a], s, dilations[a], p.pad, p.pad);
    p.wanted_out = conv_output_size(in[a], kernel[a], s, dilations[a], pb, pe);
  }
  return plans;
}

// Empty when an unpadded axis sits beside a padded one where BVLC Caffe and OpenCV disagree on
// the output size: BVLC drops a last window starting at or after in + pad on every axis once any
// axis is padded (pooling_layer.cpp), OpenCV 4.6 only on an axis that is itself padded (a 2x2/3
// pool on 9x15 with pad_w 1 gives 4 rows there, 3 in BVLC). Such a pool's input is trimmed.
std::optional<std::vector<AxisPlan>> plan_pool(const Node& node, const std::vector<int64_t>& in) {
  const AttrReader attrs(node);
  const std::vector<int64_t> kernel = attrs.ints("kernel_shape");
  const std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), 2);
  const std::vector<int64_t> strides = or_ones(attrs.ints("strides"), 2);
  for (int64_t d : or_ones(attrs.ints("dilations"), 2))
    if (d != 1) refuse(node, "dilated pooling has no Caffe form");
  const Rounding rounding = parse_rounding(attrs.s("rounding"));
  std::vector<AxisPlan> plans(2);
  // Caffe's tail rule depends on whether any axis is padded, so plan until the choice is stable.
  bool any_pad = pads[0] > 0 || pads[1] > 0;
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (int a = 0; a < 2; ++a) {
      const int64_t pb = pads[a], pe = pads[a + 2], s = strides[a], k = kernel[a];
      AxisPlan& p = plans[a];
      p.wanted_out = pool_output_size(in[a], k, s, 1, pb, pe, rounding);
      bool found = false, runtimes_disagree = false;
      for (int64_t lead = 0; pb + lead * s < k; ++lead) {
        const int64_t pad = pb + lead * s;
        // OpenCV drops the last window only on an axis that is itself padded, Caffe whenever
        // any axis is: an unpadded axis beside a padded one is safe only where the rule is moot.
        if (any_pad && pad == 0 &&
            caffe_pool_output(in[a], k, s, 0, true) != caffe_pool_output(in[a], k, s, 0, false)) {
          runtimes_disagree = true;
          continue;
        }
        const int64_t out = caffe_pool_output(in[a], k, s, pad, any_pad || pad > 0);
        if (out - lead >= p.wanted_out) {
          p = {pad, lead, out, p.wanted_out};
          found = true;
          break;
        }
      }
      if (!found && runtimes_disagree) return std::nullopt;
      if (!found)
        refuse(node, fmt::format("no symmetric pad below the kernel size {} reproduces pads "
                                 "{},{} on axis {}",
                                 k, pb, pe, a));
    }
    const bool chosen_any_pad = plans[0].pad > 0 || plans[1].pad > 0;
    if (chosen_any_pad == any_pad) return plans;
    any_pad = chosen_any_pad;
  }
  return std::nullopt;
}

// caffe_divisor / wanted_divisor over the wanted output positions, or empty when all are 1.
Tensor divisor_correction(const Node& node, const std::vector<int64_t>& in,
                          const std::vector<AxisPlan>& plans) {
  const AttrReader attrs(node);
  const std::vector<int64_t> kernel = attrs.ints("kernel_shape");
  const std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), 2);
  const std::vector<int64_t> strides = or_ones(attrs.ints("strides"), 2);
  const AvgDivisor wanted = parse_avg_divisor(attrs.s("divisor"));
  std::vector<std::vector<double>> ratio(2);
  bool all_one = true;
  for (int a = 0; a < 2; ++a) {
    const AxisPlan& p = plans[a];
    const auto caffe =
        divisor_counts(in[a], kernel[a], strides[a], p.pad, p.pad, p.caffe_out, AvgDivisor::Padded);
    const auto want =
        divisor_counts(in[a], kernel[a], strides[a], pads[a], pads[a + 2], p.wanted_out, wanted);
    for (int64_t i = 0; i < p.wanted_out; ++i) {
      if (want[i] <= 0) refuse(node, "an average window holds no input cell");
      ratio[a].push_back(static_cast<double>(caffe[i + p.lead]) / static_cast<double>(want[i]));
      all_one = all_one && caffe[i + p.lead] == want[i];
    }
  }
  if (all_one) return {};
  Tensor map(DType::Float32, {plans[0].wanted_out, plans[1].wanted_out});
  float* out = map.mutable_data<float>();
  for (int64_t h = 0; h < plans[0].wanted_out; ++h)
    for (int64_t w = 0; w < plans[1].wanted_out; ++w)
      out[h * plans[1].wanted_out + w] = static_cast<float>(ratio[0][h] * ratio[1][w]);
  return map;
}

bool needs_work(const std::vector<AxisPlan>& plans, const std::vector<int64_t>& pads) {
  const size_t n = plans.size();
  for (size_t a = 0; a < n; ++a)
    if (plans[a].lead != 0 || plans[a].caffe_out != plans[a].wanted_out ||
        plans[a].pad != pads[a] || plans[a].pad != pads[a + n])
      return true;
  return false;
}

// TF's Conv2DBackpropInput can ask for trailing outputs past the full transposed-conv result
// (output_padding beyond the end pad): no tap reaches them, so they hold zero (plus the bias).
// Caffe's Deconvolution has no output_padding, but zero taps appended at the kernel's end reach
// only positions past the old full result. With pb + output_padding - pe of them the end pad
// equals the begin pad, and Caffe's symmetric pad pb gives exactly the wanted outputs. A dilated
// kernel is first written out undilated (zeros between the taps) so the new taps follow the last.
void widen_transposed_kernel(Graph& graph, Node& node) {
  const Tensor& weight = *graph.constant(node.inputs.at(1));
  const AttrReader attrs(node);
  const size_t spatial = weight.rank() - 2;
  std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), spatial);
  const std::vector<int64_t> dilations = or_ones(attrs.ints("dilations"), spatial);
  std::vector<int64_t> output_padding = attrs.ints("output_padding");
  if (output_padding.empty()) output_padding.assign(spatial, 0);
  if (output_padding.size() != spatial)
    refuse(node, fmt::format("output_padding has {} values for {} spatial axes",
                             output_padding.size(), spatial));
  std::vector<int64_t> extra(spatial, 0);
  bool widen = false;
  for (size_t a = 0; a < spatial; ++a) {
    const int64_t pb = pads[a], pe = pads[a + spatial];
    if (output_padding[a] <= pe - std::min(pb, pe)) continue;  // the end pad covers it
    extra[a] = pb + output_padding[a] - pe;
    pads[a + spatial] = pb;
    output_padding[a] = 0;
    widen = true;
  }
  if (!widen) return;
  if (weight.dtype() != DType::Float32)
    refuse(node,
           fmt::format("widening a {} kernel (Caffe stores float32)", dtype_name(weight.dtype())));
  std::vector<int64_t> dims(weight.dims().begin(), weight.dims().begin() + 2), kernel;
  for (size_t a = 0; a < spatial; ++a) {
    kernel.push_back(effective_kernel(weight.dims()[a + 2], dilations[a]) + extra[a]);
    dims.push_back(kernel.back());
  }
  Tensor widened(DType::Float32, dims);
  const auto from = weight.values<float>();
  auto to = widened.mutable_values<float>();
  for (size_t i = 0; i < from.size(); ++i) {
    // Tap index -> position in the widened kernel, last axis fastest.
    int64_t rest = static_cast<int64_t>(i), offset = 0, stride = 1;
    for (size_t a = spatial; a-- > 0;) {
      const int64_t tap = rest % weight.dims()[a + 2];
      rest /= weight.dims()[a + 2];
      offset += tap * dilations[a] * stride;
      stride *= kernel[a];
    }
    to[rest * stride + offset] = from[i];
  }
  const std::string name = graph.unique_name(node.name + "/widened_weight");
  graph.add_constant(name, std::move(widened));
  node.inputs[1] = name;
  node.attrs.set("pads", pads);
  node.attrs.set("output_padding", output_padding);
  node.attrs.set("dilations", std::vector<int64_t>(spatial, 1));
  node.attrs.set("kernel_shape", kernel);
}

// Cells past the last wanted window of an unpadded axis feed no wanted output. With them sliced
// off the input (and the end pad, which then reaches no wanted window, dropped) that axis's
// windows fit the input exactly, so there is no last window for either runtime to drop. Returns
// false when no unpadded axis has such cells.
bool trim_pool_input(Graph& graph, Node& node, const std::vector<int64_t>& sizes,
                     std::vector<Node>& result) {
  const AttrReader attrs(node);
  const std::vector<int64_t> kernel = attrs.ints("kernel_shape");
  std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), 2);
  const std::vector<int64_t> strides = or_ones(attrs.ints("strides"), 2);
  std::vector<AxisPlan> keep(2);
  std::vector<int64_t> trimmed = sizes;
  bool trim = false;
  for (int a = 0; a < 2; ++a) {
    const int64_t in = sizes[a + 2];
    keep[a] = {0, 0, in, in};
    if (pads[a] != 0) continue;
    const int64_t wanted = pool_output_size(in, kernel[a], strides[a], 1, 0, pads[a + 2],
                                            parse_rounding(attrs.s("rounding")));
    const int64_t reach = (wanted - 1) * strides[a] + kernel[a];
    if (reach >= in) continue;
    keep[a].wanted_out = trimmed[a + 2] = reach;
    pads[a + 2] = 0;
    trim = true;
  }
  if (!trim) return false;
  const Value& x = graph.value(node.inputs[0]);
  const DType dtype = x.dtype;
  const std::string value = crop(graph, result, node, node.inputs[0], keep,
                                 graph.unique_name(node.inputs[0] + "/trimmed"), "trim_input");
  graph.value(value).dtype = dtype;
  graph.value(value).shape = Shape::from_sizes(trimmed);
  node.inputs[0] = value;
  node.attrs.set("pads", pads);
  return true;
}

// Appends the Caffe-expressible form of one node to `result`.
void legalize_node(Graph& graph, Node node, std::vector<Node>& result, const std::string& hint,
                   bool may_trim = true) {
  const bool conv = node.op == "Conv" || node.op == "ConvTranspose";
  const bool pool = node.op == "MaxPool" || node.op == "AveragePool";
  if (!conv && !pool) {
    result.push_back(std::move(node));
    return;
  }
  const AttrReader attrs(node);
  if (parse_auto_pad(attrs.s("auto_pad")) != AutoPad::NotSet)
    refuse(node, "auto_pad needs known input sizes (give them with --input)");
  std::vector<int64_t> kernel;
  if (conv) {
    if (!graph.constant(node.inputs.at(1))) refuse(node, "the weight is not a constant");
    if (node.op == "ConvTranspose") widen_transposed_kernel(graph, node);
    const std::vector<int64_t>& w = graph.constant(node.inputs[1])->dims();
    kernel.assign(w.begin() + 2, w.end());
  } else {
    kernel = attrs.ints("kernel_shape");
  }
  const size_t spatial = kernel.size();
  const std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), spatial);
  bool symmetric = true;
  for (size_t a = 0; a < spatial; ++a)
    symmetric = symmetric && pads[a] == pads[a + spatial];
  const Shape& x = graph.value(node.inputs[0]).shape;
  if (!x.fully_known() || x.rank() != spatial + 2) {
    if (conv && symmetric) {
      result.push_back(std::move(node));
      return;
    }
    refuse(node, fmt::format("needs a known input shape, got {}{}", x.to_string(),
                             hint.empty() ? "" : "; give the input sizes: " + hint));
  }
  const std::vector<int64_t> sizes = x.sizes();
  const std::vector<int64_t> in(sizes.begin() + 2, sizes.end());
  std::vector<AxisPlan> plans;
  if (conv) {
    plans = plan_conv(node, in, kernel, node.op == "ConvTranspose");
  } else if (auto planned = plan_pool(node, in)) {
    plans = std::move(*planned);
  } else if (may_trim && trim_pool_input(graph, node, sizes, result)) {
    legalize_node(graph, std::move(node), result, hint, false);
    return;
  } else {
    refuse(node,
           "an unpadded axis beside a padded one, where BVLC Caffe and OpenCV disagree on "
           "the output size, and no symmetric pad below the kernel or input trim avoids it");
  }
  Tensor correction;
  if (node.op == "AveragePool") correction = divisor_correction(node, in, plans);
  const bool pool_attrs_differ =
      pool &&
      (attrs.s("rounding") != rounding_name(caffe_rounding(plans[0].pad > 0 || plans[1].pad > 0)) ||
       (node.op == "AveragePool" && attrs.s("divisor") != "padded"));
  if (!needs_work(plans, pads) && correction.empty() && !pool_attrs_differ) {
    result.push_back(std::move(node));
    return;
  }
  std::vector<int64_t> new_pads;
  for (const AxisPlan& p : plans)
    new_pads.push_back(p.pad);
  for (const AxisPlan& p : plans)
    new_pads.push_back(p.pad);
  node.attrs.set("pads", new_pads);
  if (node.op == "ConvTranspose") node.attrs.erase("output_padding");
  if (pool)
    node.attrs.set("rounding", rounding_name(caffe_rounding(plans[0].pad > 0 || plans[1].pad > 0)));
  if (node.op == "AveragePool") node.attrs.set("divisor", std::string("padded"));
  const bool cropped = needs_work(plans, new_pads);
  if (!cropped && correction.empty()) {
    result.push_back(std::move(node));  // only the attributes changed
    return;
  }
  const std::string final_output = node.outputs[0];
  const std::string raw = graph.unique_name(final_output + "/caffe");
  graph.add_value(raw);
  node.outputs[0] = raw;
  const Node original = node;
  result.push_back(std::move(node));
  std::vector<Node> added;
  std::string value = raw;
  if (cropped)
    value = crop(graph, added, original, raw, plans,
                 correction.empty() ? final_output : graph.unique_name(final_output + "/cropped"));
  if (!correction.empty()) {
    const std::string map = graph.unique_name(original.name + "/divisor_correction");
    graph.add_constant(map, std::move(correction));
    Node mul;
    mul.name = graph.unique_name(original.name + "/divisor_correction");
    mul.op = "Mul";
    mul.inputs = {value, map};
    mul.outputs = {final_output};
    added.push_back(std::move(mul));
  }
  for (Node& n : added)
    result.push_back(std::move(n));
}

}  // namespace

void legalize_windows(Graph& graph, const std::string& input_hint) {
  std::vector<Node> result;
  result.reserve(graph.nodes.size());
  for (Node& node : graph.nodes)
    legalize_node(graph, std::move(node), result, input_hint);
  graph.nodes = std::move(result);
  infer_shapes(graph);
}

}  // namespace nnport::caffe_export
