// The MXNet writer's legalization (SEMANTICS.md §1-3). MXNet's Convolution and Pooling pad
// symmetrically, round pooling with pooling_convention valid (floor) or full (ceil keeping every
// window), and divide averages by the window clipped to [-pad, in + pad) or by the real cells.
// Everything else is rewritten here, exactly:
// - asymmetric conv pads: an explicit zero Pad of the excess in front of a symmetric conv
//   (TF SAME 224 -> 112, k3 s2: pad_width (0,0,0,0,0,1,0,1) and pad 0);
// - asymmetric max-pool pads: the same with the lowest float, so padding never wins;
// - asymmetric average pools dividing by the real cells: a symmetric pad P >= both sides with
//   (P - pad_begin) % stride == 0, then crop the (P - pad_begin) / stride leading outputs;
//   dividing by the padded window: an explicit zero Pad, then count_include_pad;
// - pool output counts that neither convention gives (IR rounding "ceil" with its dropped tail
//   window): pooling_convention full and a crop of the surplus.
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
    std::vector<int64_t> wanted(spatial), symmetric(spatial), lead(spatial, 0);
    std::vector<int64_t> begin(spatial, 0), end(spatial, 0);
    // Average over real cells: a wider symmetric pad adds only cells that are never counted.
    const bool widen = !is_max && divisor == AvgDivisor::Valid;
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t pb = pads[i], pe = pads[spatial + i];
      wanted[i] = pool_output_size(in[i], kernel[i], strides[i], 1, pb, pe, rounding);
      if (widen) {
        const int64_t excess = std::max<int64_t>(pe - pb, 0);
        symmetric[i] = pb + (excess + strides[i] - 1) / strides[i] * strides[i];
        lead[i] = (symmetric[i] - pb) / strides[i];
      } else {
        symmetric[i] = std::min(pb, pe);
        begin[i] = pb - symmetric[i];
        end[i] = pe - symmetric[i];
      }
      // The full kernel is what MXNet divides by only while no window leaves [-pb, in + pe).
      if (divisor == AvgDivisor::Kernel &&
          (wanted[i] - 1) * strides[i] - pb + kernel[i] > in[i] + pe)
        fail(node, "divisor 'kernel' with a window past the padded input has no MXNet form");
    }
    std::string x = node.inputs[0];
    std::vector<int64_t> padded_in = in;
    bool explicit_needed = false;
    for (size_t i = 0; i < spatial; ++i)
      explicit_needed = explicit_needed || begin[i] || end[i];
    if (explicit_needed) {
      const float fill = is_max ? std::numeric_limits<float>::lowest() : 0.0f;
      x = explicit_pad(node, x, begin, end, fill);
      for (size_t i = 0; i < spatial; ++i)
        padded_in[i] += begin[i] + end[i];
    }
    // Choose the MXNet convention: floor when it yields every wanted window, else full.
    bool floor_enough = true, floor_exact = true, full_exact = true;
    std::vector<int64_t> produced(spatial);
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t need = lead[i] + wanted[i];
      const int64_t f = pool_output_size(padded_in[i], kernel[i], strides[i], 1, symmetric[i],
                                         symmetric[i], Rounding::Floor);
      const int64_t c = pool_output_size(padded_in[i], kernel[i], strides[i], 1, symmetric[i],
                                         symmetric[i], Rounding::CeilAll);
      floor_enough = floor_enough && f >= need;
      floor_exact = floor_exact && f == need;
      full_exact = full_exact && c == need;
      if (c < need) fail(node, "cannot reproduce {} output windows on axis {}", wanted[i], i);
    }
    const bool use_floor = floor_exact || (!full_exact && floor_enough);
    for (size_t i = 0; i < spatial; ++i)
      produced[i] = pool_output_size(padded_in[i], kernel[i], strides[i], 1, symmetric[i],
                                     symmetric[i], use_floor ? Rounding::Floor : Rounding::CeilAll);
    std::vector<int64_t> sym = symmetric;
    sym.insert(sym.end(), symmetric.begin(), symmetric.end());
    node.attrs.set("pads", sym);
    node.attrs.set("rounding", std::string(use_floor ? "floor" : "ceil_all"));
    // After an explicit zero pad every cell is "real" to MXNet; padded = count them all.
    if (!is_max && divisor != AvgDivisor::Valid) node.attrs.set("divisor", std::string("padded"));
    node.inputs[0] = x;
    bool crop = false;
    for (size_t i = 0; i < spatial; ++i)
      crop = crop || lead[i] || produced[i] != wanted[i];
    if (!crop) {
      graph_.nodes.push_back(std::move(node));
      return;
    }
    const std::string final_output = node.outputs[0];
    const std::string pooled = graph_.unique_name(node.name + "_uncropped");
    Value& pooled_value = graph_.add_value(pooled);
    pooled_value.dtype = graph_.value(final_output).dtype;
    const Shape& final_shape = graph_.value(final_output).shape;
    if (final_shape.rank_known) {
      pooled_value.shape = final_shape;
      for (size_t i = 0; i < spatial; ++i)
        pooled_value.shape.dims[2 + i] = Dim(produced[i]);
    }
    node.outputs[0] = pooled;
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
    slice.inputs = {pooled, add_ints(name + "_crop_starts", starts),
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
