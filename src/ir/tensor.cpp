#include "ir/tensor.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "ir/error.h"

namespace nnport {

OwnedBuffer::OwnedBuffer(size_t bytes, bool zeroed) : size_(bytes) {
  const size_t rounded = (bytes + 63) / 64 * 64;
  data_ = static_cast<std::byte*>(std::aligned_alloc(64, rounded == 0 ? 64 : rounded));
  if (!data_) throw std::bad_alloc();
  if (zeroed) std::memset(data_, 0, rounded == 0 ? 64 : rounded);
}

OwnedBuffer::~OwnedBuffer() {
  std::free(data_);
}

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) model_error("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    model_error("{}: cannot stat: {}", path, std::strerror(errno));
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      model_error("{}: cannot map: {}", path, std::strerror(errno));
    }
    file->data_ = static_cast<std::byte*>(p);
  }
  ::close(fd);
  return file;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims)
    : dtype_(dtype), dims_(std::move(dims)), count_(nnport::element_count(dims_)) {
  const int64_t bytes = checked_mul(count_, static_cast<int64_t>(dtype_size(dtype_)));
  buffer_ = std::make_shared<OwnedBuffer>(static_cast<size_t>(bytes));
}

Tensor Tensor::uninitialized(DType dtype, std::vector<int64_t> dims) {
  const int64_t bytes =
      checked_mul(nnport::element_count(dims), static_cast<int64_t>(dtype_size(dtype)));
  auto buffer = std::make_shared<OwnedBuffer>(static_cast<size_t>(bytes), /*zeroed=*/false);
  return Tensor(dtype, std::move(dims), std::move(buffer));
}

Tensor::Tensor(DType dtype, std::vector<int64_t> dims, std::shared_ptr<const Buffer> buffer,
               size_t offset)
    : dtype_(dtype),
      dims_(std::move(dims)),
      count_(nnport::element_count(dims_)),
      buffer_(std::move(buffer)),
      offset_(offset) {
  const int64_t bytes = checked_mul(count_, static_cast<int64_t>(dtype_size(dtype_)));
  const size_t available = buffer_ ? buffer_->size() : 0;
  if (offset_ > available || static_cast<uint64_t>(bytes) > available - offset_)
    model_error("tensor of shape {} ({}) needs {} bytes but only {} are stored",
                sizes_to_string(dims_), dtype_name(dtype_), bytes,
                offset_ > available ? 0 : available - offset_);
}

std::byte* Tensor::mutable_raw() {
  auto* owned = dynamic_cast<const OwnedBuffer*>(buffer_.get());
  if (!owned || buffer_.use_count() != 1 || offset_ != 0) *this = clone();
  return const_cast<std::byte*>(buffer_->data()) + offset_;
}

Tensor Tensor::reshaped(std::vector<int64_t> dims) const {
  Tensor out = *this;
  out.dims_ = std::move(dims);
  if (nnport::element_count(out.dims_) != count_)
    model_error("cannot reshape {} elements to {}", count_, sizes_to_string(out.dims_));
  return out;
}

Tensor Tensor::clone() const {
  Tensor out(dtype_, dims_);
  if (byte_size() > 0) std::memcpy(const_cast<std::byte*>(out.buffer_->data()), raw(), byte_size());
  return out;
}

void Tensor::check_type(DType requested) const {
  if (requested != dtype_)
    model_error("tensor holds {} but was read as {}", dtype_name(dtype_), dtype_name(requested));
}

namespace {
template <typename Out, typename Fn>
std::vector<Out> convert_all(const Tensor& t, Fn&& convert) {
  std::vector<Out> out(static_cast<size_t>(t.element_count()));
  const std::byte* p = t.raw();
  const size_t n = out.size();
  switch (t.dtype()) {
#define NNPORT_CASE(DT, T)                           \
  case DType::DT:                                    \
    for (size_t i = 0; i < n; ++i) {                 \
      T v;                                           \
      std::memcpy(&v, p + i * sizeof(T), sizeof(T)); \
      out[i] = convert(v);                           \
    }                                                \
    break;
    NNPORT_CASE(Float32, float)
    NNPORT_CASE(Float64, double)
    NNPORT_CASE(Int8, int8_t)
    NNPORT_CASE(UInt8, uint8_t)
    NNPORT_CASE(Int16, int16_t)
    NNPORT_CASE(UInt16, uint16_t)
    NNPORT_CASE(Int32, int32_t)
    NNPORT_CASE(UInt32, uint32_t)
    NNPORT_CASE(Int64, int64_t)
    NNPORT_CASE(UInt64, uint64_t)
    NNPORT_CASE(Bool, bool)
#undef NNPORT_CASE
    case DType::Float16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, p + i * 2, 2);
        out[i] = convert(half_to_float(v));
      }
      break;
    case DType::BFloat16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, p + i * 2, 2);
        out[i] = convert(bfloat16_to_float(v));
      }
      break;
    default:
      model_error("cannot convert a {} tensor to numbers", dtype_name(t.dtype()));
  }
  return out;
}
}  // namespace

std::vector<int64_t> Tensor::to_int64_vector() const {
  if (!dtype_is_integer(dtype_) && dtype_ != DType::Bool)
    model_error("expected an integer tensor, got {}", dtype_name(dtype_));
  return convert_all<int64_t>(*this, [](auto v) { return static_cast<int64_t>(v); });
}

std::vector<float> Tensor::to_float_vector() const {
  return convert_all<float>(*this, [](auto v) { return static_cast<float>(v); });
}

}  // namespace nnport
