// The MXNet writer's legalization (SEMANTICS.md §1-3). MXNet's Convolution and Pooling pad
// symmetrically, round pooling with pooling_convention valid (floor) or full (ceil keeping every
// window), and divide averages by the window clipped to [-pad, in + pad) or by the real cells.
// Everything else is rewritten here, exactly:
// - asymmetric conv pads: an explicit zero Pad of the excess in front of a symmetric conv
//   (TF SAME 224 -> 112, k3 s2: pad_width (0,0,0,0,0,1,0,1) and pad 0);
// - asymmetric max-pool pads: the same with the lowest float, so padding never wins;
// - asymmetric average pools dividing by the real cells: a symmetric pad P >= both sides with
//   (P - pad_begin) % stride == 0, then crop the (P - pad_begin) / stride leading outputs; when
//   that leaves a window with no real cell (P >= kernel: MXNet makes its value up, nnport's
//   reader cannot run it, ONNX cannot state it), an explicit zero Pad and a constant divisor
//   map (broadcast_mul) instead;
//   dividing by the padded window: an explicit zero Pad, then count_include_pad;
// - pool output counts that neither convention gives (IR rounding "ceil" with its dropped tail
//   window): pooling_convention full and a crop of the surplus;
// - transposed convolutions whose (pads, output_padding) have no (pad, adj) form (MXNet crops
//   `pad` at both ends and adds `adj < stride` at the end): a smaller symmetric pad and an adj
//   whose window covers the wanted one, then a crop of the extra leading and trailing cells.
#include <limits>

#include "formats/mxnet/write_context.h"
#include "ir/ops/spatial.h"

namespace nnport::mxnet {

namespace {

class Legalizer {
 public:
  Legalizer(Graph& graph, const std::string& file) : graph_(graph), file_(file) {}

  void run() {
    std::vector<Node> source = std::move(graph_.nodes);
    graph_.nodes.clear();
    for (Node& node : source) {
      if (node.op == "Conv") {
        legalize_conv(node);
      } else if (node.op == "ConvTranspose") {
        legalize_conv_transpose(node);
      } else if (node.op == "MaxPool" || node.op == "AveragePool") {
        legalize_pool(node);
      } else {
        graph_.nodes.push_back(std::move(node));
      }
    }
  }

 private:
  template <typename... Args>
  [[noreturn]] void fail(const Node& node, fmt::format_string<Args...> format, Args&&... args) {
    model_error("{}: node '{}' ({}): {}", file_, node.name, node.op,
                fmt::format(format, std::forward<Args>(args)...));
  }

  // Spatial input sizes; legalizing needs them.
  std::vector<int64_t> spatial_sizes(const Node& node, size_t spatial) {
    const Shape& shape = graph_.value(node.inputs[0]).shape;
    if (!shape.rank_known || shape.rank() != spatial + 2)
      fail(node, "input shape {} is not N x C x {} spatial dims", shape.to_string(), spatial);
    std::vector<int64_t> sizes;
    for (size_t i = 0; i < spatial; ++i) {
      const Dim& d = shape.dims[2 + i];
      if (!d.known())
        fail(node,
             "needs the input's spatial size to emulate its padding or rounding in MXNet; "
             "give --input NAME:DIMS");
      sizes.push_back(d.size);
    }
    return sizes;
  }

  void check_no_auto_pad(const Node& node) {
    const std::string auto_pad = node.attrs.get_string("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID")
      fail(node, "auto_pad {} is still unresolved (the input size is unknown)", auto_pad);
  }

  std::string add_ints(const std::string& base, const std::vector<int64_t>& values) {
    const std::string name = graph_.unique_name(base);
    graph_.add_constant(
        name, Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values));
    return name;
  }

  // Pads the spatial axes of `x` by (begin[i], end[i]) with `value`; returns the padded value.
  std::string explicit_pad(const Node& node, const std::string& x,
                           const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                           float value) {
    const size_t spatial = begin.size();
    if (spatial != 2 && spatial != 3)
      fail(node, "asymmetric padding needs MXNet's Pad, which takes only 4-d and 5-d input");
    std::vector<int64_t> pads(2 * (spatial + 2), 0);
    for (size_t i = 0; i < spatial; ++i) {
      pads[2 + i] = begin[i];
      pads[spatial + 4 + i] = end[i];
    }
    Node pad;
    pad.name = graph_.unique_name(node.name + "_pad");
    pad.op = "Pad";
    const std::string value_name = graph_.unique_name(node.name + "_pad_value");
    graph_.add_constant(value_name, Tensor::scalar<float>(value));
    pad.inputs = {x, add_ints(node.name + "_pads", pads), value_name};
    pad.outputs = {graph_.unique_name(node.name + "_padded")};
    pad.attrs.set("mode", std::string("constant"));
    Value& out = graph_.add_value(pad.outputs[0]);
    out.dtype = graph_.value(x).dtype;
    const Shape& in = graph_.value(x).shape;
    if (in.rank_known) {
      out.shape = in;
      for (size_t i = 0; i < spatial; ++i)
        if (in.dims[2 + i].known())
          out.shape.dims[2 + i] = Dim(in.dims[2 + i].size + begin[i] + end[i]);
    }
    graph_.nodes.push_back(pad);
    return pad.outputs[0];
  }

  void legalize_conv(Node node) {
    check_no_auto_pad(node);
    const size_t spatial = node.attrs.get_ints("kernel_shape").size();
    std::vector<int64_t> pads = normalize_pads(node.attrs.get_ints("pads"), spatial);
    std::vector<int64_t> begin(spatial), end(spatial), symmetric(spatial);
    bool asymmetric = false;
    for (size_t i = 0; i < spatial; ++i) {
      symmetric[i] = std::min(pads[i], pads[spatial + i]);
      begin[i] = pads[i] - symmetric[i];
      end[i] = pads[spatial + i] - symmetric[i];
      asymmetric = asymmetric || begin[i] || end[i];
    }
    if (asymmetric) {
      node.inputs[0] = explicit_pad(node, node.inputs[0], begin, end, 0.0f);
      std::vector<int64_t> sym = symmetric;
      sym.insert(sym.end(), symmetric.begin(), symmetric.end());
      node.attrs.set("pads", sym);
    }
    graph_.nodes.push_back(std::move(node));
  }

  void legalize_pool(Node node) {
    check_no_auto_pad(node);
    const std::vector<int64_t> kernel = node.attrs.get_ints("kernel_shape");
    const size_t spatial = kernel.size();
    std::vector<int64_t> strides = node.attrs.get_ints("strides");
    if (strides.empty()) strides.assign(spatial, 1);
    for (int64_t d : node.attrs.get_ints("dilations"))
      if (d != 1) fail(node, "MXNet pooling has no dilation");
    const std::vector<int64_t> pads = normalize_pads(node.attrs.get_ints("pads"), spatial);
    const Rounding rounding = parse_rounding(node.attrs.get_string("rounding", "floor"));
    const bool is_max = node.op == "MaxPool";
    const AvgDivisor divisor =
        is_max ? AvgDivisor::Valid : parse_avg_divisor(node.attrs.get_string("divisor", "valid"));
    if (node.outputs.size() > 1 && !node.outputs[1].empty())
      fail(node, "MXNet pooling has no indices output");
    bool asymmetric = false;
    for (size_t i = 0; i < spatial; ++i)
      asymmetric = asymmetric || pads[i] != pads[spatial + i];
    const bool simple_rounding = rounding != Rounding::Ceil;
    if (!asymmetric && simple_rounding && divisor != AvgDivisor::Kernel) {
      graph_.nodes.push_back(std::move(node));
      return;
    }
    const std::vector<int64_t> in = spatial_sizes(node, spatial);
    std::vector<int64_t> wanted(spatial);
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t pb = pads[i], pe = pads[spatial + i];
      wanted[i] = pool_output_size(in[i], kernel[i], strides[i], 1, pb, pe, rounding);
      // The full kernel is what MXNet divides by only while no window leaves [-pb, in + pe).
      if (divisor == AvgDivisor::Kernel &&
          (wanted[i] - 1) * strides[i] - pb + kernel[i] > in[i] + pe)
        fail(node, "divisor 'kernel' with a window past the padded input has no MXNet form");
    }
    // Average over real cells: a wider symmetric pad adds only cells that are never counted,
    // unless it leaves a window with no real cell at all (pad >= kernel), whose value MXNet
    // makes up and nnport's reader cannot run; then the zeros are explicit and a divisor map
    // (counted / real cells per output) restores the average, exact to one rounding.
    const bool real_cells = !is_max && divisor == AvgDivisor::Valid;
    PoolPlan plan = plan_pool(node, in, kernel, strides, pads, wanted, real_cells);
    if (real_cells && plan.empty_window)
      plan = plan_pool(node, in, kernel, strides, pads, wanted, false);
    const bool divisor_map = real_cells && plan.has_explicit_pad();
    std::string x = node.inputs[0];
    if (plan.has_explicit_pad()) {
      const float fill = is_max ? std::numeric_limits<float>::lowest() : 0.0f;
      x = explicit_pad(node, x, plan.begin, plan.end, fill);
    }
    std::vector<int64_t> sym = plan.symmetric;
    sym.insert(sym.end(), plan.symmetric.begin(), plan.symmetric.end());
    node.attrs.set("pads", sym);
    node.attrs.set("rounding", std::string(plan.use_floor ? "floor" : "ceil_all"));
    // After an explicit zero pad every cell is "real" to MXNet; padded = count them all.
    if (!is_max && divisor != AvgDivisor::Valid) node.attrs.set("divisor", std::string("padded"));
    node.inputs[0] = x;
    std::string scaled_output;
    if (divisor_map) {
      scaled_output = node.outputs[0];
      const Value source = graph_.value(scaled_output);
      const std::string unscaled = graph_.unique_name(node.name + "_unscaled");
      Value& v = graph_.add_value(unscaled);
      v.dtype = source.dtype;
      v.shape = source.shape;
      node.outputs[0] = unscaled;
    }
    const std::string name = node.name;
    const std::string pooled = node.outputs[0];
    bool crop = false;
    for (size_t i = 0; i < spatial; ++i)
      crop = crop || plan.lead[i] || plan.produced[i] != wanted[i];
    if (crop)
      crop_output(std::move(node), plan.lead, wanted, plan.produced);
    else
      graph_.nodes.push_back(std::move(node));
    if (divisor_map)
      scale_by_divisor_map(name, pooled, scaled_output,
                           divisor_map_values(in, kernel, strides, pads, wanted, plan));
  }

  struct PoolPlan {
    std::vector<int64_t> symmetric, lead, begin, end, produced;
    bool use_floor = true;
    bool empty_window = false;  // a produced window without a real input cell
    bool has_explicit_pad() const {
      for (size_t i = 0; i < begin.size(); ++i)
        if (begin[i] || end[i]) return true;
      return false;
    }
  };

  // MXNet's symmetric pad, explicit pads and convention for a pool: widened (symmetric pad >=
  // both sides, aligned to the stride, leading outputs cropped) or the smaller side implicit
  // and the excess explicit.
  PoolPlan plan_pool(const Node& node, const std::vector<int64_t>& in,
                     const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                     const std::vector<int64_t>& pads, const std::vector<int64_t>& wanted,
                     bool widen) {
    const size_t spatial = in.size();
    PoolPlan p;
    p.symmetric.assign(spatial, 0);
    p.lead.assign(spatial, 0);
    p.begin.assign(spatial, 0);
    p.end.assign(spatial, 0);
    p.produced.assign(spatial, 0);
    std::vector<int64_t> padded_in = in;
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t pb = pads[i], pe = pads[spatial + i];
      if (widen) {
        const int64_t excess = std::max<int64_t>(pe - pb, 0);
        p.symmetric[i] = pb + (excess + strides[i] - 1) / strides[i] * strides[i];
        p.lead[i] = (p.symmetric[i] - pb) / strides[i];
      } else {
        p.symmetric[i] = std::min(pb, pe);
        p.begin[i] = pb - p.symmetric[i];
        p.end[i] = pe - p.symmetric[i];
      }
      padded_in[i] += p.begin[i] + p.end[i];
    }
    // Choose the MXNet convention: floor when it yields every wanted window, else full.
    bool floor_enough = true, floor_exact = true, full_exact = true;
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t need = p.lead[i] + wanted[i];
      const int64_t f = pool_output_size(padded_in[i], kernel[i], strides[i], 1, p.symmetric[i],
                                         p.symmetric[i], Rounding::Floor);
      const int64_t c = pool_output_size(padded_in[i], kernel[i], strides[i], 1, p.symmetric[i],
                                         p.symmetric[i], Rounding::CeilAll);
      floor_enough = floor_enough && f >= need;
      floor_exact = floor_exact && f == need;
      full_exact = full_exact && c == need;
      if (c < need) fail(node, "cannot reproduce {} output windows on axis {}", wanted[i], i);
    }
    p.use_floor = floor_exact || (!full_exact && floor_enough);
    for (size_t i = 0; i < spatial; ++i) {
      p.produced[i] =
          pool_output_size(padded_in[i], kernel[i], strides[i], 1, p.symmetric[i], p.symmetric[i],
                           p.use_floor ? Rounding::Floor : Rounding::CeilAll);
      // Window o covers [o * s - P, o * s - P + k) of the (explicitly padded) input.
      for (int64_t o = 0; o < p.produced[i]; ++o) {
        const int64_t start = o * strides[i] - p.symmetric[i];
        if (start >= padded_in[i] || start + kernel[i] <= 0) p.empty_window = true;
      }
    }
    return p;
  }

  // Per output position of the wanted windows: cells MXNet counts (inside the explicitly
  // padded input) over the real ones; 0 where no cell is real (the IR has no value there).
  std::vector<float> divisor_map_values(const std::vector<int64_t>& in,
                                        const std::vector<int64_t>& kernel,
                                        const std::vector<int64_t>& strides,
                                        const std::vector<int64_t>& pads,
                                        const std::vector<int64_t>& wanted, const PoolPlan& plan) {
    const size_t spatial = in.size();
    std::vector<std::vector<double>> ratio(spatial);
    for (size_t i = 0; i < spatial; ++i) {
      for (int64_t o = 0; o < wanted[i]; ++o) {
        const int64_t start = o * strides[i] - pads[i];
        int64_t real = 0, counted = 0;
        for (int64_t j = start; j < start + kernel[i]; ++j) {
          real += j >= 0 && j < in[i];
          counted += j >= -plan.begin[i] && j < in[i] + plan.end[i];
        }
        ratio[i].push_back(real == 0 ? 0.0 : static_cast<double>(counted) / real);
      }
    }
    std::vector<float> map;
    std::vector<int64_t> index(spatial, 0);
    for (int64_t flat = 0; flat < element_count(wanted); ++flat) {
      double value = 1.0;
      int64_t rest = flat;
      for (size_t i = spatial; i-- > 0;) {
        value *= ratio[i][static_cast<size_t>(rest % wanted[i])];
        rest /= wanted[i];
      }
      map.push_back(static_cast<float>(value));
    }
    return map;
  }

  void scale_by_divisor_map(const std::string& name, const std::string& x,
                            const std::string& output, const std::vector<float>& map) {
    std::vector<int64_t> dims = {1, 1};
    const Shape& shape = graph_.value(output).shape;
    for (size_t i = 2; i < shape.rank(); ++i)
      dims.push_back(shape.dims[i].size);
    const std::string map_name = graph_.unique_name(name + "_divisor_map");
    graph_.add_constant(map_name, Tensor::from_vector<float>(dims, map));
    Node mul;
    mul.name = graph_.unique_name(name + "_divisor");
    mul.op = "Mul";
    mul.inputs = {x, map_name};
    mul.outputs = {output};
    graph_.nodes.push_back(std::move(mul));
  }

  // MXNet's Deconvolution output starts at full-result cell `pad` and is `F - 2 pad + adj`
  // long; the IR's starts at pb and is `F - pb - pe + output_padding` long (both zero plus
  // bias past the full result F). With pad = P <= pb and adj = max(0, P - pe + op) < stride
  // the MXNet window covers the IR one: crop pb - P leading cells and adj - P + pe - op
  // trailing ones.
  void legalize_conv_transpose(Node node) {
    check_no_auto_pad(node);
    if (!node.attrs.get_ints("output_shape").empty()) {
      graph_.nodes.push_back(std::move(node));  // the emitter refuses it, naming the node
      return;
    }
    const Shape& w = graph_.value(node.inputs[1]).shape;
    size_t spatial = node.attrs.get_ints("kernel_shape").size();
    if (spatial == 0 && w.rank_known && w.rank() > 2) spatial = w.rank() - 2;
    if (spatial == 0) {
      graph_.nodes.push_back(std::move(node));  // the emitter names what is unknown
      return;
    }
    const std::vector<int64_t> pads = normalize_pads(node.attrs.get_ints("pads"), spatial);
    std::vector<int64_t> strides = node.attrs.get_ints("strides");
    if (strides.empty()) strides.assign(spatial, 1);
    std::vector<int64_t> output_padding = node.attrs.get_ints("output_padding");
    if (output_padding.empty()) output_padding.assign(spatial, 0);
    if (strides.size() != spatial || output_padding.size() != spatial)
      fail(node, "strides and output_padding need {} values", spatial);
    std::vector<int64_t> pad(spatial), adj(spatial), lead(spatial), tail(spatial);
    bool crop = false;
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t pb = pads[i], pe = pads[spatial + i], op = output_padding[i];
      const int64_t s = strides[i];
      if (pb - pe + op >= 0 && pb - pe + op < s) {
        pad[i] = pb;
        adj[i] = pb - pe + op;
      } else {
        pad[i] = std::min(pb, pe - op + s - 1);
        if (pad[i] < 0)
          fail(node,
               "output_padding {} reaches {} cells past the end pad {}; MXNet's adj stops "
               "short of the stride {}",
               op, op - pe, pe, s);
        adj[i] = std::max<int64_t>(0, pad[i] - pe + op);
      }
      lead[i] = pb - pad[i];
      tail[i] = adj[i] - pad[i] + pe - op;
      crop = crop || lead[i] || tail[i];
    }
    std::vector<int64_t> sym = pad;
    sym.insert(sym.end(), pad.begin(), pad.end());
    node.attrs.set("pads", sym);
    node.attrs.set("output_padding", adj);
    if (!crop) {
      graph_.nodes.push_back(std::move(node));
      return;
    }
    const Shape& out = graph_.value(node.outputs[0]).shape;
    if (!out.rank_known || out.rank() != spatial + 2)
      fail(node, "needs the output's spatial size to crop its MXNet form; give --input NAME:DIMS");
    std::vector<int64_t> wanted(spatial), produced(spatial);
    for (size_t i = 0; i < spatial; ++i) {
      if (!out.dims[2 + i].known())
        fail(node,
             "needs the output's spatial size to crop its MXNet form; give --input NAME:DIMS");
      wanted[i] = out.dims[2 + i].size;
      produced[i] = lead[i] + wanted[i] + tail[i];
    }
    crop_output(std::move(node), lead, wanted, produced);
  }

  // Renames the node's output, whose spatial sizes become `produced`, and slices
  // [lead, lead + wanted) of every spatial axis back into the original output.
  void crop_output(Node node, const std::vector<int64_t>& lead, const std::vector<int64_t>& wanted,
                   const std::vector<int64_t>& produced) {
    const size_t spatial = lead.size();
    const std::string final_output = node.outputs[0];
    const std::string uncropped = graph_.unique_name(node.name + "_uncropped");
    Value& uncropped_value = graph_.add_value(uncropped);
    uncropped_value.dtype = graph_.value(final_output).dtype;
    const Shape& final_shape = graph_.value(final_output).shape;
    if (final_shape.rank_known) {
      uncropped_value.shape = final_shape;
      for (size_t i = 0; i < spatial; ++i)
        uncropped_value.shape.dims[2 + i] = Dim(produced[i]);
    }
    node.outputs[0] = uncropped;
    const std::string name = node.name;
    graph_.nodes.push_back(std::move(node));
    Node slice;
    slice.name = graph_.unique_name(name + "_crop");
    slice.op = "Slice";
    std::vector<int64_t> starts, ends, axes;
    for (size_t i = 0; i < spatial; ++i) {
      starts.push_back(lead[i]);
      ends.push_back(lead[i] + wanted[i]);
      axes.push_back(static_cast<int64_t>(2 + i));
    }
    slice.inputs = {uncropped, add_ints(name + "_crop_starts", starts),
                    add_ints(name + "_crop_ends", ends), add_ints(name + "_crop_axes", axes)};
    slice.outputs = {final_output};
    graph_.nodes.push_back(std::move(slice));
  }

  Graph& graph_;
  const std::string& file_;
};

}  // namespace

Graph legalize_for_mxnet(const Graph& graph, const std::string& file) {
  Graph out = graph;
  Legalizer(out, file).run();
  return out;
}

}  // namespace nnport::mxnet
