// A .tflite file opened for reading: memory-mapped, verified as a FlatBuffer of our schema
// subset (tflite_schema.fbs) before any field is read, and helpers that turn its tensors into IR
// dtypes, dims, quantization parameters and constants that view the mapped bytes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/tensor.h"
#include "tflite_schema_generated.h"

namespace nnport::tflite {

struct File {
  std::string path;
  std::shared_ptr<MappedFile> mapped;
  const tfl::Model* model = nullptr;
};

// Model error naming the file when it is not a well-formed TFLite FlatBuffer.
File open_file(const std::string& path);
bool has_tflite_identifier(const std::string& path);

// Linear quantization of one tensor: real = scale * (q - zero_point), along `axis` when there
// is more than one scale.
struct Quantization {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int64_t axis = 0;
  bool per_axis() const { return scale.size() > 1; }
};

DType tensor_dtype(const File& file, const tfl::Tensor& tensor, const std::string& what);
std::vector<int64_t> tensor_dims(const tfl::Tensor& tensor);
// Empty unless the tensor has scales (a float tensor with only min/max is not quantized).
std::optional<Quantization> tensor_quantization(const File& file, const tfl::Tensor& tensor,
                                                const std::string& what);
// The tensor's data when its buffer holds any, viewing the mapped file (no copy) when aligned.
std::optional<Tensor> tensor_constant(const File& file, const tfl::Tensor& tensor,
                                      const std::string& what);

}  // namespace nnport::tflite
