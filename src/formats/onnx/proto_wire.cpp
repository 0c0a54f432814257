#include "formats/onnx/proto_wire.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "ir/error.h"

namespace nnport::onnx_format {

size_t varint_size(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

size_t field_header_size(uint32_t field, uint64_t length) {
  return varint_size((uint64_t{field} << 3) | static_cast<uint32_t>(WireType::LengthDelimited)) +
         varint_size(length);
}

WireWriter::WireWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) usage_error("{}: cannot create: {}", path, std::strerror(errno));
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

WireWriter::~WireWriter() {
  if (file_) std::fclose(file_);
}

void WireWriter::bytes(const void* data, size_t size) {
  if (size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size) failed_ = true;
  written_ += size;
}

void WireWriter::varint(uint64_t value) {
  unsigned char buffer[10];
  size_t n = 0;
  while (value >= 0x80) {
    buffer[n++] = static_cast<unsigned char>(value | 0x80);
    value >>= 7;
  }
  buffer[n++] = static_cast<unsigned char>(value);
  bytes(buffer, n);
}

void WireWriter::field_header(uint32_t field, uint64_t length) {
  varint((uint64_t{field} << 3) | static_cast<uint32_t>(WireType::LengthDelimited));
  varint(length);
}

void WireWriter::zeros(size_t count) {
  static const std::vector<char> kZeros(4096, 0);
  while (count > 0) {
    const size_t n = std::min(count, kZeros.size());
    bytes(kZeros.data(), n);
    count -= n;
  }
}

void WireWriter::close() {
  if (!file_) return;
  const bool flush_failed = std::fflush(file_) != 0;
  const int error = errno;
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (failed_ || flush_failed || close_failed)
    usage_error("{}: cannot write: {}", path_, std::strerror(error));
}

}  // namespace nnport::onnx_format
