// Conversion between ONNX TensorProto messages and IR tensors, and the ONNX dtype enum.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <onnx/onnx_pb.h>

#include "ir/tensor.h"

namespace nnport::onnx_format {

// ONNX TensorProto.DataType <-> IR dtype. Undefined when the ONNX type has no IR equivalent
// (complex, float8, int4, ...).
DType dtype_from_onnx(int32_t onnx_type);
int32_t dtype_to_onnx(DType dtype);             // throws a model error for Undefined/String
std::string onnx_type_name(int32_t onnx_type);  // "FLOAT", "COMPLEX64", ... for messages

// The attribute of `op` that names a dtype (Cast "to", EyeLike "dtype", ...), or nullptr. ONNX
// stores it as a TensorProto.DataType enum, the IR as a dtype name string.
const char* dtype_attribute_of(std::string_view op);

// Resolves a tensor's external data (location/offset/length) to a view; see external_data.h.
using ExternalDataLoader =
    std::function<Tensor(const onnx::TensorProto& proto, DType dtype, const std::vector<int64_t>&)>;

// raw_data bytes that were left in a mapped file when the rest of the TensorProto was parsed.
struct MappedRawData {
  std::shared_ptr<const Buffer> file;
  size_t offset = 0;
  size_t size = 0;
};

// Converts `proto` to a tensor. `mapped_raw_data`, when given, stands for the raw_data field and
// the tensor views those bytes; otherwise raw_data is released from the message into the
// tensor's buffer (no copy either way). Typed fields (float_data, int32_data, ...) are converted
// element by element. `what` names the tensor in errors ("initializer 'conv1.weight'").
Tensor tensor_from_proto(onnx::TensorProto& proto, const std::string& what,
                         const ExternalDataLoader& load_external,
                         const MappedRawData* mapped_raw_data = nullptr);

// The TensorProto header of `tensor`: name, dims and data_type, no data.
onnx::TensorProto tensor_header(const Tensor& tensor, const std::string& name);
// A complete TensorProto with the bytes copied into raw_data (for small tensors only:
// attributes and standalone .pb files).
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

}  // namespace nnport::onnx_format
