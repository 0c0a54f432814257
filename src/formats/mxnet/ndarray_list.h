// MXNet's NDArray list file (`mx.nd.save`, the `.params` of a checkpoint):
//
//   uint64 0x112 (list magic), uint64 reserved, uint64 count, count x NDArray,
//   uint64 count, count x (uint64 length, bytes)  -- the names, "arg:NAME" / "aux:NAME"
//
// One NDArray, little-endian, in one of the layouts MXNet has written over the years:
//   V2 (1.x) / V3 (2.x numpy shapes): uint32 magic 0xF993FAC9 / 0xF993FACA, int32 storage type
//     (0 = dense), shape, context, int32 type flag, raw data
//   V1: uint32 magic 0xF993FAC8, shape, context, type flag, data
//   legacy (no magic): uint32 ndim, ndim x uint32 dims, context, type flag, data
// where shape = int32 ndim + ndim x int64 dims and context = int32 device type + int32 device id.
#pragma once

#include <string>
#include <vector>

#include "ir/tensor.h"

namespace nnport::mxnet {

struct NamedArray {
  std::string name;  // as stored, e.g. "arg:conv1_weight"
  Tensor tensor;
};

// Views the arrays in the memory-mapped file (a copy only for data not aligned to its element
// size). Model errors name the file and the array.
std::vector<NamedArray> read_ndarray_list(const std::string& path);
std::vector<NamedArray> parse_ndarray_list(std::shared_ptr<const Buffer> bytes,
                                           const std::string& file);

// Writes the V2 layout (what MXNet 1.x writes), device cpu(0). Streams tensor bytes.
void write_ndarray_list(const std::string& path, const std::vector<NamedArray>& arrays);

// MXNet's dtype flags (mshadow::TypeFlag).
int mxnet_type_flag(DType dtype);       // -1 when MXNet has no such type
DType dtype_from_mxnet_flag(int flag);  // Undefined when unknown

}  // namespace nnport::mxnet
