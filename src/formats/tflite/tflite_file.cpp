#include "formats/tflite/tflite_file.h"

#include <cstring>
#include <fstream>

#include "ir/error.h"
#include "ir/shape.h"

namespace nnport::tflite {

namespace {

// FlatBuffers addresses everything with 32-bit offsets; larger files keep their buffers after
// the FlatBuffer (Buffer.offset/size), which tensor_constant reads.
constexpr size_t kMaxFlatBufferBytes = size_t{1} << 31;

}  // namespace

bool has_tflite_identifier(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  if (!in.read(head, sizeof head)) return false;
  return std::memcmp(head + 4, "TFL3", 4) == 0;
}

File open_file(const std::string& path) {
  File file;
  file.path = path;
  file.mapped = MappedFile::open(path);
  const auto* bytes = reinterpret_cast<const uint8_t*>(file.mapped->data());
  const size_t size = file.mapped->size();
  if (size < 8 || !flatbuffers::BufferHasIdentifier(bytes, tfl::ModelIdentifier()))
    model_error("{}: not a TFLite model (no \"TFL3\" FlatBuffer identifier)", path);
  flatbuffers::Verifier verifier(bytes, std::min(size, kMaxFlatBufferBytes - 1), /*max_depth=*/64,
                                 /*max_tables=*/100'000'000);
  if (!tfl::VerifyModelBuffer(verifier))
    model_error(
        "{}: corrupt TFLite file (the FlatBuffer fails verification: an offset or size "
        "points outside the file)",
        path);
  file.model = tfl::GetModel(bytes);
  return file;
}

DType tensor_dtype(const File& file, const tfl::Tensor& tensor, const std::string& what) {
  switch (tensor.type()) {
    case tfl::TensorType::FLOAT32:
      return DType::Float32;
    case tfl::TensorType::FLOAT16:
      return DType::Float16;
    case tfl::TensorType::FLOAT64:
      return DType::Float64;
    case tfl::TensorType::INT8:
      return DType::Int8;
    case tfl::TensorType::INT16:
      return DType::Int16;
    case tfl::TensorType::INT32:
      return DType::Int32;
    case tfl::TensorType::INT64:
      return DType::Int64;
    case tfl::TensorType::UINT8:
      return DType::UInt8;
    case tfl::TensorType::UINT16:
      return DType::UInt16;
    case tfl::TensorType::UINT32:
      return DType::UInt32;
    case tfl::TensorType::UINT64:
      return DType::UInt64;
    case tfl::TensorType::BOOL:
      return DType::Bool;
    default:
      model_error("{}: {}: tensor type {} ({}) is not supported", file.path, what,
                  tfl::EnumNameTensorType(tensor.type()), static_cast<int>(tensor.type()));
  }
}

std::vector<int64_t> tensor_dims(const tfl::Tensor& tensor) {
  std::vector<int64_t> dims;
  if (tensor.shape())
    for (int32_t d : *tensor.shape())
      dims.push_back(d);
  return dims;
}

std::optional<Quantization> tensor_quantization(const File& file, const tfl::Tensor& tensor,
                                                const std::string& what) {
  const tfl::QuantizationParameters* q = tensor.quantization();
  if (!q) return std::nullopt;
  if (q->details_type() != tfl::QuantizationDetails::NONE)
    model_error("{}: {}: custom quantization is not supported", file.path, what);
  if (!q->scale() || q->scale()->size() == 0) return std::nullopt;
  Quantization out;
  for (float s : *q->scale())
    out.scale.push_back(s);
  if (q->zero_point())
    for (int64_t z : *q->zero_point())
      out.zero_point.push_back(z);
  if (out.zero_point.empty()) out.zero_point.assign(out.scale.size(), 0);
  if (out.zero_point.size() != out.scale.size())
    model_error("{}: {}: {} scales but {} zero points", file.path, what, out.scale.size(),
                out.zero_point.size());
  out.axis = q->quantized_dimension();
  const auto rank = static_cast<int64_t>(tensor_dims(tensor).size());
  // Converters copy the filter's quantized_dimension onto 1-D biases (person_detect: 3); a
  // vector has one axis, which is what TFLite's kernels use.
  if (out.per_axis() && rank == 1) out.axis = 0;
  if (out.per_axis() && (out.axis < 0 || out.axis >= rank))
    model_error("{}: {}: quantized_dimension {} is outside rank {}", file.path, what, out.axis,
                rank);
  for (float s : out.scale)
    if (!(s > 0.0f) || !std::isfinite(s))
      model_error("{}: {}: quantization scale {} is not positive and finite", file.path, what, s);
  return out;
}

std::optional<Tensor> tensor_constant(const File& file, const tfl::Tensor& tensor,
                                      const std::string& what) {
  const auto* buffers = file.model->buffers();
  if (tensor.buffer() == 0 || !buffers) return std::nullopt;
  if (tensor.buffer() >= buffers->size())
    model_error("{}: {}: buffer index {} is out of range ({} buffers)", file.path, what,
                tensor.buffer(), buffers->size());
  if (tensor.sparsity()) model_error("{}: {}: sparse tensors are not supported", file.path, what);
  const tfl::Buffer* buffer = buffers->Get(tensor.buffer());
  const std::byte* base = file.mapped->data();
  size_t offset = 0, size = 0;
  if (buffer->offset() > 1) {
    offset = buffer->offset();
    size = buffer->size();
    if (offset > file.mapped->size() || size > file.mapped->size() - offset)
      model_error("{}: {}: buffer at offset {} size {} runs past the end of the file", file.path,
                  what, offset, size);
  } else if (buffer->data() && buffer->data()->size() > 0) {
    offset = static_cast<size_t>(reinterpret_cast<const std::byte*>(buffer->data()->data()) - base);
    size = buffer->data()->size();
  } else {
    return std::nullopt;
  }
  const DType dtype = tensor_dtype(file, tensor, what);
  const std::vector<int64_t> dims = tensor_dims(tensor);
  // Byte count from the stated shape, refusing negative or overflowing dims with the tensor's name.
  uint64_t bytes = dtype_size(dtype);
  for (int64_t d : dims) {
    if (d < 0)
      model_error("{}: {}: negative dimension {} in [{}]", file.path, what, d,
                  fmt::join(dims, ","));
    if (d != 0 && bytes > (uint64_t{1} << 62) / static_cast<uint64_t>(d))
      model_error("{}: {}: shape [{}] is absurdly large", file.path, what, fmt::join(dims, ","));
    bytes *= static_cast<uint64_t>(d);
  }
  if (bytes != size)
    model_error("{}: {}: buffer holds {} bytes, shape [{}] of {} needs {}", file.path, what, size,
                fmt::join(dims, ","), dtype_name(dtype), bytes);
  if (offset % dtype_size(dtype) == 0) return Tensor(dtype, dims, file.mapped, offset);
  // Misaligned data (a writer that ignored force_align) is copied once so kernels may load it.
  Tensor copy = Tensor::uninitialized(dtype, dims);
  std::memcpy(copy.mutable_raw(), base + offset, size);
  return copy;
}

}  // namespace nnport::tflite
