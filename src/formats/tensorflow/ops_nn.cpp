// Neural-network ops: bias, batch norm, activations, softmax and matrix products
// (MatMul, _FusedMatMul, BatchMatMul).
#include "formats/tensorflow/tf_common.h"
#include "formats/tensorflow/tf_importer.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

namespace {

void bias_add(NodeConverter& c) {
  if (c.channels_last()) return c.emit("Add", {c.input(0), c.input(1)}, {c.output(0)});
  // NCHW: the bias runs along axis 1, so it needs trailing unit axes to broadcast.
  const std::optional<size_t> rank = c.rank(0);
  if (!rank) c.fail("an NCHW BiasAdd needs the input's rank");
  std::vector<int64_t> dims = {-1};
  for (size_t i = 2; i < *rank; ++i)
    dims.push_back(1);
  const std::string bias =
      c.emit_temp("Reshape", {c.input(1), int64_constant(c, dims, "bias_shape")}, {}, "bias");
  c.emit("Add", {c.input(0), bias}, {c.output(0)});
}

// Only output 0 (y) exists at inference; the batch statistics outputs are for training.
void check_only_output_zero_used(NodeConverter& c) {
  for (const NodeDef* consumer : c.consumers())
    for (const std::string& in : consumer->input())
      if (in.rfind(c.name() + ":", 0) == 0 && in != c.name() + ":0")
        c.fail("output '{}' (a training statistic) is used by node '{}'", in, consumer->name());
}

void fused_batch_norm(NodeConverter& c) {
  if (c.attr_bool("is_training", true))
    c.fail("is_training is true: the output depends on batch statistics (freeze for inference)");
  check_only_output_zero_used(c);
  const bool nhwc = c.channels_last();
  const float epsilon = c.attr_float("epsilon", 1e-4f);
  const std::optional<size_t> rank = c.rank(0);
  const size_t r = rank.value_or(4);
  const std::string x = nhwc ? to_channels_first(c, c.input(0), r) : c.input(0);
  const std::string y = nhwc ? c.temp_name("batch_norm") : c.output(0);
  c.emit("BatchNormalization", {x, c.input(1), c.input(2), c.input(3), c.input(4)}, {y},
         attrs_of({{"epsilon", epsilon}}));
  if (nhwc) to_channels_last(c, y, c.output(0), r);
}

void activation(NodeConverter& c) {
  emit_activation(c, c.op(), c.input(0), c.output(0), c.op() == "Prelu" ? c.input(1) : "");
}

void softmax(NodeConverter& c) {
  c.emit(c.op() == "Softmax" ? "Softmax" : "LogSoftmax", {c.input(0)}, {c.output(0)},
         attrs_of({{"axis", int64_t{-1}}}));
}

// Swaps the last two axes; constants are rearranged now, values get a Transpose.
std::string swap_last_axes(NodeConverter& c, size_t i, const std::string& suffix) {
  std::optional<size_t> rank = c.rank(i);
  if (const Tensor* t = c.constant(i)) rank = t->rank();
  if (!rank || *rank < 2) c.fail("transposing input {} needs its rank (at least 2)", i);
  std::vector<int64_t> perm;
  for (size_t k = 0; k < *rank; ++k)
    perm.push_back(static_cast<int64_t>(k));
  std::swap(perm[*rank - 1], perm[*rank - 2]);
  if (const Tensor* t = c.constant(i)) return c.add_constant(transpose_tensor(*t, perm), suffix);
  return c.emit_temp("Transpose", {c.input(i)}, attrs_of({{"perm", perm}}), suffix);
}

void matmul(NodeConverter& c) {
  const bool batch = c.op().rfind("BatchMatMul", 0) == 0;
  const bool ta = batch ? c.attr_bool("adj_x", false) : c.attr_bool("transpose_a", false);
  const bool tb = batch ? c.attr_bool("adj_y", false) : c.attr_bool("transpose_b", false);
  const std::string a = ta ? swap_last_axes(c, 0, "a_transposed") : c.input(0);
  const std::string b = tb ? swap_last_axes(c, 1, "b_transposed") : c.input(1);
  const std::vector<std::string> fused = c.attr_strings("fused_ops");
  if (fused.empty()) return c.emit("MatMul", {a, b}, {c.output(0)});
  if (fused[0] != "BiasAdd" || fused.size() > 2 ||
      (fused.size() == 2 && !is_fusable_activation(fused[1])))
    c.fail("fused_ops [{}] not supported", fmt::join(fused, ","));
  const std::string product = c.emit_temp("MatMul", {a, b}, {}, "matmul");
  if (fused.size() == 1) return c.emit("Add", {product, c.input(2)}, {c.output(0)});
  const std::string biased = c.emit_temp("Add", {product, c.input(2)}, {}, "bias_add");
  emit_activation(c, fused[1], biased, c.output(0), fused[1] == "Prelu" ? c.input(3) : "");
}

const std::vector<OpConverter> kConverters = {
    {"BiasAdd", bias_add},
    {"BiasAddV1", bias_add},
    {"FusedBatchNorm", fused_batch_norm},
    {"FusedBatchNormV2", fused_batch_norm},
    {"FusedBatchNormV3", fused_batch_norm},
    {"Relu", activation},
    {"Relu6", activation},
    {"Elu", activation},
    {"Selu", activation},
    {"LeakyRelu", activation},
    {"Prelu", activation},
    {"Sigmoid", activation},
    {"Tanh", activation},
    {"Softmax", softmax},
    {"LogSoftmax", softmax},
    {"MatMul", matmul},
    {"_FusedMatMul", matmul},
    {"BatchMatMul", matmul},
    {"BatchMatMulV2", matmul},
    {"BatchMatMulV3", matmul},
};

}  // namespace

std::span<const OpConverter> nn_converters() {
  return kConverters;
}

}  // namespace nnport::tf
