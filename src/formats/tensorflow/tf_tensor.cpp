#include "formats/tensorflow/tf_tensor.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "ir/error.h"

namespace nnport::tf {

DType to_ir_dtype(DataType type) {
  switch (static_cast<int>(type) % 100) {  // reference types are the base type plus 100
    case DT_FLOAT:
      return DType::Float32;
    case DT_DOUBLE:
      return DType::Float64;
    case DT_HALF:
      return DType::Float16;
    case DT_BFLOAT16:
      return DType::BFloat16;
    case DT_INT8:
      return DType::Int8;
    case DT_UINT8:
      return DType::UInt8;
    case DT_INT16:
      return DType::Int16;
    case DT_UINT16:
      return DType::UInt16;
    case DT_INT32:
      return DType::Int32;
    case DT_UINT32:
      return DType::UInt32;
    case DT_INT64:
      return DType::Int64;
    case DT_UINT64:
      return DType::UInt64;
    case DT_BOOL:
      return DType::Bool;
    case DT_STRING:
      return DType::String;
    default:
      return DType::Undefined;
  }
}

std::string tf_dtype_name(DataType type) {
  const std::string& name = DataType_Name(type);
  return name.empty() ? "DataType(" + std::to_string(static_cast<int>(type)) + ")" : name;
}

Shape to_ir_shape(const TensorShapeProto& shape) {
  if (shape.unknown_rank()) return Shape::unknown();
  std::vector<Dim> dims;
  for (const auto& d : shape.dim())
    dims.push_back(d.size() >= 0 ? Dim(d.size()) : Dim());
  return Shape(dims);
}

namespace {

// Fills `count` elements from a typed repeated field: an empty field means zeros, a short one
// repeats its last value (TensorFlow's compact encoding of splat constants).
template <typename Out, typename Field>
void fill_from_field(Tensor& tensor, const Field& field, const std::string& what) {
  const int64_t count = tensor.element_count();
  if (static_cast<int64_t>(field.size()) > count)
    model_error("{}: tensor holds {} values for {} elements", what, field.size(), count);
  if (field.empty()) return;  // storage is zero-initialised
  Out* out = reinterpret_cast<Out*>(tensor.mutable_raw());
  for (int64_t i = 0; i < count; ++i) {
    const auto v = field.Get(static_cast<int>(std::min<int64_t>(i, field.size() - 1)));
    out[i] = static_cast<Out>(v);
  }
}

}  // namespace

Tensor tensor_from_proto(TensorProto& proto, const std::string& what) {
  const DType dtype = to_ir_dtype(proto.dtype());
  if (dtype == DType::Undefined || dtype == DType::String)
    model_error("{}: constant of type {} is not supported", what, tf_dtype_name(proto.dtype()));
  const Shape shape = to_ir_shape(proto.tensor_shape());
  if (!shape.fully_known()) model_error("{}: constant has an unknown shape", what);
  const std::vector<int64_t> dims = shape.sizes();
  const int64_t count = element_count(dims);
  if (!proto.tensor_content().empty()) {
    const size_t expected = static_cast<size_t>(count) * dtype_size(dtype);
    if (proto.tensor_content().size() != expected)
      model_error("{}: tensor_content has {} bytes, shape {} of {} needs {}", what,
                  proto.tensor_content().size(), sizes_to_string(dims), dtype_name(dtype),
                  expected);
    auto buffer = std::make_shared<StringBuffer>(std::move(*proto.mutable_tensor_content()));
    proto.clear_tensor_content();
    return Tensor(dtype, dims, std::move(buffer));
  }
  Tensor tensor(dtype, dims);
  switch (dtype) {
    case DType::Float32:
      fill_from_field<float>(tensor, proto.float_val(), what);
      break;
    case DType::Float64:
      fill_from_field<double>(tensor, proto.double_val(), what);
      break;
    case DType::Float16:
    case DType::BFloat16:
      fill_from_field<uint16_t>(tensor, proto.half_val(), what);
      break;
    case DType::Int8:
      fill_from_field<int8_t>(tensor, proto.int_val(), what);
      break;
    case DType::UInt8:
      fill_from_field<uint8_t>(tensor, proto.int_val(), what);
      break;
    case DType::Int16:
      fill_from_field<int16_t>(tensor, proto.int_val(), what);
      break;
    case DType::UInt16:
      fill_from_field<uint16_t>(tensor, proto.int_val(), what);
      break;
    case DType::Int32:
      fill_from_field<int32_t>(tensor, proto.int_val(), what);
      break;
    case DType::UInt32:
      fill_from_field<uint32_t>(tensor, proto.uint32_val(), what);
      break;
    case DType::Int64:
      fill_from_field<int64_t>(tensor, proto.int64_val(), what);
      break;
    case DType::UInt64:
      fill_from_field<uint64_t>(tensor, proto.uint64_val(), what);
      break;
    case DType::Bool:
      fill_from_field<bool>(tensor, proto.bool_val(), what);
      break;
    default:
      model_error("{}: constant of type {} is not supported", what, dtype_name(dtype));
  }
  return tensor;
}

Tensor transpose_tensor(const Tensor& tensor, const std::vector<int64_t>& perm) {
  const auto& in_dims = tensor.dims();
  const size_t rank = in_dims.size();
  if (perm.size() != rank)
    model_error("transpose of a rank-{} constant with a {}-axis permutation", rank, perm.size());
  std::vector<int64_t> out_dims(rank);
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;)
    in_strides[i - 1] = in_strides[i] * in_dims[i];
  for (size_t i = 0; i < rank; ++i)
    out_dims[i] = in_dims[perm[i]];
  Tensor out(tensor.dtype(), out_dims);
  const size_t width = dtype_size(tensor.dtype());
  const std::byte* src = tensor.raw();
  std::byte* dst = out.mutable_raw();
  std::vector<int64_t> index(rank, 0);  // multi-index in the output
  for (int64_t n = 0; n < out.element_count(); ++n) {
    int64_t offset = 0;
    for (size_t i = 0; i < rank; ++i)
      offset += index[i] * in_strides[perm[i]];
    std::memcpy(dst + n * width, src + offset * width, width);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < out_dims[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

Tensor cast_tensor(const Tensor& tensor, DType to) {
  if (tensor.dtype() == to) return tensor;
  if (to == DType::Int64 && dtype_is_integer(tensor.dtype()))
    return Tensor::from_vector<int64_t>(tensor.dims(), tensor.to_int64_vector());
  if (to == DType::Int32 && dtype_is_integer(tensor.dtype())) {
    std::vector<int32_t> values;
    for (int64_t v : tensor.to_int64_vector()) {
      if (v != static_cast<int32_t>(v)) model_error("value {} does not fit in int32", v);
      values.push_back(static_cast<int32_t>(v));
    }
    return Tensor::from_vector<int32_t>(tensor.dims(), values);
  }
  if (to == DType::Float32 &&
      (tensor.dtype() == DType::Float16 || tensor.dtype() == DType::BFloat16))
    return Tensor::from_vector<float>(tensor.dims(), tensor.to_float_vector());
  model_error("cannot convert a {} constant to {} exactly", dtype_name(tensor.dtype()),
              dtype_name(to));
}

}  // namespace nnport::tf
