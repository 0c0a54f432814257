// Shape and layout ops: Flatten, Concat, Reshape, Transpose, Unsqueeze, Squeeze, Slice, Pad,
// Cast, Split and reductions. Shape-like inputs (shapes, axes, pads) must be constants; they
// become attributes.
#include <algorithm>
#include <limits>

#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

namespace {

int64_t normalize_axis(WriteContext& ctx, int64_t axis, size_t rank) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) ctx.fail("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + r : axis;
}

size_t known_rank(WriteContext& ctx, const Shape& shape) {
  if (!shape.rank_known) ctx.fail("the input rank is unknown");
  return shape.rank();
}

// Flatten(axis=1) is MXNet's Flatten; other axes reshape with merged dims.
void emit_flatten(WriteContext& ctx) {
  const int64_t axis = ctx.attrs().i("axis");
  if (axis == 1) {
    ctx.emit("Flatten", {ctx.input(0)}, {}, ctx.node().outputs);
    return;
  }
  const Shape& out = ctx.output_shape();
  if (!out.fully_known()) ctx.fail("Flatten with axis {} needs a known output shape", axis);
  ctx.emit("Reshape", {ctx.input(0)}, {{"shape", tuple_text(out.sizes())}}, ctx.node().outputs);
}

void emit_concat(WriteContext& ctx) {
  std::vector<EntryRef> inputs;
  for (size_t i = 0; i < ctx.node().inputs.size(); ++i)
    inputs.push_back(ctx.input(i));
  const int64_t axis =
      normalize_axis(ctx, ctx.attrs().i("axis"), known_rank(ctx, ctx.output_shape()));
  ctx.emit("Concat", inputs,
           {{"dim", std::to_string(axis)}, {"num_args", std::to_string(inputs.size())}},
           ctx.node().outputs);
}

// IR Reshape's 0 (copy) and -1 (infer) mean the same in MXNet when allowzero is off.
void emit_reshape(WriteContext& ctx) {
  std::vector<int64_t> shape = ctx.constant_ints(1, "shape");
  if (ctx.attrs().i("allowzero") != 0 && std::count(shape.begin(), shape.end(), 0) > 0)
    ctx.fail("allowzero with a 0 in the shape has no MXNet form");
  ctx.emit("Reshape", {ctx.input(0)}, {{"shape", tuple_text(shape)}}, ctx.node().outputs);
}

void emit_transpose(WriteContext& ctx) {
  const std::vector<int64_t> perm = ctx.attrs().ints("perm");
  AttrMap attrs;
  if (!perm.empty()) attrs["axes"] = tuple_text(perm);
  ctx.emit("transpose", {ctx.input(0)}, attrs, ctx.node().outputs);
}

// ONNX axes name positions in the output: inserting them in increasing order reproduces it.
void emit_unsqueeze(WriteContext& ctx) {
  const size_t out_rank = known_rank(ctx, ctx.output_shape());
  std::vector<int64_t> axes = ctx.constant_ints(1, "axes");
  for (int64_t& a : axes)
    a = normalize_axis(ctx, a, out_rank);
  std::sort(axes.begin(), axes.end());
  EntryRef entry = ctx.input(0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const AttrMap attrs = {{"axis", std::to_string(axes[i])}};
    if (i + 1 == axes.size())
      ctx.emit("expand_dims", {entry}, attrs, ctx.node().outputs);
    else
      entry = ctx.emit_helper(fmt::format("expand{}", i), "expand_dims", {entry}, attrs);
  }
}

void emit_squeeze(WriteContext& ctx) {
  AttrMap attrs;
  if (ctx.node().has_input(1)) attrs["axis"] = tuple_text(ctx.constant_ints(1, "axes"));
  ctx.emit("squeeze", {ctx.input(0)}, attrs, ctx.node().outputs);
}

// ONNX clamps starts/ends to the axis; MXNet rejects out-of-range values, so they are clamped
// here against the known input size ("None" where ONNX means "to the end").
void emit_slice(WriteContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  if (!in.fully_known()) ctx.fail("Slice needs a known input shape");
  const std::vector<int64_t> dims = in.sizes();
  const std::vector<int64_t> starts = ctx.constant_ints(1, "starts");
  const std::vector<int64_t> ends = ctx.constant_ints(2, "ends");
  std::vector<int64_t> axes;
  if (ctx.node().has_input(3)) {
    axes = ctx.constant_ints(3, "axes");
  } else {
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(static_cast<int64_t>(i));
  }
  std::vector<int64_t> steps = ctx.node().has_input(4) ? ctx.constant_ints(4, "steps")
                                                       : std::vector<int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    ctx.fail("starts, ends, axes and steps differ in length");
  int64_t last_axis = -1;
  for (int64_t& a : axes) {
    a = normalize_axis(ctx, a, dims.size());
    last_axis = std::max(last_axis, a);
  }
  std::vector<std::string> begin(last_axis + 1, "None"), end(last_axis + 1, "None"),
      step(last_axis + 1, "None");
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = dims[axes[i]];
    const int64_t s = steps[i];
    if (s == 0) ctx.fail("step 0");
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) {
      if (v < 0) v = v < -d ? lo : v + d;  // a negative index counts from the end
      return std::clamp(v, lo, hi);
    };
    const int64_t b = s > 0 ? clamp(starts[i], 0, d) : clamp(starts[i], 0, d - 1);
    // With a negative step, ends below -d mean "past the first element": MXNet's None.
    const bool end_open = s < 0 && ends[i] < -d;
    const int64_t e = s > 0 ? clamp(ends[i], 0, d) : clamp(ends[i], -1, d - 1);
    begin[axes[i]] = std::to_string(b);
    end[axes[i]] = end_open || (s < 0 && e < 0) ? "None" : std::to_string(e);
    step[axes[i]] = std::to_string(s);
  }
  auto text = [](const std::vector<std::string>& parts) {
    return parts.size() == 1 ? fmt::format("({},)", parts[0])
                             : fmt::format("({})", fmt::join(parts, ", "));
  };
  ctx.emit("slice", {ctx.input(0)},
           {{"begin", text(begin)}, {"end", text(end)}, {"step", text(step)}}, ctx.node().outputs);
}

// A block of `value` shaped like the Pad's output with `channels` channels, stored as a
// parameter.
EntryRef pad_block(WriteContext& ctx, int64_t channels, float value, std::string_view suffix) {
  const Shape& out = ctx.output_shape();
  if (!out.fully_known())
    ctx.fail("padding the channel axis needs the output size, got {}", out.to_string());
  if (ctx.graph().value(ctx.node().inputs[0]).dtype != DType::Float32)
    ctx.fail("padding the channel axis of a non-float32 tensor");
  std::vector<int64_t> dims = out.sizes();
  dims[1] = channels;
  Tensor block(DType::Float32, dims);
  for (float& v : block.mutable_values<float>())
    v = value;
  return ctx.add_param(suffix, block);
}

// MXNet's Pad takes 4-d or 5-d input and never pads N or C. A constant pad of the channel axis
// (the channel_padding of BlazeFace-style blocks) becomes a Concat with stored blocks of the
// pad value on the channel axis, after a Pad of the spatial axes if they are padded too.
void emit_pad(WriteContext& ctx) {
  const std::string mode = ctx.attrs().s("mode");
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    ctx.fail("mode '{}' has no MXNet form", mode);
  const size_t rank = known_rank(ctx, ctx.input_shape(0));
  std::vector<int64_t> pads = ctx.constant_ints(1, "pads");
  if (ctx.node().has_input(3)) {
    // Pads for listed axes only: spread them over all axes.
    const std::vector<int64_t> axes = ctx.constant_ints(3, "axes");
    std::vector<int64_t> full(2 * rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      const int64_t a = normalize_axis(ctx, axes[i], rank);
      full[a] = pads[i];
      full[rank + a] = pads[axes.size() + i];
    }
    pads = full;
  }
  if (pads.size() != 2 * rank) ctx.fail("pads has {} values for rank {}", pads.size(), rank);
  if (rank != 4 && rank != 5) ctx.fail("MXNet's Pad takes only 4-d and 5-d input");
  std::vector<int64_t> width;
  bool pads_space = false;
  for (size_t i = 0; i < rank; ++i) {
    if (pads[i] < 0 || pads[rank + i] < 0) ctx.fail("negative pads (crops) are not supported");
    if (i == 0 && (pads[i] || pads[rank + i])) ctx.fail("MXNet cannot pad axis 0");
    width.push_back(i < 2 ? 0 : pads[i]);
    width.push_back(i < 2 ? 0 : pads[rank + i]);
    pads_space = pads_space || (i >= 2 && (pads[i] || pads[rank + i]));
  }
  const bool pads_channels = pads[1] || pads[rank + 1];
  if (pads_channels && mode != "constant")
    ctx.fail("MXNet's Pad cannot pad axis 1, and mode '{}' has no other form there", mode);
  AttrMap attrs = {{"mode", mode}, {"pad_width", tuple_text(width)}};
  float value = 0.0f;
  if (mode == "constant") {
    if (ctx.node().has_input(2)) {
      const std::vector<float> v = ctx.constant_floats(2, "constant value");
      if (v.size() != 1) ctx.fail("the constant value must be a scalar");
      value = v[0];
    }
    attrs["constant_value"] = float_text(value);
  }
  if (!pads_channels) {
    ctx.emit("Pad", {ctx.input(0)}, attrs, ctx.node().outputs);
    return;
  }
  EntryRef data = ctx.input(0);
  if (pads_space) data = ctx.emit_helper("space", "Pad", {data}, attrs);
  std::vector<EntryRef> parts;
  if (pads[1]) parts.push_back(pad_block(ctx, pads[1], value, "channels_before"));
  parts.push_back(data);
  if (pads[rank + 1]) parts.push_back(pad_block(ctx, pads[rank + 1], value, "channels_after"));
  ctx.emit("Concat", parts, {{"dim", "1"}, {"num_args", std::to_string(parts.size())}},
           ctx.node().outputs);
}

// IR bools are held as 0/1 in the dtype of the values compared (what MXNet's comparison ops
// return): a cast to bool is "!= 0" (NaN included, as in the IR), a cast from one is exact.
void emit_cast(WriteContext& ctx) {
  const std::string to = ctx.attrs().s("to");
  const DType from = ctx.graph().value(ctx.node().inputs[0]).dtype;
  if (dtype_from_name(to) == DType::Bool) {
    if (from == DType::Bool)
      ctx.emit("identity", {ctx.input(0)}, {}, ctx.node().outputs);
    else
      ctx.emit("_not_equal_scalar", {ctx.input(0)}, {{"scalar", "0"}}, ctx.node().outputs);
    return;
  }
  if (mxnet_type_flag(dtype_from_name(to)) < 0) ctx.fail("MXNet has no dtype {}", to);
  ctx.emit("Cast", {ctx.input(0)}, {{"dtype", to}}, ctx.node().outputs);
}

void emit_split(WriteContext& ctx) {
  const Shape& in = ctx.input_shape(0);
  const size_t rank = known_rank(ctx, in);
  const int64_t axis = normalize_axis(ctx, ctx.attrs().i("axis"), rank);
  const size_t parts = ctx.node().outputs.size();
  bool equal = true;
  for (size_t i = 0; i < parts; ++i)
    equal = equal && ctx.output_shape(i) == ctx.output_shape(0);
  if (equal) {
    ctx.emit("SliceChannel", {ctx.input(0)},
             {{"num_outputs", std::to_string(parts)}, {"axis", std::to_string(axis)}},
             ctx.node().outputs);
    return;
  }
  // Unequal parts: one slice_axis per part, at the offsets of the known part sizes.
  int64_t begin = 0;
  for (size_t i = 0; i < parts; ++i) {
    const Shape& part = ctx.output_shape(i);
    if (!part.rank_known || !part.dims[axis].known()) ctx.fail("part {} has an unknown size", i);
    const int64_t end = begin + part.dims[axis].size;
    const AttrMap attrs = {{"axis", std::to_string(axis)},
                           {"begin", std::to_string(begin)},
                           {"end", std::to_string(end)}};
    if (i == 0)
      ctx.emit("slice_axis", {ctx.input(0)}, attrs, {ctx.node().outputs[0]});
    else
      ctx.bind(ctx.node().outputs[i],
               ctx.emit_helper(fmt::format("part{}", i), "slice_axis", {ctx.input(0)}, attrs));
    begin = end;
  }
}

// MXNet's tile pads a short reps with leading 1s; the IR's repeats cover every axis.
void emit_tile(WriteContext& ctx) {
  ctx.emit("tile", {ctx.input(0)}, {{"reps", tuple_text(ctx.constant_ints(1, "repeats"))}},
           ctx.node().outputs);
}

void emit_reduce(WriteContext& ctx) {
  static const std::map<std::string, std::string> kOps = {
      {"ReduceMean", "mean"}, {"ReduceSum", "sum"},   {"ReduceMax", "max"},
      {"ReduceMin", "min"},   {"ReduceProd", "prod"},
  };
  const AttrReader a = ctx.attrs();
  AttrMap attrs = {{"keepdims", bool_text(a.i("keepdims") != 0)}};
  if (ctx.node().has_input(1)) {
    const std::vector<int64_t> axes = ctx.constant_ints(1, "axes");
    if (axes.empty() && a.i("noop_with_empty_axes")) {
      ctx.emit("identity", {ctx.input(0)}, {}, ctx.node().outputs);
      return;
    }
    if (!axes.empty()) attrs["axis"] = tuple_text(axes);
  }
  ctx.emit(kOps.at(ctx.node().op), {ctx.input(0)}, attrs, ctx.node().outputs);
}

const OpEmitter kEmitters[] = {
    {"Flatten", emit_flatten},     {"Concat", emit_concat},
    {"Reshape", emit_reshape},     {"Transpose", emit_transpose},
    {"Unsqueeze", emit_unsqueeze}, {"Squeeze", emit_squeeze},
    {"Slice", emit_slice},         {"Pad", emit_pad},
    {"Cast", emit_cast},           {"Split", emit_split},
    {"ReduceMean", emit_reduce},   {"ReduceSum", emit_reduce},
    {"ReduceMax", emit_reduce},    {"ReduceMin", emit_reduce},
    {"ReduceProd", emit_reduce},   {"Tile", emit_tile},
};

}  // namespace

std::span<const OpEmitter> tensor_emitters() {
  return kEmitters;
}

}  // namespace nnport::mxnet
