#include "formats/onnx/tensor_proto.h"

#include <array>
#include <cstring>
#include <memory>

#include "ir/error.h"

namespace nnport::onnx_format {

namespace {

struct TypePair {
  int32_t onnx;
  DType dtype;
  const char* onnx_name;
};

// Field numbers of TensorProto.DataType (onnx.proto).
constexpr std::array<TypePair, 23> kTypes = {{
    {onnx::TensorProto::UNDEFINED, DType::Undefined, "UNDEFINED"},
    {onnx::TensorProto::FLOAT, DType::Float32, "FLOAT"},
    {onnx::TensorProto::UINT8, DType::UInt8, "UINT8"},
    {onnx::TensorProto::INT8, DType::Int8, "INT8"},
    {onnx::TensorProto::UINT16, DType::UInt16, "UINT16"},
    {onnx::TensorProto::INT16, DType::Int16, "INT16"},
    {onnx::TensorProto::INT32, DType::Int32, "INT32"},
    {onnx::TensorProto::INT64, DType::Int64, "INT64"},
    {onnx::TensorProto::STRING, DType::String, "STRING"},
    {onnx::TensorProto::BOOL, DType::Bool, "BOOL"},
    {onnx::TensorProto::FLOAT16, DType::Float16, "FLOAT16"},
    {onnx::TensorProto::DOUBLE, DType::Float64, "DOUBLE"},
    {onnx::TensorProto::UINT32, DType::UInt32, "UINT32"},
    {onnx::TensorProto::UINT64, DType::UInt64, "UINT64"},
    {onnx::TensorProto::COMPLEX64, DType::Undefined, "COMPLEX64"},
    {onnx::TensorProto::COMPLEX128, DType::Undefined, "COMPLEX128"},
    {onnx::TensorProto::BFLOAT16, DType::BFloat16, "BFLOAT16"},
    // Newer than the libonnx 1.12 enum: numbered per onnx.proto of ONNX 1.14-1.16.
    {17, DType::Undefined, "FLOAT8E4M3FN"},
    {18, DType::Undefined, "FLOAT8E4M3FNUZ"},
    {19, DType::Undefined, "FLOAT8E5M2"},
    {20, DType::Undefined, "FLOAT8E5M2FNUZ"},
    {21, DType::Undefined, "UINT4"},
    {22, DType::Undefined, "INT4"},
}};

// Copies `count` values of a repeated typed field into a new tensor, converting each element
// with `convert` into the tensor's storage type.
template <typename Stored, typename Field, typename Convert>
Tensor from_typed_field(DType dtype, const std::vector<int64_t>& dims, const Field& field,
                        Convert convert) {
  Tensor tensor(dtype, dims);
  auto* out = reinterpret_cast<Stored*>(tensor.mutable_raw());
  for (int i = 0; i < field.size(); ++i)
    out[i] = convert(field.Get(i));
  return tensor;
}

int typed_field_size(const onnx::TensorProto& p, DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return p.float_data_size();
    case DType::Float64:
      return p.double_data_size();
    case DType::Int64:
      return p.int64_data_size();
    case DType::UInt32:
    case DType::UInt64:
      return p.uint64_data_size();
    default:
      return p.int32_data_size();
  }
}

Tensor from_typed_fields(const onnx::TensorProto& p, DType dtype,
                         const std::vector<int64_t>& dims) {
  // int32_data carries every type narrower than 32 bits; float16 and bfloat16 as bit patterns.
  switch (dtype) {
    case DType::Float32:
      return from_typed_field<float>(dtype, dims, p.float_data(), [](float v) { return v; });
    case DType::Float64:
      return from_typed_field<double>(dtype, dims, p.double_data(), [](double v) { return v; });
    case DType::Int64:
      return from_typed_field<int64_t>(dtype, dims, p.int64_data(), [](int64_t v) { return v; });
    case DType::UInt64:
      return from_typed_field<uint64_t>(dtype, dims, p.uint64_data(), [](uint64_t v) { return v; });
    case DType::UInt32:
      return from_typed_field<uint32_t>(dtype, dims, p.uint64_data(),
                                        [](uint64_t v) { return static_cast<uint32_t>(v); });
    case DType::Int32:
      return from_typed_field<int32_t>(dtype, dims, p.int32_data(), [](int32_t v) { return v; });
    case DType::Int16:
      return from_typed_field<int16_t>(dtype, dims, p.int32_data(),
                                       [](int32_t v) { return static_cast<int16_t>(v); });
    case DType::UInt16:
    case DType::Float16:
    case DType::BFloat16:
      return from_typed_field<uint16_t>(dtype, dims, p.int32_data(),
                                        [](int32_t v) { return static_cast<uint16_t>(v); });
    case DType::Int8:
      return from_typed_field<int8_t>(dtype, dims, p.int32_data(),
                                      [](int32_t v) { return static_cast<int8_t>(v); });
    case DType::UInt8:
      return from_typed_field<uint8_t>(dtype, dims, p.int32_data(),
                                       [](int32_t v) { return static_cast<uint8_t>(v); });
    case DType::Bool:
      return from_typed_field<uint8_t>(dtype, dims, p.int32_data(),
                                       [](int32_t v) { return static_cast<uint8_t>(v != 0); });
    default:
      model_error("unsupported dtype {}", dtype_name(dtype));
  }
}

}  // namespace

DType dtype_from_onnx(int32_t onnx_type) {
  for (const auto& t : kTypes)
    if (t.onnx == onnx_type) return t.dtype;
  return DType::Undefined;
}

int32_t dtype_to_onnx(DType dtype) {
  if (dtype != DType::Undefined && dtype != DType::String)
    for (const auto& t : kTypes)
      if (t.dtype == dtype) return t.onnx;
  if (dtype == DType::String) return onnx::TensorProto::STRING;
  model_error("dtype {} has no ONNX tensor type", dtype_name(dtype));
}

const char* dtype_attribute_of(std::string_view op) {
  static constexpr std::array<std::pair<std::string_view, const char*>, 8> kDTypeAttributes = {{
      {"Cast", "to"},
      {"EyeLike", "dtype"},
      {"RandomNormal", "dtype"},
      {"RandomNormalLike", "dtype"},
      {"RandomUniform", "dtype"},
      {"RandomUniformLike", "dtype"},
      {"Multinomial", "dtype"},
      {"Bernoulli", "dtype"},
  }};
  for (const auto& [name, attr] : kDTypeAttributes)
    if (name == op) return attr;
  return nullptr;
}

std::string onnx_type_name(int32_t onnx_type) {
  for (const auto& t : kTypes)
    if (t.onnx == onnx_type) return t.onnx_name;
  return "type " + std::to_string(onnx_type);
}

Tensor tensor_from_proto(onnx::TensorProto& proto, const std::string& what,
                         const ExternalDataLoader& load_external,
                         const MappedRawData* mapped_raw_data) {
  const DType dtype = dtype_from_onnx(proto.data_type());
  if (dtype == DType::Undefined || dtype == DType::String)
    model_error("{}: data type {} is not supported", what, onnx_type_name(proto.data_type()));
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  for (int64_t d : dims)
    if (d < 0) model_error("{}: negative dimension in {}", what, sizes_to_string(dims));
  int64_t count = 0;
  int64_t bytes = 0;
  try {
    count = element_count(dims);
    bytes = checked_mul(count, static_cast<int64_t>(dtype_size(dtype)));
  } catch (const Error& e) {
    rethrow_with_context(e, what + ": ");
  }
  if (proto.has_segment()) model_error("{}: segmented tensors are not supported", what);

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    if (!load_external) model_error("{}: external data is not allowed here", what);
    return load_external(proto, dtype, dims);
  }
  if (mapped_raw_data || proto.has_raw_data()) {
    const size_t stored = mapped_raw_data ? mapped_raw_data->size : proto.raw_data().size();
    if (static_cast<int64_t>(stored) != bytes)
      model_error("{}: raw_data holds {} bytes but shape {} of {} needs {}", what, stored,
                  sizes_to_string(dims), dtype_name(dtype), bytes);
    // ONNX raw_data is little-endian, as is every machine this builds for.
    if (mapped_raw_data)
      return Tensor(dtype, std::move(dims), mapped_raw_data->file, mapped_raw_data->offset);
    std::unique_ptr<std::string> released(proto.release_raw_data());
    auto buffer = std::make_shared<StringBuffer>(std::move(*released));
    return Tensor(dtype, std::move(dims), std::move(buffer));
  }
  const int stored = typed_field_size(proto, dtype);
  if (stored != count)
    model_error("{}: holds {} values but shape {} needs {}", what, stored, sizes_to_string(dims),
                count);
  return from_typed_fields(proto, dtype, dims);
}

onnx::TensorProto tensor_header(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto;
  for (int64_t d : tensor.dims())
    proto.add_dims(d);
  proto.set_data_type(dtype_to_onnx(tensor.dtype()));
  proto.set_name(name);
  return proto;
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto proto = tensor_header(tensor, name);
  proto.set_raw_data(reinterpret_cast<const char*>(tensor.raw()), tensor.byte_size());
  return proto;
}

}  // namespace nnport::onnx_format
