// Shape and layout ops: Flatten, Concat, Reshape (with MXNet's special codes), transpose,
// expand_dims, squeeze, slicing, Pad, Cast, SliceChannel and reductions.
#include <limits>

#include "formats/mxnet/ndarray_list.h"
#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinIndex = std::numeric_limits<int64_t>::min();
// SliceChannel outputs when the axis size is unknown at read time.
constexpr int64_t kMaxSplitOutputs = 1 << 16;

void read_flatten(ReadContext& ctx) {
  Attributes attrs;
  attrs.set("axis", int64_t{1});
  ctx.emit("Flatten", {ctx.input(0)}, {ctx.output()}, attrs);
}

void read_concat(ReadContext& ctx) {
  std::vector<std::string> inputs;
  for (size_t i = 0; i < ctx.input_count(); ++i)
    inputs.push_back(ctx.input(i));
  Attributes attrs;
  attrs.set("axis", ctx.attrs().integer("dim", 1));
  ctx.emit("Concat", inputs, {ctx.output()}, attrs);
}

}  // namespace

// MXNet Reshape codes, applied left to right over the input dims (src) and the code list:
// 0 copies src dim, -1 is inferred, -2 copies all remaining src dims, -3 merges two src dims,
// -4 splits one src dim into the next two codes (one of which may be -1).
std::vector<int64_t> resolve_reshape_codes(const std::vector<int64_t>& in,
                                           const std::vector<int64_t>& codes,
                                           const std::string& where) {
  std::vector<int64_t> out;
  size_t src = 0;
  int64_t infer_at = -1;
  auto need_src = [&](size_t count) {
    if (src + count > in.size())
      model_error("{}: shape codes {} run past the input's {} dims", where, tuple_text(codes),
                  in.size());
  };
  for (size_t i = 0; i < codes.size(); ++i) {
    const int64_t c = codes[i];
    if (c > 0) {
      out.push_back(c);
      ++src;
    } else if (c == 0) {
      need_src(1);
      out.push_back(in[src++]);
    } else if (c == -1) {
      if (infer_at >= 0) model_error("{}: more than one -1 in {}", where, tuple_text(codes));
      infer_at = static_cast<int64_t>(out.size());
      out.push_back(1);
      ++src;
    } else if (c == -2) {
      while (src < in.size())
        out.push_back(in[src++]);
    } else if (c == -3) {
      need_src(2);
      out.push_back(checked_mul(in[src], in[src + 1]));
      src += 2;
    } else if (c == -4) {
      need_src(1);
      if (i + 2 >= codes.size()) model_error("{}: -4 needs two values after it", where);
      int64_t a = codes[i + 1], b = codes[i + 2];
      const int64_t whole = in[src++];
      if (a == -1 && b > 0 && whole % b == 0) a = whole / b;
      if (b == -1 && a > 0 && whole % a == 0) b = whole / a;
      if (a <= 0 || b <= 0 || checked_mul(a, b) != whole)
        model_error("{}: -4 cannot split {} into {} x {}", where, whole, codes[i + 1],
                    codes[i + 2]);
      out.push_back(a);
      out.push_back(b);
      i += 2;
    } else {
      model_error("{}: invalid shape code {}", where, c);
    }
  }
  if (infer_at >= 0) {
    int64_t known = 1;
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int64_t>(i) != infer_at) known = checked_mul(known, out[i]);
    const int64_t total = element_count(in);
    if (known == 0 || total % known != 0)
      model_error("{}: cannot infer -1 in {} for input {}", where, tuple_text(codes),
                  sizes_to_string(in));
    out[infer_at] = total / known;
  }
  if (element_count(out) != element_count(in))
    model_error("{}: shape {} does not hold the {} elements of {}", where, tuple_text(codes),
                element_count(in), sizes_to_string(in));
  return out;
}

namespace {

// Codes that mean the same as the IR's Reshape (positive, 0 at its own position, one -1) are
// kept so that the batch size stays free; -2/-3/-4 and reverse need the input shape.
void read_reshape(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  std::vector<int64_t> codes = a.ints("shape", {});
  if (codes.empty()) codes = a.ints("target_shape", {});  // the pre-1.0 spelling
  if (codes.empty()) ctx.fail("'shape' is required");
  const bool reverse = a.boolean("reverse", false);
  bool simple = !reverse;
  for (int64_t c : codes)
    simple = simple && c >= -1;
  std::vector<int64_t> target = codes;
  if (!simple) {
    const Shape& in = ctx.input_shape(0);
    if (!in.fully_known())
      ctx.fail("shape codes {} need the input shape: give --input NAME:DIMS", tuple_text(codes));
    std::vector<int64_t> dims = in.sizes();
    const std::string where = fmt::format("{}: node '{}' (Reshape)", ctx.file(), ctx.node().name);
    if (reverse) {
      // reverse=True matches the codes right to left.
      std::vector<int64_t> rin(dims.rbegin(), dims.rend()), rcodes(codes.rbegin(), codes.rend());
      std::vector<int64_t> r = resolve_reshape_codes(rin, rcodes, where);
      target.assign(r.rbegin(), r.rend());
    } else {
      target = resolve_reshape_codes(dims, codes, where);
    }
  }
  ctx.emit("Reshape", {ctx.input(0), ctx.add_ints("shape", target)}, {ctx.output()});
}

void read_transpose(ReadContext& ctx) {
  Attributes attrs;
  const std::vector<int64_t> axes = ctx.attrs().ints("axes", {});
  if (!axes.empty()) attrs.set("perm", axes);
  ctx.emit("Transpose", {ctx.input(0)}, {ctx.output()}, attrs);
}

void read_expand_dims(ReadContext& ctx) {
  if (!ctx.attrs().has("axis")) ctx.fail("'axis' is required");
  ctx.emit("Unsqueeze", {ctx.input(0), ctx.add_ints("axes", {ctx.attrs().integer("axis", 0)})},
           {ctx.output()});
}

void read_squeeze(ReadContext& ctx) {
  const std::vector<int64_t> axes = ctx.attrs().ints("axis", {});
  std::vector<std::string> inputs = {ctx.input(0)};
  if (!axes.empty()) inputs.push_back(ctx.add_ints("axes", axes));
  ctx.emit("Squeeze", inputs, {ctx.output()});
}

void emit_slice(ReadContext& ctx, const std::vector<int64_t>& starts,
                const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                const std::vector<int64_t>& steps) {
  ctx.emit("Slice",
           {ctx.input(0), ctx.add_ints("starts", starts), ctx.add_ints("ends", ends),
            ctx.add_ints("axes", axes), ctx.add_ints("steps", steps)},
           {ctx.output()});
}

void read_slice_axis(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  if (!a.has("axis") || !a.has("begin")) ctx.fail("'axis' and 'begin' are required");
  emit_slice(ctx, {a.integer("begin", 0)}, {a.integer("end", kMaxIndex)}, {a.integer("axis", 0)},
             {1});
}

// slice: begin/end/step tuples over the leading axes; None means "from the start/to the end"
// in the direction of the step.
void read_slice(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const auto begin = a.optional_ints("begin");
  const auto end = a.optional_ints("end");
  const auto step = a.optional_ints("step");
  if (begin.size() != end.size() || (!step.empty() && step.size() != begin.size()))
    ctx.fail("begin, end and step must have the same length");
  std::vector<int64_t> starts, ends, axes, steps;
  for (size_t i = 0; i < begin.size(); ++i) {
    const int64_t s = step.empty() || !step[i] ? 1 : *step[i];
    if (s == 0) ctx.fail("step 0 on axis {}", i);
    starts.push_back(begin[i] ? *begin[i] : (s > 0 ? 0 : kMaxIndex));
    ends.push_back(end[i] ? *end[i] : (s > 0 ? kMaxIndex : kMinIndex));
    axes.push_back(static_cast<int64_t>(i));
    steps.push_back(s);
  }
  emit_slice(ctx, starts, ends, axes, steps);
}

// pad_width lists (before, after) per axis; the IR wants all befores, then all afters.
void read_pad(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const std::vector<int64_t> width = a.ints("pad_width", {});
  if (width.empty() || width.size() % 2 != 0) ctx.fail("pad_width must have 2 values per axis");
  const size_t rank = width.size() / 2;
  // MXNet's Pad (unlike the IR's) never crops and leaves N and C alone; it refuses such files.
  if (rank != 4 && rank != 5) ctx.fail("pad_width has {} axes; MXNet pads 4-d and 5-d only", rank);
  if (width[0] || width[1] || width[2] || width[3])
    ctx.fail("pad_width {} pads axis 0 or 1, which MXNet does not", tuple_text(width));
  std::vector<int64_t> pads(width.size());
  for (size_t i = 0; i < rank; ++i) {
    if (width[2 * i] < 0 || width[2 * i + 1] < 0)
      ctx.fail("negative pad_width {} (MXNet does not crop)", tuple_text(width));
    pads[i] = width[2 * i];
    pads[rank + i] = width[2 * i + 1];
  }
  const std::string mode = a.str("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect")
    ctx.fail("mode '{}' is not valid", mode);
  Attributes attrs;
  attrs.set("mode", mode);
  std::vector<std::string> inputs = {ctx.input(0), ctx.add_ints("pads", pads)};
  if (mode == "constant")
    inputs.push_back(
        ctx.add_float_scalar("value", static_cast<float>(a.number("constant_value", 0.0))));
  ctx.emit("Pad", inputs, {ctx.output()}, attrs);
}

void read_cast(ReadContext& ctx) {
  const std::string name = ctx.attrs().str("dtype", "");
  const DType dtype = dtype_from_name(name);
  if (dtype == DType::Undefined || mxnet_type_flag(dtype) < 0)
    ctx.fail("dtype '{}' is not supported", name);
  Attributes attrs;
  attrs.set("to", std::string(dtype_name(dtype)));
  ctx.emit("Cast", {ctx.input(0)}, {ctx.output()}, attrs);
}

// SliceChannel / split: equal parts along an axis, optionally dropping that axis.
void read_split(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const int64_t parts = a.integer("num_outputs", 0);
  if (parts <= 0) ctx.fail("num_outputs must be positive");
  const int64_t axis = a.integer("axis", 1);
  // MXNet needs equal parts; checked here (when the size is known) before `parts` outputs are
  // created, so that a corrupt count cannot exhaust memory.
  const Shape& in = ctx.input_shape(0);
  const int64_t rank = in.rank_known ? static_cast<int64_t>(in.rank()) : 0;
  const int64_t axis_index = axis < 0 ? axis + rank : axis;
  if (in.rank_known && (axis_index < 0 || axis_index >= rank))
    ctx.fail("axis {} is out of range for rank {}", axis, rank);
  if (in.rank_known && in.dims[axis_index].known() && in.dims[axis_index].size % parts != 0)
    ctx.fail("num_outputs {} does not divide axis {} of size {}", parts, axis,
             in.dims[axis_index].size);
  if (parts > kMaxSplitOutputs)
    ctx.fail("num_outputs {} is beyond any real model (limit {})", parts, kMaxSplitOutputs);
  const bool squeeze = a.boolean("squeeze_axis", false);
  std::vector<std::string> outputs;
  for (int64_t i = 0; i < parts; ++i)
    outputs.push_back(squeeze ? ctx.temp(fmt::format("part{}", i)) : ctx.output(i));
  Attributes attrs;
  attrs.set("axis", axis);
  attrs.set("num_outputs", parts);
  ctx.emit("Split", {ctx.input(0)}, outputs, attrs);
  if (!squeeze) return;
  const std::string axes = ctx.add_ints("axes", {axis});
  for (int64_t i = 0; i < parts; ++i)
    ctx.emit("Squeeze", {outputs[i], axes}, {ctx.output(i)});
}

// mean / sum / max / min / prod: axis (all when absent), keepdims, exclude (reduce the axes
// NOT listed).
void read_reduce(ReadContext& ctx) {
  static const std::map<std::string, std::string> kOps = {
      {"mean", "ReduceMean"},    {"sum", "ReduceSum"},      {"max", "ReduceMax"},
      {"min", "ReduceMin"},      {"prod", "ReduceProd"},    {"sum_axis", "ReduceSum"},
      {"max_axis", "ReduceMax"}, {"min_axis", "ReduceMin"},
  };
  const AttrText a = ctx.attrs();
  std::vector<int64_t> axes = a.ints("axis", {});
  if (a.boolean("exclude", false) && !axes.empty()) {
    const int64_t rank = static_cast<int64_t>(ctx.input_rank(0, "exclude=True"));
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < rank; ++i) {
      bool listed = false;
      for (int64_t ax : axes)
        listed = listed || (ax < 0 ? ax + rank : ax) == i;
      if (!listed) kept.push_back(i);
    }
    axes = kept;
  }
  Attributes attrs;
  attrs.set("keepdims", int64_t{a.boolean("keepdims", false) ? 1 : 0});
  std::vector<std::string> inputs = {ctx.input(0)};
  if (!axes.empty()) inputs.push_back(ctx.add_ints("axes", axes));
  ctx.emit(kOps.at(ctx.node().op), inputs, {ctx.output()}, attrs);
}

// broadcast_to: shape of the input's rank; 0 keeps the input's size there.
void read_broadcast_to(ReadContext& ctx) {
  std::vector<int64_t> shape = ctx.attrs().ints("shape", {});
  if (shape.empty()) ctx.fail("'shape' is required");
  const Shape& in = ctx.input_shape(0);
  if (!in.rank_known || in.rank() != shape.size())
    ctx.fail("shape {} needs an input of rank {}", tuple_text(shape), shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 0) continue;
    if (!in.dims[i].known()) ctx.fail("a 0 in shape needs the input's size on axis {}", i);
    shape[i] = in.dims[i].size;
  }
  ctx.emit("Expand", {ctx.input(0), ctx.add_ints("shape", shape)}, {ctx.output()});
}

// tile: reps shorter than the rank get leading 1s.
void read_tile(ReadContext& ctx) {
  std::vector<int64_t> reps = ctx.attrs().ints("reps", {});
  if (reps.empty()) ctx.fail("'reps' is required");
  const size_t rank = ctx.input_rank(0, "tile");
  if (reps.size() > rank) ctx.fail("reps {} is longer than the rank {}", tuple_text(reps), rank);
  reps.insert(reps.begin(), rank - reps.size(), 1);
  ctx.emit("Tile", {ctx.input(0), ctx.add_ints("repeats", reps)}, {ctx.output()});
}

const OpReader kReaders[] = {
    {"Flatten", read_flatten},
    {"flatten", read_flatten},
    {"Concat", read_concat},
    {"concat", read_concat},
    {"Reshape", read_reshape},
    {"reshape", read_reshape},
    {"transpose", read_transpose},
    {"expand_dims", read_expand_dims},
    {"squeeze", read_squeeze},
    {"slice_axis", read_slice_axis},
    {"slice", read_slice},
    {"crop", read_slice},
    {"Pad", read_pad},
    {"pad", read_pad},
    {"Cast", read_cast},
    {"cast", read_cast},
    {"SliceChannel", read_split},
    {"split", read_split},
    {"mean", read_reduce},
    {"sum", read_reduce},
    {"max", read_reduce},
    {"min", read_reduce},
    {"prod", read_reduce},
    {"sum_axis", read_reduce},
    {"max_axis", read_reduce},
    {"min_axis", read_reduce},
    {"tile", read_tile},
    {"broadcast_to", read_broadcast_to},
};

}  // namespace

std::span<const OpReader> tensor_readers() {
  return kReaders;
}

}  // namespace nnport::mxnet
