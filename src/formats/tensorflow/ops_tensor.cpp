// Shape and data-movement ops: Reshape, Squeeze, ExpandDims, Transpose, Concat, Pack, Unpack,
// Split, SplitV, Tile, BroadcastTo, Fill, Range, Shape, Size, Pad, MirrorPad, SparseToDense (of
// constants), and the ops that only forward their input (Identity and friends).
#include <cstring>

#include "formats/tensorflow/tf_common.h"
#include "formats/tensorflow/tf_importer.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

namespace {

void forward(NodeConverter& c) {
  // IdentityN forwards every input to the same-numbered output.
  for (size_t i = 0; i < c.input_count(); ++i)
    c.alias(i, c.input(i));
}

// TF shape values are int32 or int64; IR shape inputs are int64.
std::string as_int64(NodeConverter& c, size_t i, const std::string& suffix) {
  if (const Tensor* t = c.constant(i)) {
    if (!dtype_is_integer(t->dtype())) c.fail("{} must be integers", suffix);
    return c.add_constant(cast_tensor(*t, DType::Int64), suffix);
  }
  if (c.dtype(i) == DType::Int64) return c.input(i);
  return c.emit_temp("Cast", {c.input(i)}, attrs_of({{"to", std::string("int64")}}), suffix);
}

void reshape(NodeConverter& c) {
  // TF reads a 0 in the shape as an empty dimension, ONNX (allowzero = 0) as "copy the input's";
  // allowzero = 1 keeps TF's meaning where a constant shape has a 0. A computed shape (folded
  // once input sizes are known) keeps allowzero = 0 so opset-13 writers can express it: it only
  // differs from TF for empty tensors.
  int64_t allow_zero = 0;
  if (const Tensor* t = c.constant(1)) {
    const auto dims = t->to_int64_vector();
    allow_zero = std::find(dims.begin(), dims.end(), 0) != dims.end() ? 1 : 0;
  }
  c.emit("Reshape", {c.input(0), as_int64(c, 1, "shape")}, {c.output(0)},
         attrs_of({{"allowzero", allow_zero}}));
}

void squeeze(NodeConverter& c) {
  const std::vector<int64_t> axes = c.attr_ints("squeeze_dims", std::vector<int64_t>{});
  if (axes.empty()) return c.emit("Squeeze", {c.input(0)}, {c.output(0)});
  c.emit("Squeeze", {c.input(0), int64_constant(c, axes, "axes")}, {c.output(0)});
}

void expand_dims(NodeConverter& c) {
  const std::vector<int64_t> axis = c.constant_ints(1, "dim");
  if (axis.size() != 1) c.fail("dim must hold one axis");
  c.emit("Unsqueeze", {c.input(0), int64_constant(c, axis, "axes")}, {c.output(0)});
}

void transpose(NodeConverter& c) {
  const std::vector<int64_t> perm = c.constant_ints(1, "perm");
  if (const Tensor* t = c.constant(0))
    return c.alias(0, c.add_constant(transpose_tensor(*t, perm), "transposed"));
  c.emit("Transpose", {c.input(0)}, {c.output(0)}, attrs_of({{"perm", perm}}));
}

void concat(NodeConverter& c) {
  const bool v2 = c.op() == "ConcatV2";
  const size_t axis_input = v2 ? c.input_count() - 1 : 0;
  const std::vector<int64_t> axis = c.constant_ints(axis_input, "axis");
  if (axis.size() != 1) c.fail("axis must be a scalar");
  std::vector<std::string> inputs;
  for (size_t i = 0; i < c.input_count(); ++i)
    if (i != axis_input) inputs.push_back(c.input(i));
  if (inputs.size() == 1) return c.alias(0, inputs[0]);
  c.emit("Concat", inputs, {c.output(0)}, attrs_of({{"axis", axis[0]}}));
}

// Pack(axis) = Unsqueeze each input at axis, then Concat there (axis counts in the output rank
// for both).
void pack(NodeConverter& c) {
  const int64_t axis = c.attr_int("axis", 0);
  const std::string axes = int64_constant(c, {axis}, "axes");
  std::vector<std::string> parts;
  for (size_t i = 0; i < c.input_count(); ++i)
    parts.push_back(c.emit_temp("Unsqueeze", {c.input(i), axes}, {}, "expanded"));
  if (parts.size() == 1) return c.alias(0, parts[0]);
  c.emit("Concat", parts, {c.output(0)}, attrs_of({{"axis", axis}}));
}

void unpack(NodeConverter& c) {
  const int64_t num = c.attr_int("num");
  const int64_t axis = c.attr_int("axis", 0);
  const std::string axes = int64_constant(c, {axis}, "axes");
  std::vector<std::string> pieces;
  for (int64_t i = 0; i < num; ++i)
    pieces.push_back(c.temp_name("piece"));
  c.emit("Split", {c.input(0), int64_constant(c, std::vector<int64_t>(num, 1), "split")}, pieces,
         attrs_of({{"axis", axis}}));
  for (int64_t i = 0; i < num; ++i)
    c.emit("Squeeze", {pieces[i], axes}, {c.output(i)});
}

void split(NodeConverter& c) {  // Split(axis, value), num_split equal parts
  const std::vector<int64_t> axis = c.constant_ints(0, "axis");
  const int64_t num = c.attr_int("num_split");
  if (axis.size() != 1) c.fail("axis must be a scalar");
  std::vector<std::string> outputs;
  for (int64_t i = 0; i < num; ++i)
    outputs.push_back(c.output(i));
  if (num == 1) return c.alias(0, c.input(1));
  c.emit("Split", {c.input(1)}, outputs, attrs_of({{"axis", axis[0]}, {"num_outputs", num}}));
}

void split_v(NodeConverter& c) {  // SplitV(value, size_splits, axis)
  std::vector<int64_t> sizes = c.constant_ints(1, "size_splits");
  const std::vector<int64_t> axis = c.constant_ints(2, "axis");
  if (axis.size() != 1) c.fail("axis must be a scalar");
  const auto unknown = std::find(sizes.begin(), sizes.end(), -1);
  if (unknown != sizes.end()) {
    const Shape& s = c.shape(0);
    const int64_t a = axis[0] < 0 ? axis[0] + static_cast<int64_t>(s.rank()) : axis[0];
    if (!s.rank_known || a < 0 || a >= static_cast<int64_t>(s.rank()) || !s.dims[a].known())
      c.fail("size_splits has -1 and the size of axis {} is unknown", axis[0]);
    int64_t rest = s.dims[a].size;
    for (int64_t v : sizes)
      if (v != -1) rest -= v;
    *unknown = rest;
  }
  std::vector<std::string> outputs;
  for (size_t i = 0; i < sizes.size(); ++i)
    outputs.push_back(c.output(i));
  if (sizes.size() == 1) return c.alias(0, c.input(0));
  c.emit("Split", {c.input(0), int64_constant(c, sizes, "split")}, outputs,
         attrs_of({{"axis", axis[0]}}));
}

void tile(NodeConverter& c) {
  c.emit("Tile", {c.input(0), as_int64(c, 1, "repeats")}, {c.output(0)});
}

// Expand broadcasts both ways; for a valid BroadcastTo/Fill the result is the asked shape.
void broadcast_to(NodeConverter& c) {
  c.emit("Expand", {c.input(0), as_int64(c, 1, "shape")}, {c.output(0)});
}

void fill(NodeConverter& c) {  // Fill(dims, value)
  c.emit("Expand", {c.input(1), as_int64(c, 0, "dims")}, {c.output(0)});
}

void range(NodeConverter& c) {
  c.emit("Range", {c.input(0), c.input(1), c.input(2)}, {c.output(0)});
}

// Shape and Size give int32 unless out_type says otherwise; the IR ops give int64.
void shape_or_size(NodeConverter& c) {
  const DType out = c.attr_dtype("out_type", DType::Int32);
  const std::string ir_op = c.op() == "Shape" ? "Shape" : "Size";
  if (out == DType::Int64) return c.emit(ir_op, {c.input(0)}, {c.output(0)});
  const std::string value = c.emit_temp(ir_op, {c.input(0)}, {}, "int64");
  c.emit("Cast", {value}, {c.output(0)}, attrs_of({{"to", std::string(dtype_name(out))}}));
}

// paddings [rank, 2] -> ONNX pads [begins..., ends...].
std::vector<int64_t> onnx_pads(NodeConverter& c) {
  const Tensor& t = c.require_constant(1, "paddings");
  if (t.rank() != 2 || t.dims()[1] != 2) c.fail("paddings must be [rank, 2]");
  const std::vector<int64_t> p = t.to_int64_vector();
  const size_t rank = p.size() / 2;
  std::vector<int64_t> pads(2 * rank);
  for (size_t i = 0; i < rank; ++i) {
    pads[i] = p[2 * i];
    pads[i + rank] = p[2 * i + 1];
  }
  return pads;
}

void pad(NodeConverter& c) {
  std::vector<std::string> inputs = {c.input(0), int64_constant(c, onnx_pads(c), "pads")};
  if (c.op() == "PadV2") inputs.push_back(c.input(2));
  c.emit("Pad", inputs, {c.output(0)}, attrs_of({{"mode", std::string("constant")}}));
}

void mirror_pad(NodeConverter& c) {
  const std::string mode = c.attr_string("mode");
  // ONNX "reflect" excludes the edge like TF REFLECT; TF SYMMETRIC repeats it and has no
  // ONNX equivalent.
  if (mode != "REFLECT") c.fail("MirrorPad mode {} is not supported", mode);
  c.emit("Pad", {c.input(0), int64_constant(c, onnx_pads(c), "pads")}, {c.output(0)},
         attrs_of({{"mode", std::string("reflect")}}));
}

// SparseToDense of constants (nanodet builds index tables this way) is evaluated at import;
// run-time indices or values are refused. Repeated indices are an error in TF, so here too.
void sparse_to_dense(NodeConverter& c) {
  const std::vector<int64_t> shape = c.constant_ints(1, "output_shape");
  const Tensor* indices = c.importer().folded_constant(c.input(0));
  const Tensor* values = c.importer().folded_constant(c.input(2));
  const Tensor* fill = c.importer().folded_constant(c.input(3));
  if (!indices || !values || !fill)
    c.fail("only constant sparse_indices, sparse_values and default_value are supported");
  if (!dtype_is_integer(indices->dtype())) c.fail("sparse_indices must be integers");
  if (values->dtype() != fill->dtype() || fill->element_count() != 1)
    c.fail("default_value must be a scalar of the values' type");
  const size_t rank = shape.size();
  int64_t count = 0;
  if (indices->rank() <= 1 && rank == 1)
    count = indices->element_count();
  else if (indices->rank() == 2 && indices->dims()[1] == static_cast<int64_t>(rank))
    count = indices->dims()[0];
  else
    c.fail("sparse_indices {} do not address an output of rank {}",
           sizes_to_string(indices->dims()), rank);
  if (values->element_count() != 1 && values->element_count() != count)
    c.fail("{} sparse_values for {} indices", values->element_count(), count);
  for (int64_t d : shape)
    if (d < 0) c.fail("output_shape {} has a negative dimension", sizes_to_string(shape));
  const std::vector<int64_t> index = indices->to_int64_vector();
  Tensor dense(fill->dtype(), shape);
  const size_t width = dtype_size(fill->dtype());
  std::byte* out = dense.mutable_raw();
  for (int64_t i = 0; i < dense.element_count(); ++i)
    std::memcpy(out + i * width, fill->raw(), width);
  std::vector<bool> written(static_cast<size_t>(dense.element_count()), false);
  for (int64_t n = 0; n < count; ++n) {
    int64_t flat = 0;
    for (size_t r = 0; r < rank; ++r) {
      const int64_t at = index[static_cast<size_t>(n) * rank + r];
      if (at < 0 || at >= shape[r])
        c.fail("index {} is outside output_shape {}", at, sizes_to_string(shape));
      flat = flat * shape[r] + at;
    }
    if (written[static_cast<size_t>(flat)]) c.fail("sparse_indices repeat element {}", flat);
    written[static_cast<size_t>(flat)] = true;
    const int64_t from = values->element_count() == 1 ? 0 : n;
    std::memcpy(out + flat * width, values->raw() + from * width, width);
  }
  c.alias(0, c.add_constant(std::move(dense), "dense"));
}

const std::vector<OpConverter> kConverters = {
    {"Identity", forward},
    {"IdentityN", forward},
    {"StopGradient", forward},
    {"PreventGradient", forward},
    {"Snapshot", forward},
    {"PlaceholderWithDefault", forward},
    {"EnsureShape", forward},
    {"Reshape", reshape},
    {"Squeeze", squeeze},
    {"ExpandDims", expand_dims},
    {"Transpose", transpose},
    {"ConcatV2", concat},
    {"Concat", concat},
    {"Pack", pack},
    {"Unpack", unpack},
    {"Split", split},
    {"SplitV", split_v},
    {"Tile", tile},
    {"BroadcastTo", broadcast_to},
    {"Fill", fill},
    {"Range", range},
    {"Shape", shape_or_size},
    {"Size", shape_or_size},
    {"Pad", pad},
    {"PadV2", pad},
    {"MirrorPad", mirror_pad},
    {"SparseToDense", sparse_to_dense},
};

}  // namespace

std::span<const OpConverter> tensor_converters() {
  return kConverters;
}

}  // namespace nnport::tf
