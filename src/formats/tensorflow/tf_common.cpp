#include "formats/tensorflow/tf_common.h"

#include <numeric>

#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

std::vector<int64_t> to_channels_first_perm(size_t rank) {
  std::vector<int64_t> perm = {0, static_cast<int64_t>(rank) - 1};
  for (size_t i = 1; i + 1 < rank; ++i)
    perm.push_back(static_cast<int64_t>(i));
  return perm;
}

std::vector<int64_t> to_channels_last_perm(size_t rank) {
  std::vector<int64_t> perm = {0};
  for (size_t i = 2; i < rank; ++i)
    perm.push_back(static_cast<int64_t>(i));
  perm.push_back(1);
  return perm;
}

std::string to_channels_first(NodeConverter& c, const std::string& value, size_t rank) {
  return c.emit_temp("Transpose", {value}, attrs_of({{"perm", to_channels_first_perm(rank)}}),
                     "to_nchw");
}

void to_channels_last(NodeConverter& c, const std::string& value, const std::string& out,
                      size_t rank) {
  c.emit("Transpose", {value}, {out}, attrs_of({{"perm", to_channels_last_perm(rank)}}));
}

std::vector<int64_t> spatial_values(NodeConverter& c, const std::vector<int64_t>& values,
                                    bool channels_last, const std::string& what) {
  if (values.size() < 3)
    c.fail("{} has {} values, expected one per dimension", what, values.size());
  const size_t channel = channels_last ? values.size() - 1 : 1;
  if (values[0] != 1 || values[channel] != 1)
    c.fail("{} [{}] must be 1 along batch and channels", what, fmt::join(values, ","));
  std::vector<int64_t> spatial;
  for (size_t i = 1; i < values.size(); ++i)
    if (i != channel) spatial.push_back(values[i]);
  return spatial;
}

std::string int64_constant(NodeConverter& c, const std::vector<int64_t>& values,
                           const std::string& suffix) {
  return c.add_constant(Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values),
                        suffix);
}

std::string scalar_constant(NodeConverter& c, DType dtype, double value,
                            const std::string& suffix) {
  switch (dtype) {
    case DType::Float32:
      return c.add_constant(Tensor::scalar<float>(value), suffix);
    case DType::Float64:
      return c.add_constant(Tensor::scalar<double>(value), suffix);
    case DType::Int32:
      return c.add_constant(Tensor::scalar<int32_t>(static_cast<int32_t>(value)), suffix);
    case DType::Int64:
      return c.add_constant(Tensor::scalar<int64_t>(static_cast<int64_t>(value)), suffix);
    case DType::Float16: {
      Tensor t(DType::Float16, {});
      *reinterpret_cast<uint16_t*>(t.mutable_raw()) = float_to_half(static_cast<float>(value));
      return c.add_constant(std::move(t), suffix);
    }
    default:
      c.fail("needs a {} constant, which is not supported", dtype_name(dtype));
  }
}

bool is_fusable_activation(const std::string& activation) {
  return activation == "Relu" || activation == "Relu6" || activation == "Elu" ||
         activation == "LeakyRelu" || activation == "Selu" || activation == "Sigmoid" ||
         activation == "Tanh" || activation == "Prelu";
}

void emit_activation(NodeConverter& c, const std::string& activation, const std::string& in,
                     const std::string& out, const std::string& alpha) {
  if (activation == "Relu" || activation == "Sigmoid" || activation == "Tanh" ||
      activation == "Selu") {
    // TF's Selu constants are the ones ONNX uses as defaults.
    c.emit(activation, {in}, {out});
  } else if (activation == "Elu") {
    c.emit("Elu", {in}, {out}, attrs_of({{"alpha", 1.0f}}));
  } else if (activation == "Relu6") {
    c.emit("Clip",
           {in, c.add_constant(Tensor::scalar<float>(0.0f), "zero"),
            c.add_constant(Tensor::scalar<float>(6.0f), "six")},
           {out});
  } else if (activation == "LeakyRelu") {
    // Standalone LeakyRelu calls it alpha; the fused ops leakyrelu_alpha. TF's default is 0.2.
    const float a = c.has_attr("leakyrelu_alpha") ? c.attr_float("leakyrelu_alpha")
                                                  : c.attr_float("alpha", 0.2f);
    c.emit("LeakyRelu", {in}, {out}, attrs_of({{"alpha", a}}));
  } else if (activation == "Prelu") {
    if (alpha.empty()) c.fail("Prelu needs a slope input");
    c.emit("PRelu", {in, alpha}, {out});
  } else {
    c.fail("fused activation '{}' is not supported", activation);
  }
}

Attributes attrs_of(std::initializer_list<std::pair<std::string, nnport::AttrValue>> list) {
  Attributes attrs;
  for (const auto& [name, value] : list)
    attrs.set(name, value);
  return attrs;
}

}  // namespace nnport::tf
