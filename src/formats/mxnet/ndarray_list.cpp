#include "formats/mxnet/ndarray_list.h"

#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "ir/error.h"

namespace nnport::mxnet {

namespace {

constexpr uint64_t kListMagic = 0x112;
constexpr uint32_t kArrayV1Magic = 0xF993FAC8;
constexpr uint32_t kArrayV2Magic = 0xF993FAC9;
constexpr uint32_t kArrayV3Magic = 0xF993FACA;
constexpr int32_t kDenseStorage = 0;
constexpr int32_t kCpuDevice = 1;
// No real array has this many dims; a larger count means a corrupt or foreign file.
constexpr int64_t kMaxRank = 32;

struct TypeFlag {
  int flag;
  DType dtype;
};
constexpr TypeFlag kTypeFlags[] = {
    {0, DType::Float32},   {1, DType::Float64}, {2, DType::Float16}, {3, DType::UInt8},
    {4, DType::Int32},     {5, DType::Int8},    {6, DType::Int64},   {7, DType::Bool},
    {8, DType::Int16},     {9, DType::UInt16},  {10, DType::UInt32}, {11, DType::UInt64},
    {12, DType::BFloat16},
};

// Bounds-checked little-endian reads over the mapped file.
class Cursor {
 public:
  Cursor(const std::shared_ptr<const Buffer>& bytes, const std::string& file)
      : bytes_(bytes), file_(file) {}

  template <typename T>
  T read(const std::string& what) {
    T value;
    std::memcpy(&value, take(sizeof(T), what), sizeof(T));
    return value;
  }
  const std::byte* take(size_t count, const std::string& what) {
    if (count > bytes_->size() - pos_)
      model_error("{}: truncated: {} needs {} bytes at offset {}, the file has {}", file_, what,
                  count, pos_, bytes_->size());
    const std::byte* p = bytes_->data() + pos_;
    pos_ += count;
    return p;
  }
  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == bytes_->size(); }

 private:
  const std::shared_ptr<const Buffer>& bytes_;
  const std::string& file_;
  size_t pos_ = 0;
};

std::vector<int64_t> read_dims(Cursor& in, int64_t ndim, bool legacy_uint32,
                               const std::string& what) {
  if (ndim < 0 || ndim > kMaxRank) model_error("{}: rank {} is not a valid shape", what, ndim);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < ndim; ++i) {
    const int64_t d =
        legacy_uint32 ? static_cast<int64_t>(in.read<uint32_t>(what)) : in.read<int64_t>(what);
    if (d < 0) model_error("{}: negative dimension {}", what, d);
    dims.push_back(d);
  }
  return dims;
}

Tensor read_array(Cursor& in, const std::shared_ptr<const Buffer>& bytes, const std::string& what) {
  const uint32_t magic = in.read<uint32_t>(what);
  std::vector<int64_t> dims;
  bool none = false;
  if (magic == kArrayV2Magic || magic == kArrayV3Magic) {
    const int32_t storage = in.read<int32_t>(what);
    if (storage != kDenseStorage)
      model_error("{}: sparse storage (type {}) is not supported; save the array dense", what,
                  storage);
    const int32_t ndim = in.read<int32_t>(what);
    // V2 marks a missing array with ndim 0; V3 (numpy shapes, 0-d allowed) with ndim -1.
    if (magic == kArrayV3Magic && ndim == -1) {
      none = true;
    } else {
      dims = read_dims(in, ndim, false, what);
      none = magic == kArrayV2Magic && ndim == 0;
    }
  } else if (magic == kArrayV1Magic) {
    dims = read_dims(in, in.read<int32_t>(what), false, what);
    none = dims.empty();
  } else {
    // Files older than V1 have no magic: the first word is already the rank.
    if (magic > kMaxRank)
      model_error("{}: unknown array magic 0x{:08X} (not an MXNet NDArray)", what, magic);
    dims = read_dims(in, magic, true, what);
    none = dims.empty();
  }
  if (none) model_error("{}: the array is empty (saved without a shape)", what);
  const int32_t device_type = in.read<int32_t>(what);
  in.read<int32_t>(what);  // device id: where it lived when saved, irrelevant here
  if (device_type < 1 || device_type > 5)
    model_error("{}: invalid device type {} (corrupt file?)", what, device_type);
  const int32_t flag = in.read<int32_t>(what);
  const DType dtype = dtype_from_mxnet_flag(flag);
  if (dtype == DType::Undefined) model_error("{}: unknown dtype flag {}", what, flag);
  int64_t size = 0;
  try {
    size = checked_mul(element_count(dims), static_cast<int64_t>(dtype_size(dtype)));
  } catch (const Error& e) {
    rethrow_with_context(e, fmt::format("{}: shape {}: ", what, sizes_to_string(dims)));
  }
  const size_t offset = in.position();
  in.take(static_cast<size_t>(size), what + " data");
  Tensor view(dtype, dims, bytes, offset);
  const bool aligned = reinterpret_cast<uintptr_t>(bytes->data() + offset) % dtype_size(dtype) == 0;
  return aligned ? view : view.clone();
}

std::string read_string(Cursor& in, const std::string& what) {
  const uint64_t length = in.read<uint64_t>(what);
  const std::byte* p = in.take(static_cast<size_t>(length), what);
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(length));
}

}  // namespace

int mxnet_type_flag(DType dtype) {
  for (const TypeFlag& t : kTypeFlags)
    if (t.dtype == dtype) return t.flag;
  return -1;
}

DType dtype_from_mxnet_flag(int flag) {
  for (const TypeFlag& t : kTypeFlags)
    if (t.flag == flag) return t.dtype;
  return DType::Undefined;
}

std::vector<NamedArray> parse_ndarray_list(std::shared_ptr<const Buffer> bytes,
                                           const std::string& file) {
  Cursor in(bytes, file);
  const uint64_t magic = in.read<uint64_t>("the list header");
  if (magic != kListMagic)
    model_error("{}: not an MXNet NDArray file (magic 0x{:X}, expected 0x112)", file, magic);
  in.read<uint64_t>("the list header");  // reserved
  const uint64_t count = in.read<uint64_t>("the array count");
  // Each array takes at least 20 bytes: a count beyond that is corruption, not a big model.
  if (count > bytes->size() / 20) model_error("{}: array count {} is corrupt", file, count);
  std::vector<Tensor> tensors;
  for (uint64_t i = 0; i < count; ++i)
    tensors.push_back(read_array(in, bytes, fmt::format("{}: array #{}", file, i)));
  const uint64_t name_count = in.read<uint64_t>("the name count");
  if (name_count != count)
    model_error("{}: {} arrays but {} names (MXNet checkpoints name every array)", file, count,
                name_count);
  std::vector<NamedArray> arrays;
  for (uint64_t i = 0; i < count; ++i)
    arrays.push_back({read_string(in, fmt::format("{}: name #{}", file, i)), tensors[i]});
  if (!in.at_end())
    model_error("{}: {} unexpected bytes after the last name", file, bytes->size() - in.position());
  return arrays;
}

std::vector<NamedArray> read_ndarray_list(const std::string& path) {
  return parse_ndarray_list(MappedFile::open(path), path);
}

void write_ndarray_list(const std::string& path, const std::vector<NamedArray>& arrays) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) usage_error("{}: cannot open for writing", path);
  auto put = [&](const auto& value) {
    out.write(reinterpret_cast<const char*>(&value), sizeof(value));
  };
  put(kListMagic);
  put(uint64_t{0});
  put(static_cast<uint64_t>(arrays.size()));
  for (const NamedArray& a : arrays) {
    const int flag = mxnet_type_flag(a.tensor.dtype());
    if (flag < 0)
      model_error("{}: MXNet has no dtype {} (array '{}')", path, dtype_name(a.tensor.dtype()),
                  a.name);
    // V2 cannot store a 0-d array (ndim 0 means "none"); callers reshape scalars to (1,).
    if (a.tensor.rank() == 0) throw std::logic_error("write_ndarray_list: 0-d array " + a.name);
    put(kArrayV2Magic);
    put(kDenseStorage);
    put(static_cast<int32_t>(a.tensor.rank()));
    for (int64_t d : a.tensor.dims())
      put(d);
    put(kCpuDevice);
    put(int32_t{0});
    put(static_cast<int32_t>(flag));
    out.write(reinterpret_cast<const char*>(a.tensor.raw()),
              static_cast<std::streamsize>(a.tensor.byte_size()));
  }
  put(static_cast<uint64_t>(arrays.size()));
  for (const NamedArray& a : arrays) {
    put(static_cast<uint64_t>(a.name.size()));
    out.write(a.name.data(), static_cast<std::streamsize>(a.name.size()));
  }
  out.flush();
  if (!out) usage_error("{}: write failed", path);
}

}  // namespace nnport::mxnet
