// Pool pads as large as the kernel. MXNet and Caffe allow them (nnport's MXNet writer uses them
// to align asymmetric average pools), ONNX Runtime refuses to load a MaxPool or AveragePool
// whose pads reach kernel_shape ("Pad should be smaller than kernel"). Each side keeps at most
// kernel - 1 cells of implicit padding; the rest becomes an explicit Pad in front, filled with
// what the pool ignores or counts the same way:
// - max: the dtype's lowest value (-inf for floats), which never beats a real cell;
// - average over the padded window (count_include_pad=1): zeros, and the divisor's bounds
//   [-pad_begin, in + pad_end) do not move. The zeros are -0.0, which adds nothing to any sum
//   (x + -0 = x) but is not all zero bytes: ONNX Runtime 1.30's PadFusion folds a Pad of +0
//   into the pool's pads, giving back pads >= kernel, and then refuses its own result. Before
//   opset 11 the Pad value is an attribute compared as a number (-0 == 0), so those opsets are
//   refused;
// - average over real cells (count_include_pad=0): zeros, which the pool now counts as real, so
//   a constant divisor map (cells counted / real cells, per output position) multiplies the
//   result back: exact to one rounding. A window with no real cell has no IR value (the
//   executor refuses it; MXNet's widened pools crop it away): the map holds 0 there.
#include <cmath>
#include <limits>

#include "formats/onnx/downgrade_ops.h"
#include "formats/onnx/node_error.h"
#include "ir/ops/spatial.h"

namespace nnport::onnx_format {

namespace {

// Taps j in [0, k) of a window starting at `start` with begin <= start + j*d < end.
int64_t taps_within(int64_t start, int64_t k, int64_t d, int64_t begin, int64_t end) {
  int64_t count = 0;
  for (int64_t j = 0; j < k; ++j)
    count += start + j * d >= begin && start + j * d < end;
  return count;
}

Tensor lowest_of(const Node& node, DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return Tensor::scalar<float>(-std::numeric_limits<float>::infinity());
    case DType::Int8:
      return Tensor::scalar<int8_t>(std::numeric_limits<int8_t>::lowest());
    case DType::UInt8:
      return Tensor::scalar<uint8_t>(0);
    default:
      node_error(node, "pads >= kernel_shape on a {} input cannot be padded explicitly",
                 dtype_name(dtype));
  }
}

// Multiplies the pool's output by a constant [1, 1, out...] map, the product of the per-axis
// ratios (a Mul after the pool, which takes over the pool's output name).
void scale_by_map(Node& node, const std::vector<int64_t>& out,
                  const std::vector<std::vector<double>>& ratio, DowngradeContext& ctx) {
  const size_t n = out.size();
  std::vector<int64_t> map_dims = {1, 1};
  map_dims.insert(map_dims.end(), out.begin(), out.end());
  const int64_t cells = element_count(map_dims);
  std::vector<float> map(static_cast<size_t>(cells));
  for (int64_t flat = 0; flat < cells; ++flat) {
    double value = 1.0;
    int64_t rest = flat;
    for (size_t i = n; i-- > 0;) {
      value *= ratio[i][static_cast<size_t>(rest % out[i])];
      rest /= out[i];
    }
    map[static_cast<size_t>(flat)] = static_cast<float>(value);
  }
  const std::string unscaled = ctx.fresh_name(node.outputs[0] + "_unscaled");
  Node scale{ctx.fresh_name(node.name + "_divisor"),
             "Mul",
             {unscaled, ctx.add_constant(node.name + "_divisor_map",
                                         Tensor::from_vector<float>(map_dims, map))},
             {node.outputs[0]},
             {}};
  node.outputs[0] = unscaled;
  ctx.emit_after(std::move(scale));
}

}  // namespace

void legalize_pool_pads(Node& node, DowngradeContext& ctx) {
  if (node.attrs.has("auto_pad")) return;  // pads derived by ONNX stay below the kernel
  const auto kernel = node.attrs.get_ints("kernel_shape");
  const size_t n = kernel.size();
  const auto pads = normalize_pads(node.attrs.get_ints("pads"), n);
  std::vector<int64_t> excess_begin(n), excess_end(n);
  bool large = false;
  for (size_t i = 0; i < n; ++i) {
    excess_begin[i] = std::max<int64_t>(pads[i] - (kernel[i] - 1), 0);
    excess_end[i] = std::max<int64_t>(pads[n + i] - (kernel[i] - 1), 0);
    large = large || excess_begin[i] || excess_end[i];
  }
  if (!large) return;
  if (node.outputs.size() > 1 && !node.outputs[1].empty())
    node_error(node,
               "pads {} reach kernel_shape {}, which ONNX Runtime refuses, and an explicit "
               "Pad would shift the Indices output",
               sizes_to_string(pads), sizes_to_string(kernel));

  const bool average = node.op == "AveragePool";
  const bool real_cells = average && node.attrs.get_int("count_include_pad", 0) == 0;
  const Rounding rounding =
      node.attrs.get_int("ceil_mode", 0) == 1 ? Rounding::Ceil : Rounding::Floor;
  auto strides = node.attrs.get_ints("strides");
  if (strides.empty()) strides.assign(n, 1);
  auto dilations = node.attrs.get_ints("dilations");
  if (dilations.empty()) dilations.assign(n, 1);
  const Value* x = ctx.graph().find_value(node.inputs[0]);
  const Shape& shape = ctx.shape(node.inputs[0]);
  std::vector<int64_t> in;
  if (shape.rank_known && shape.rank() == n + 2)
    for (size_t i = 0; i < n && shape.dims[2 + i].known(); ++i)
      in.push_back(shape.dims[2 + i].size);
  const bool sizes_known = in.size() == n;

  std::vector<int64_t> kept(2 * n);
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    kept[i] = pads[i] - excess_begin[i];
    kept[n + i] = pads[n + i] - excess_end[i];
    // Floor rounding counts windows over the padded total, which does not change; the ceil
    // tail rule looks at where the end padding starts, which moves by the explicit end pad.
    if (rounding == Rounding::Ceil && excess_end[i] && !sizes_known)
      node_error(node,
                 "pads {} reach kernel_shape {}; with ceil_mode the input size is needed "
                 "to move the excess into an explicit Pad",
                 sizes_to_string(pads), sizes_to_string(kernel));
    if (!sizes_known) continue;
    out[i] = pool_output_size(in[i], kernel[i], strides[i], dilations[i], pads[i], pads[n + i],
                              rounding);
    const int64_t moved =
        pool_output_size(in[i] + excess_begin[i] + excess_end[i], kernel[i], strides[i],
                         dilations[i], kept[i], kept[n + i], rounding);
    if (moved != out[i])
      node_error(node,
                 "pads {} reach kernel_shape {}; an explicit Pad of the excess changes "
                 "the ceil-rounded output count on axis {} ({} instead of {})",
                 sizes_to_string(pads), sizes_to_string(kernel), i, moved, out[i]);
  }
  if (real_cells && !sizes_known)
    node_error(node,
               "pads {} reach kernel_shape {}; averaging over real cells then needs the "
               "input size for its divisor map",
               sizes_to_string(pads), sizes_to_string(kernel));

  // The explicit Pad in front of the pool.
  const DType dtype = x ? x->dtype : DType::Float32;
  if (average && ctx.opset() < 11)
    node_error(node,
               "pads {} reach kernel_shape {}; the explicit zero Pad that moves the excess "
               "needs opset 11 (ONNX Runtime folds an older Pad back into the pads)",
               sizes_to_string(pads), sizes_to_string(kernel));
  if (average && dtype != DType::Float32)
    node_error(node, "pads >= kernel_shape on a {} average pool cannot be padded explicitly",
               dtype_name(dtype));
  const Tensor fill = average ? Tensor::scalar<float>(-0.0f) : lowest_of(node, dtype);
  std::vector<int64_t> pad_widths(2 * (n + 2), 0);
  for (size_t i = 0; i < n; ++i) {
    pad_widths[2 + i] = excess_begin[i];
    pad_widths[n + 4 + i] = excess_end[i];
  }
  const std::string padded = ctx.fresh_name(node.name + "_padded");
  Node pad{ctx.fresh_name(node.name + "_pad"), "Pad", {node.inputs[0]}, {padded}, {}};
  if (ctx.opset() < 11) {
    pad.attrs.set("pads", pad_widths);
    if (!average) {
      if (dtype != DType::Float32)
        node_error(node, "explicit -inf padding of a {} input needs opset 11 (writing {})",
                   dtype_name(dtype), ctx.opset());
      pad.attrs.set("value", -std::numeric_limits<float>::infinity());
    }
  } else {
    const auto count = static_cast<int64_t>(pad_widths.size());
    pad.inputs.push_back(
        ctx.add_constant(node.name + "_pads", Tensor::from_vector<int64_t>({count}, pad_widths)));
    pad.inputs.push_back(ctx.add_constant(node.name + "_pad_value", fill));
  }
  ctx.emit(std::move(pad));
  node.inputs[0] = padded;
  node.attrs.set("pads", kept);
  if (!real_cells) return;

  // count_include_pad=0 now also counts the explicit zeros: scale by counted / real cells.
  if (dtype != DType::Float32)
    node_error(node, "the divisor map of an average pool over real cells is float32 only");
  std::vector<std::vector<double>> ratio(n);
  for (size_t i = 0; i < n; ++i) {
    for (int64_t o = 0; o < out[i]; ++o) {
      const int64_t start = o * strides[i] - pads[i];
      const int64_t real = taps_within(start, kernel[i], dilations[i], 0, in[i]);
      const int64_t counted =
          taps_within(start, kernel[i], dilations[i], -excess_begin[i], in[i] + excess_end[i]);
      ratio[i].push_back(real == 0 ? 0.0 : static_cast<double>(counted) / real);
    }
  }
  scale_by_map(node, out, ratio, ctx);
}

// IR rounding ceil_all (MXNet `full`, Caffe with pad 0) keeps a last window that starts in the
// end padding, or past it; ONNX's ceil_mode drops it. The whole end padding becomes an explicit
// Pad long enough for floor rounding to give every window, and the average is taken over the
// full kernel (count_include_pad=1: every window now lies inside the padded input), then a
// divisor map kernel / IR divisor per output. A window without a real cell has no IR value
// (Caffe divides 0 by 0 there and crops it away): the map holds 0 there.
void pad_end_for_ceil_all(Node& node, const std::vector<int64_t>& in, std::vector<int64_t> strides,
                          std::vector<int64_t> dilations, AvgDivisor divisor,
                          DowngradeContext& ctx) {
  const auto kernel = node.attrs.get_ints("kernel_shape");
  const size_t n = kernel.size();
  const auto pads = normalize_pads(node.attrs.get_ints("pads"), n);
  if (strides.empty()) strides.assign(n, 1);
  if (dilations.empty()) dilations.assign(n, 1);
  const bool average = node.op == "AveragePool";
  if (node.outputs.size() > 1 && !node.outputs[1].empty())
    node_error(node,
               "rounding 'ceil_all' keeps a last window starting in the end padding, "
               "which ONNX drops; an explicit Pad would shift the Indices output");
  if (average && ctx.opset() < 11)
    node_error(node,
               "rounding 'ceil_all' keeps a last window starting in the end padding, "
               "which ONNX drops; the explicit Pad that keeps it needs opset 11 (writing {})",
               ctx.opset());
  const Value* x = ctx.graph().find_value(node.inputs[0]);
  const DType dtype = x ? x->dtype : DType::Float32;
  if (average && dtype != DType::Float32)
    node_error(node, "rounding 'ceil_all' on a {} average pool cannot be padded explicitly",
               dtype_name(dtype));
  std::vector<int64_t> out(n), end(n);
  std::vector<std::vector<double>> ratio(n);
  bool scaled = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t ke = effective_kernel(kernel[i], dilations[i]);
    out[i] = pool_output_size(in[i], kernel[i], strides[i], dilations[i], pads[i], pads[n + i],
                              Rounding::CeilAll);
    end[i] = std::max(pads[n + i], (out[i] - 1) * strides[i] + ke - in[i] - pads[i]);
    for (int64_t o = 0; o < out[i] && average; ++o) {
      const int64_t start = o * strides[i] - pads[i];
      int64_t ir = kernel[i];
      if (divisor == AvgDivisor::Valid)
        ir = taps_within(start, kernel[i], dilations[i], 0, in[i]);
      else if (divisor == AvgDivisor::Padded)
        ir = taps_within(start, kernel[i], dilations[i], -pads[i], in[i] + pads[n + i]);
      ratio[i].push_back(ir == 0 ? 0.0 : static_cast<double>(kernel[i]) / ir);
      scaled = scaled || ir != kernel[i];
    }
  }
  std::vector<int64_t> pad_widths(2 * (n + 2), 0);
  for (size_t i = 0; i < n; ++i)
    pad_widths[n + 4 + i] = end[i];
  const std::string padded = ctx.fresh_name(node.name + "_padded");
  Node pad{ctx.fresh_name(node.name + "_pad"), "Pad", {node.inputs[0]}, {padded}, {}};
  if (ctx.opset() < 11) {
    pad.attrs.set("pads", pad_widths);
    if (dtype != DType::Float32)
      node_error(node, "explicit -inf padding of a {} input needs opset 11 (writing {})",
                 dtype_name(dtype), ctx.opset());
    pad.attrs.set("value", -std::numeric_limits<float>::infinity());
  } else {
    const auto count = static_cast<int64_t>(pad_widths.size());
    pad.inputs.push_back(
        ctx.add_constant(node.name + "_pads", Tensor::from_vector<int64_t>({count}, pad_widths)));
    pad.inputs.push_back(ctx.add_constant(
        node.name + "_pad_value", average ? Tensor::scalar<float>(-0.0f) : lowest_of(node, dtype)));
  }
  ctx.emit(std::move(pad));
  node.inputs[0] = padded;
  std::vector<int64_t> kept(2 * n, 0);
  for (size_t i = 0; i < n; ++i)
    kept[i] = pads[i];
  node.attrs.set("pads", kept);
  if (scaled) scale_by_map(node, out, ratio, ctx);
}

}  // namespace nnport::onnx_format
