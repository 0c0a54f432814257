// Reductions (Mean, Sum, Max, Min, Prod), ArgMax/ArgMin and TopKV2. The axes stay TF's: values keep
// TF's layout, so no remapping is needed here (the transpose pass remaps when it moves layouts).
#include <map>

#include "formats/tensorflow/tf_common.h"

namespace nnport::tf {

namespace {

const std::map<std::string, std::string>& reduce_ops() {
  static const std::map<std::string, std::string> kOps = {
      {"Mean", "ReduceMean"}, {"Sum", "ReduceSum"},   {"Max", "ReduceMax"},
      {"Min", "ReduceMin"},   {"Prod", "ReduceProd"},
  };
  return kOps;
}

void reduce(NodeConverter& c) {
  const std::vector<int64_t> axes = c.constant_ints(1, "reduction axes");
  const bool keep = c.attr_bool("keep_dims", false);
  // TF reduces nothing for an empty axis list; ONNX would reduce everything unless told not to.
  c.emit(reduce_ops().at(c.op()), {c.input(0), int64_constant(c, axes, "axes")}, {c.output(0)},
         attrs_of({{"keepdims", int64_t{keep ? 1 : 0}},
                   {"noop_with_empty_axes", int64_t{axes.empty() ? 1 : 0}}}));
}

void arg_reduce(NodeConverter& c) {
  const std::vector<int64_t> axis = c.constant_ints(1, "dimension");
  if (axis.size() != 1) c.fail("dimension must be one axis, got {}", axis.size());
  const DType out = c.attr_dtype("output_type", DType::Int64);
  const std::string ir_op = c.op() == "ArgMax" ? "ArgMax" : "ArgMin";
  // Ties: TF and ONNX (select_last_index = 0) both return the first index.
  Attributes attrs = attrs_of({{"axis", axis[0]}, {"keepdims", int64_t{0}}});
  if (out == DType::Int64) return c.emit(ir_op, {c.input(0)}, {c.output(0)}, attrs);
  const std::string index = c.emit_temp(ir_op, {c.input(0)}, attrs, "index");
  c.emit("Cast", {index}, {c.output(0)}, attrs_of({{"to", std::string(dtype_name(out))}}));
}

// TopKV2 works on the last axis and returns int32 indices (index_type); equal values keep the
// lower index first, as in ONNX TopK. sorted = false allows any order, so sorted output is exact.
void top_k(NodeConverter& c) {
  const std::vector<int64_t> k = c.constant_ints(1, "k");
  if (k.size() != 1) c.fail("k must be one value, got {}", k.size());
  const DType index_type = c.attr_dtype("index_type", DType::Int32);
  const std::string index = c.temp_name("indices");
  c.emit("TopK", {c.input(0), int64_constant(c, k, "k")}, {c.output(0), index},
         attrs_of({{"axis", int64_t{-1}}, {"largest", int64_t{1}}, {"sorted", int64_t{1}}}));
  c.emit("Cast", {index}, {c.output(1)}, attrs_of({{"to", std::string(dtype_name(index_type))}}));
}

std::vector<OpConverter> make_table() {
  std::vector<OpConverter> table;
  for (const auto& [op, ir] : reduce_ops())
    table.push_back({op, reduce});
  table.push_back({"ArgMax", arg_reduce});
  table.push_back({"ArgMin", arg_reduce});
  table.push_back({"TopKV2", top_k});
  return table;
}

}  // namespace

std::span<const OpConverter> reduce_converters() {
  static const std::vector<OpConverter> kConverters = make_table();
  return kConverters;
}

}  // namespace nnport::tf
