// Slicing and gathering: Slice, StridedSlice (every mask), GatherV2, GatherNd.
#include <limits>

#include "formats/tensorflow/tf_common.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

struct SliceSpec {
  std::vector<int64_t> starts, ends, axes, steps;
  void add(int64_t axis, int64_t start, int64_t end, int64_t step) {
    axes.push_back(axis);
    starts.push_back(start);
    ends.push_back(end);
    steps.push_back(step);
  }
};

std::string emit_slice(NodeConverter& c, const std::string& input, const SliceSpec& spec,
                       const std::string& out) {
  c.emit("Slice",
         {input, int64_constant(c, spec.starts, "starts"), int64_constant(c, spec.ends, "ends"),
          int64_constant(c, spec.axes, "axes"), int64_constant(c, spec.steps, "steps")},
         {out});
  return out;
}

// StridedSlice: the sparse spec (begin/end/strides plus masks) is expanded against the input
// rank into one Slice over real axes, a Squeeze of the shrunk axes and an Unsqueeze of the new
// ones. ONNX Slice clamps out-of-range starts/ends the way TF does once masks are applied.
void strided_slice(NodeConverter& c) {
  const std::vector<int64_t> begin = c.constant_ints(1, "begin");
  const std::vector<int64_t> end = c.constant_ints(2, "end");
  const std::vector<int64_t> strides = c.constant_ints(3, "strides");
  if (begin.size() != end.size() || begin.size() != strides.size())
    c.fail("begin, end and strides have different lengths");
  const int64_t begin_mask = c.attr_int("begin_mask", 0), end_mask = c.attr_int("end_mask", 0);
  const int64_t ellipsis_mask = c.attr_int("ellipsis_mask", 0);
  const int64_t new_axis_mask = c.attr_int("new_axis_mask", 0);
  const int64_t shrink_mask = c.attr_int("shrink_axis_mask", 0);
  const size_t n = begin.size();
  auto bit = [](int64_t mask, size_t i) { return ((mask >> i) & 1) != 0; };

  size_t ellipsis_span = 0;
  if (ellipsis_mask) {
    if (ellipsis_mask & (ellipsis_mask - 1)) c.fail("more than one ellipsis in the slice");
    const std::optional<size_t> rank = c.rank(0);
    if (!rank) c.fail("an ellipsis slice needs the input's rank, which is unknown");
    size_t real = 0;
    for (size_t i = 0; i < n; ++i)
      if (!bit(ellipsis_mask, i) && !bit(new_axis_mask, i)) ++real;
    if (real > *rank) c.fail("slice spec has more axes than the rank-{} input", *rank);
    ellipsis_span = *rank - real;
  }

  SliceSpec spec;
  std::vector<int64_t> shrink_axes, new_axes;
  int64_t axis = 0;     // input axis
  int64_t out_pos = 0;  // output axis, for new axes
  for (size_t i = 0; i < n; ++i) {
    if (bit(ellipsis_mask, i)) {
      axis += static_cast<int64_t>(ellipsis_span);
      out_pos += static_cast<int64_t>(ellipsis_span);
      continue;
    }
    if (bit(new_axis_mask, i)) {
      new_axes.push_back(out_pos++);
      continue;
    }
    const int64_t step = strides[i];
    if (step == 0) c.fail("stride 0 on axis {}", axis);
    if (bit(shrink_mask, i)) {
      spec.add(axis, begin[i], begin[i] == -1 ? kMax : begin[i] + 1, 1);
      shrink_axes.push_back(axis);
    } else {
      const int64_t start = bit(begin_mask, i) ? (step > 0 ? 0 : kMax) : begin[i];
      const int64_t stop = bit(end_mask, i) ? (step > 0 ? kMax : kMin) : end[i];
      if (!(start == 0 && stop == kMax && step == 1)) spec.add(axis, start, stop, step);
      ++out_pos;
    }
    ++axis;
  }
  // Axes after the spec are kept whole, with or without an ellipsis.

  std::string value = c.input(0);
  const bool squeeze = !shrink_axes.empty(), unsqueeze = !new_axes.empty();
  if (!spec.axes.empty())
    value = emit_slice(c, value, spec, squeeze || unsqueeze ? c.temp_name("slice") : c.output(0));
  if (squeeze) {
    const std::string out = unsqueeze ? c.temp_name("squeezed") : c.output(0);
    c.emit("Squeeze", {value, int64_constant(c, shrink_axes, "shrink_axes")}, {out});
    value = out;
  }
  if (unsqueeze) {
    c.emit("Unsqueeze", {value, int64_constant(c, new_axes, "new_axes")}, {c.output(0)});
    value = c.output(0);
  }
  if (value == c.input(0)) c.alias(0, value);
}

// Slice(input, begin, size): size -1 means "to the end".
void slice(NodeConverter& c) {
  const Tensor* begin = c.constant(1);
  const Tensor* size = c.constant(2);
  if (begin && size) {
    const std::vector<int64_t> b = begin->to_int64_vector(), s = size->to_int64_vector();
    if (b.size() != s.size()) c.fail("begin and size have different lengths");
    SliceSpec spec;
    for (size_t i = 0; i < b.size(); ++i)
      spec.add(static_cast<int64_t>(i), b[i], s[i] == -1 ? kMax : b[i] + s[i], 1);
    emit_slice(c, c.input(0), spec, c.output(0));
    return;
  }
  // Computed begin/size (usually folded once input shapes are known).
  const auto to64 = attrs_of({{"to", std::string("int64")}});
  const std::string b = c.emit_temp("Cast", {c.input(1)}, to64, "begin");
  const std::string s = c.emit_temp("Cast", {c.input(2)}, to64, "size");
  const std::string sum = c.emit_temp("Add", {b, s}, {}, "end");
  const std::string to_end = c.emit_temp(
      "Equal", {s, c.add_constant(Tensor::scalar<int64_t>(-1), "minus_one")}, {}, "to_end");
  const std::string e = c.emit_temp(
      "Where", {to_end, c.add_constant(Tensor::scalar<int64_t>(kMax), "max"), sum}, {}, "ends");
  c.emit("Slice", {c.input(0), b, e}, {c.output(0)});
}

void gather(NodeConverter& c) {
  int64_t axis = 0;
  if (c.op() == "GatherV2") {
    const std::vector<int64_t> a = c.constant_ints(2, "axis");
    if (a.size() != 1) c.fail("axis must be a scalar");
    axis = a[0];
    if (c.attr_int("batch_dims", 0) != 0) c.fail("batch_dims other than 0 is not supported");
  }
  c.emit("Gather", {c.input(0), c.input(1)}, {c.output(0)}, attrs_of({{"axis", axis}}));
}

void gather_nd(NodeConverter& c) {
  // TF allows int32 indices; the IR's GatherND (ONNX) takes int64.
  const std::string indices =
      c.emit_temp("Cast", {c.input(1)}, attrs_of({{"to", std::string("int64")}}), "indices");
  c.emit("GatherND", {c.input(0), indices}, {c.output(0)});
}

const std::vector<OpConverter> kConverters = {
    {"StridedSlice", strided_slice}, {"Slice", slice}, {"GatherV2", gather}, {"Gather", gather},
    {"GatherNd", gather_nd},
};

}  // namespace

std::span<const OpConverter> slice_converters() {
  return kConverters;
}

}  // namespace nnport::tf
