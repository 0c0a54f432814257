// Tensors: a dtype, a shape and bytes. The bytes live in a shared Buffer that may own memory,
// hold a string released by a protobuf message, or view a memory-mapped file, so weights move
// from reader to writer without copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/shape.h"

namespace nnport {

class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual const std::byte* data() const = 0;
  virtual size_t size() const = 0;
};

// Owned, 64-byte aligned memory, zero-initialised unless the caller will write every byte; the
// only kind the executor writes into.
class OwnedBuffer final : public Buffer {
 public:
  explicit OwnedBuffer(size_t bytes, bool zeroed = true);
  ~OwnedBuffer() override;
  OwnedBuffer(const OwnedBuffer&) = delete;
  OwnedBuffer& operator=(const OwnedBuffer&) = delete;
  const std::byte* data() const override { return data_; }
  std::byte* mutable_data() { return data_; }
  size_t size() const override { return size_; }

 private:
  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Takes ownership of a std::string's bytes (e.g. released from a protobuf `bytes` field).
class StringBuffer final : public Buffer {
 public:
  explicit StringBuffer(std::string bytes) : bytes_(std::move(bytes)) {}
  const std::byte* data() const override {
    return reinterpret_cast<const std::byte*>(bytes_.data());
  }
  size_t size() const override { return bytes_.size(); }

 private:
  std::string bytes_;
};

// A read-only memory map of a whole file.
class MappedFile final : public Buffer {
 public:
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile() override;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::byte* data() const override { return data_; }
  size_t size() const override { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::byte* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

class Tensor {
 public:
  Tensor() = default;
  // Allocates zeroed storage for the shape.
  Tensor(DType dtype, std::vector<int64_t> dims);
  // Views `bytes` bytes of `buffer` starting at `offset`; checks the size matches the shape.
  Tensor(DType dtype, std::vector<int64_t> dims, std::shared_ptr<const Buffer> buffer,
         size_t offset = 0);

  // Allocates storage without zeroing it, for kernels that write every element before any is
  // read (zeroing a large output first costs a pass over its memory).
  static Tensor uninitialized(DType dtype, std::vector<int64_t> dims);

  template <typename T>
  static Tensor from_vector(std::vector<int64_t> dims, const std::vector<T>& values);
  template <typename T>
  static Tensor scalar(T value) {
    return from_vector<T>({}, {value});
  }

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  size_t rank() const { return dims_.size(); }
  int64_t element_count() const { return count_; }
  size_t byte_size() const { return static_cast<size_t>(count_) * dtype_size(dtype_); }
  bool empty() const { return dtype_ == DType::Undefined; }
  Shape shape() const { return Shape::from_sizes(dims_); }

  const std::byte* raw() const { return buffer_ ? buffer_->data() + offset_ : nullptr; }
  // Writable bytes; copies first if the storage is shared or not owned (copy-on-write).
  std::byte* mutable_raw();

  template <typename T>
  std::span<const T> values() const {
    check_type(dtype_of<T>());
    return {reinterpret_cast<const T*>(raw()), static_cast<size_t>(count_)};
  }
  template <typename T>
  std::span<T> mutable_values() {
    check_type(dtype_of<T>());
    return {reinterpret_cast<T*>(mutable_raw()), static_cast<size_t>(count_)};
  }
  template <typename T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(raw());
  }
  template <typename T>
  T* mutable_data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(mutable_raw());
  }

  // Same bytes, new dims (element count must match). No copy.
  Tensor reshaped(std::vector<int64_t> dims) const;
  // Integer tensors of any width as int64 (for shape-like inputs: Reshape shape, Slice starts).
  std::vector<int64_t> to_int64_vector() const;
  // Any numeric tensor as float32 values (float16/bfloat16 widened exactly).
  std::vector<float> to_float_vector() const;
  // Deep copy with its own storage.
  Tensor clone() const;
  const std::shared_ptr<const Buffer>& buffer() const { return buffer_; }
  size_t offset() const { return offset_; }

 private:
  void check_type(DType requested) const;

  DType dtype_ = DType::Undefined;
  std::vector<int64_t> dims_;
  int64_t count_ = 0;
  std::shared_ptr<const Buffer> buffer_;
  size_t offset_ = 0;
};

template <typename T>
Tensor Tensor::from_vector(std::vector<int64_t> dims, const std::vector<T>& values) {
  Tensor t(dtype_of<T>(), std::move(dims));
  if (static_cast<int64_t>(values.size()) != t.element_count())
    throw std::logic_error("Tensor::from_vector: value count does not match shape");
  if constexpr (std::is_same_v<T, bool>) {
    auto* out = t.mutable_data<bool>();
    for (size_t i = 0; i < values.size(); ++i)
      out[i] = values[i];
  } else {
    std::copy(values.begin(), values.end(), t.mutable_data<T>());
  }
  return t;
}

}  // namespace nnport
