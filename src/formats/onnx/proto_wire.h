// Hand-written protobuf wire framing, so the writer can stream weight bytes straight from their
// buffers into a length-delimited field instead of building a second copy of the model.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace nnport::onnx_format {

enum class WireType : uint32_t { Varint = 0, LengthDelimited = 2 };

size_t varint_size(uint64_t value);
// Bytes of a length-delimited field's tag and length prefix.
size_t field_header_size(uint32_t field, uint64_t length);

// Buffered output to one file; write errors surface in close().
class WireWriter {
 public:
  explicit WireWriter(const std::string& path);
  ~WireWriter();
  WireWriter(const WireWriter&) = delete;
  WireWriter& operator=(const WireWriter&) = delete;

  void bytes(const void* data, size_t size);
  void bytes(const std::string& data) { bytes(data.data(), data.size()); }
  void varint(uint64_t value);
  void field_header(uint32_t field, uint64_t length);  // tag (length-delimited) + length
  void zeros(size_t count);                            // alignment padding
  uint64_t position() const { return written_; }
  void close();  // usage error naming the file if anything failed

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t written_ = 0;
  bool failed_ = false;
};

}  // namespace nnport::onnx_format
