// TensorFlow dtypes and TensorProto values as IR tensors, plus the constant rearrangements the
// importer applies to weights once at conversion time (HWIO -> OIHW and friends).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"
#include "tf_graph.pb.h"

namespace nnport::tf {

// Undefined for types nnport cannot hold (complex, resource, variant, quantized).
DType to_ir_dtype(DataType type);
std::string tf_dtype_name(DataType type);

// Dims of a TensorShapeProto: -1 for unknown; empty optional when the rank is unknown.
Shape to_ir_shape(const TensorShapeProto& shape);

// Moves the bytes out of the proto when it stores tensor_content (no copy). Model error for
// strings, unsupported dtypes, or a content size that does not match the shape.
Tensor tensor_from_proto(TensorProto& proto, const std::string& what);

// out.dims[i] = in.dims[perm[i]]; works on any fixed-width dtype.
Tensor transpose_tensor(const Tensor& tensor, const std::vector<int64_t>& perm);

// Numeric tensor converted to another dtype exactly representable (int32 <-> int64, float16 ->
// float32); model error otherwise.
Tensor cast_tensor(const Tensor& tensor, DType to);

}  // namespace nnport::tf
