// Reading side of the protobuf wire format: walks the fields of a serialized message in memory
// and reports each one's number, wire type and byte ranges, without parsing it into a message.
// The ONNX reader uses it to find weight bytes inside a mapped file so tensors can view them in
// place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nnport::onnx_format {

struct WireField {
  uint32_t number = 0;
  uint32_t wire_type = 0;    // 0 varint, 1 fixed64, 2 length-delimited, 3 group, 5 fixed32
  size_t begin = 0;          // first byte of the tag
  size_t end = 0;            // one past the field's last byte
  size_t payload_begin = 0;  // length-delimited: first byte after the length prefix
};

inline constexpr uint32_t kWireLengthDelimited = 2;

// Iterates over the fields in bytes [begin, end) of `data`. Offsets are positions in `data`.
class WireScanner {
 public:
  WireScanner(std::span<const std::byte> data, size_t begin, size_t end)
      : data_(data), position_(begin), end_(end) {}
  // The next field, or false at the end. Throws a model error (without file context, at the
  // byte offset) for a truncated or malformed field.
  bool next(WireField& field);

 private:
  uint64_t varint(const char* what);
  void skip_group(uint32_t number, int depth);
  bool read_field(WireField& field, int depth);

  std::span<const std::byte> data_;
  size_t position_;
  size_t end_;
};

}  // namespace nnport::onnx_format
