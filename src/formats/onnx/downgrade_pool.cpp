// Windowed ops on write: explicit per-side pads, and the pooling variants ONNX spells with
// ceil_mode / count_include_pad. ONNX has IR rounding "floor" and "ceil" and divisors "valid"
// and "padded"; the other variants are written as exact equivalents when the input size makes
// one exist, else refused.
#include <algorithm>

#include "formats/onnx/downgrade_ops.h"
#include "formats/onnx/node_error.h"
#include "ir/ops/spatial.h"

namespace nnport::onnx_format {

namespace {

struct PoolAxis {
  int64_t in, k, s, d, pb, pe;
  int64_t ke() const { return effective_kernel(k, d); }
};

// The per-axis parameters when the input's spatial sizes are known (empty otherwise).
std::vector<PoolAxis> known_axes(const Node& node, DowngradeContext& ctx) {
  const Shape& x = ctx.shape(node.inputs.at(0));
  const auto kernel = node.attrs.get_ints("kernel_shape");
  const size_t n = kernel.size();
  if (!x.rank_known || x.rank() != n + 2) return {};
  const auto strides = node.attrs.get_ints("strides");
  const auto dilations = node.attrs.get_ints("dilations");
  const auto pads = normalize_pads(node.attrs.get_ints("pads"), n);
  std::vector<PoolAxis> axes;
  for (size_t i = 0; i < n; ++i) {
    if (!x.dims[i + 2].known()) return {};
    axes.push_back({x.dims[i + 2].size, kernel[i], strides.empty() ? 1 : strides[i],
                    dilations.empty() ? 1 : dilations[i], pads[i], pads[i + n]});
  }
  return axes;
}

bool windows_stay_inside_padding(const std::vector<PoolAxis>& axes, Rounding rounding) {
  for (const auto& a : axes) {
    const int64_t out = pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, rounding);
    if ((out - 1) * a.s + a.ke() > a.in + a.pb + a.pe) return false;
  }
  return true;
}

// Divisor "kernel" with a window reaching past the end padding: pad explicitly with zeros far
// enough that every window is whole, then average with no implicit padding, where every cell
// counts.
void pad_explicitly_for_kernel_divisor(Node& node, const std::vector<PoolAxis>& axes,
                                       Rounding rounding, DowngradeContext& ctx) {
  const size_t n = axes.size();
  std::vector<int64_t> pads(2 * (n + 2), 0);
  for (size_t i = 0; i < n; ++i) {
    const auto& a = axes[i];
    const int64_t out = pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, rounding);
    pads[2 + i] = a.pb;
    pads[n + 4 + i] = (out - 1) * a.s + a.ke() - a.in - a.pb;
  }
  const std::string padded = ctx.fresh_name(node.name + "_padded");
  Node pad{ctx.fresh_name(node.name + "_pad"), "Pad", {node.inputs[0]}, {padded}, {}};
  if (ctx.opset() < 11) {
    pad.attrs.set("pads", pads);
  } else {
    const auto count = static_cast<int64_t>(pads.size());
    pad.inputs.push_back(
        ctx.add_constant(node.name + "_pads", Tensor::from_vector<int64_t>({count}, pads)));
  }
  ctx.emit(std::move(pad));
  node.inputs[0] = padded;
  node.attrs.set("pads", std::vector<int64_t>(2 * n, 0));
}

// ONNX's shape inference counts ceil_mode windows by the plain formula ceil((L - ke) / s) + 1;
// ONNX Runtime's kernel, like the IR, drops a last window that starts in the end padding. Where
// the two differ, whatever is sized after the pool disagrees with the inferred shape and the
// file does not load. Returns the rounding to write: floor when it gives the IR's count on every
// axis (the same windows, all inside the padded input), else ceil with the end pad trimmed to
// where the last kept window ends (the trimmed cells lie past every kept window, so no divisor
// changes).
Rounding ceil_without_dropped_window(Node& node, const std::vector<PoolAxis>& axes,
                                     bool counts_padding) {
  const size_t n = axes.size();
  std::vector<int64_t> pads = normalize_pads(node.attrs.get_ints("pads"), n);
  bool floor_same = true, dropped = false;
  for (const auto& a : axes) {
    const int64_t kept = pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::Ceil);
    const int64_t plain = (a.in + a.pb + a.pe - a.ke() + a.s - 1) / a.s + 1;
    dropped = dropped || kept != plain;
    floor_same =
        floor_same && kept == pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::Floor);
  }
  if (!dropped) return Rounding::Ceil;
  if (floor_same) return Rounding::Floor;
  // Floor rounding with each end pad set to where the IR's last window ends: the same windows,
  // all inside the padded input. A longer end pad adds cells only a max (never wins) or a
  // real-cell average (never counts) sees; an average over the padded window would count them.
  std::vector<int64_t> floor_pads = pads;
  bool floor_fits = true;
  for (size_t i = 0; i < n; ++i) {
    const auto& a = axes[i];
    const int64_t kept = pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::Ceil);
    const int64_t end = std::max<int64_t>((kept - 1) * a.s + a.ke() - a.in - a.pb, 0);
    floor_pads[n + i] = end;
    floor_fits = floor_fits &&
                 pool_output_size(a.in, a.k, a.s, a.d, a.pb, end, Rounding::Floor) == kept &&
                 (end <= a.pe || !counts_padding);
  }
  if (floor_fits) {
    node.attrs.set("pads", floor_pads);
    return Rounding::Floor;
  }
  for (size_t i = 0; i < n; ++i) {
    const auto& a = axes[i];
    const int64_t kept = pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::Ceil);
    const int64_t total = a.in + a.pb + a.pe;
    const int64_t cut = std::max<int64_t>(total - ((kept - 1) * a.s + a.ke()), 0);
    const int64_t plain = (total - a.ke() + a.s - 1) / a.s + 1;
    if (kept == plain) continue;
    if (cut > pads[n + i])
      node_error(node,
                 "ceil rounding drops a last window on axis {} that ONNX's shape formula "
                 "counts, and neither floor rounding nor trimming the end pad {} gives the "
                 "same windows on every axis",
                 i, pads[n + i]);
    pads[n + i] -= cut;
  }
  node.attrs.set("pads", pads);
  return Rounding::Ceil;
}

}  // namespace

void downgrade_window_pads(Node& node, DowngradeContext& ctx) {
  const std::string auto_pad = node.attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && !auto_pad.empty()) {
    node.attrs.erase("pads");  // input size unknown: ONNX derives the pads the same way
    return;
  }
  node.attrs.erase("auto_pad");
  if (!node.attrs.get_ints("pads").empty()) return;
  // Always written per side, even when zero.
  int64_t spatial = -1;
  if (node.attrs.has("kernel_shape"))
    spatial = static_cast<int64_t>(node.attrs.get_ints("kernel_shape").size());
  else if (node.has_input(1) && ctx.shape(node.inputs[1]).rank_known)
    spatial = static_cast<int64_t>(ctx.shape(node.inputs[1]).rank()) - 2;
  if (spatial > 0) node.attrs.set("pads", std::vector<int64_t>(2 * spatial, 0));
}

void downgrade_pool(Node& node, DowngradeContext& ctx) {
  const int opset = ctx.opset();
  const bool average = node.op == "AveragePool";
  downgrade_window_pads(node, ctx);
  const bool auto_padded = node.attrs.has("auto_pad");
  Rounding rounding = parse_rounding(node.attrs.get_string("rounding", "floor"));
  AvgDivisor divisor = parse_avg_divisor(node.attrs.get_string("divisor", "valid"));
  node.attrs.erase("rounding");
  node.attrs.erase("divisor");

  const auto dilations = node.attrs.get_ints("dilations");
  const bool dilated =
      std::any_of(dilations.begin(), dilations.end(), [](int64_t d) { return d != 1; });
  if (dilated && opset < (average ? 19 : 10))
    node_error(node, "dilated {} needs opset {} (writing {})", node.op, average ? 19 : 10, opset);
  if (!dilated) node.attrs.erase("dilations");
  if (node.outputs.size() > 1 && !node.outputs[1].empty() && opset < 8)
    node_error(node, "the Indices output needs opset 8 (writing {})", opset);
  if (auto_padded && (rounding != Rounding::Floor || divisor == AvgDivisor::Kernel))
    node_error(node,
               "auto_pad with rounding '{}' / divisor '{}' cannot be written before the "
               "input size is known",
               rounding_name(rounding), avg_divisor_name(divisor));

  const std::vector<PoolAxis> axes = auto_padded ? std::vector<PoolAxis>{} : known_axes(node, ctx);
  if (rounding == Rounding::CeilAll) {
    // ceil_all differs from ONNX's ceil only by keeping a last window that starts in the end
    // padding; when no such window exists the two are the same.
    bool same = !axes.empty();
    for (const auto& a : axes)
      same = same && pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::CeilAll) ==
                         pool_output_size(a.in, a.k, a.s, a.d, a.pb, a.pe, Rounding::Ceil);
    if (same) {
      rounding = Rounding::Ceil;
    } else if (!axes.empty()) {
      std::vector<int64_t> in;
      for (const auto& a : axes)
        in.push_back(a.in);
      pad_end_for_ceil_all(node, in, node.attrs.get_ints("strides"),
                           node.attrs.get_ints("dilations"), divisor, ctx);
      rounding = Rounding::Floor;
      // Every window is whole now; the divisor map turned the full kernel into the IR's.
      if (average) divisor = AvgDivisor::Padded;
    } else {
      node_error(node,
                 "rounding 'ceil_all' keeps a last window starting in the end padding, "
                 "which ONNX drops, and the input size is unknown");
    }
  }
  if (average && divisor == AvgDivisor::Kernel) {
    // Windows that lie wholly inside the padded input divide by the full kernel under
    // count_include_pad=1; with floor rounding they always do.
    if (rounding == Rounding::Floor ||
        (!axes.empty() && windows_stay_inside_padding(axes, rounding))) {
      divisor = AvgDivisor::Padded;
    } else if (!axes.empty()) {
      pad_explicitly_for_kernel_divisor(node, axes, rounding, ctx);
      rounding = Rounding::Floor;
      divisor = AvgDivisor::Valid;
    } else {
      node_error(node, "divisor 'kernel' with rounding '{}' needs a known input size",
                 rounding_name(rounding));
    }
  }
  if (rounding == Rounding::Ceil && !axes.empty())
    rounding = ceil_without_dropped_window(node, axes, average && divisor == AvgDivisor::Padded);
  if (rounding == Rounding::Ceil) {
    if (opset < 10) node_error(node, "ceil rounding needs opset 10 (writing {})", opset);
    node.attrs.set("ceil_mode", int64_t{1});
  }
  if (average && divisor == AvgDivisor::Padded) node.attrs.set("count_include_pad", int64_t{1});
  legalize_pool_pads(node, ctx);
}

}  // namespace nnport::onnx_format
