#include "formats/onnx/wire_scan.h"

#include "ir/error.h"

namespace nnport::onnx_format {

namespace {

// protobuf's own limit on nested messages and groups.
constexpr int kMaxGroupDepth = 100;

}  // namespace

uint64_t WireScanner::varint(const char* what) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (position_ >= end_) model_error("truncated {} at byte {}", what, position_);
    const auto byte = static_cast<uint8_t>(data_[position_++]);
    value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return value;
  }
  model_error("malformed {} (over 10 bytes) at byte {}", what, position_);
}

void WireScanner::skip_group(uint32_t number, int depth) {
  if (depth > kMaxGroupDepth) model_error("groups nested too deeply at byte {}", position_);
  WireField inner;
  while (read_field(inner, depth + 1)) {
  }
  // read_field stops at the end-group tag, which it leaves consumed; check it matched.
  if (inner.wire_type != 4 || inner.number != number)
    model_error("group {} is not closed before byte {}", number, position_);
}

// Reads one field; returns false at the end of the range or after an end-group tag (reported
// in `field` so skip_group can check it).
bool WireScanner::read_field(WireField& field, int depth) {
  if (position_ >= end_) {
    field = {};
    return false;
  }
  field.begin = position_;
  const uint64_t tag = varint("field tag");
  field.number = static_cast<uint32_t>(tag >> 3);
  field.wire_type = static_cast<uint32_t>(tag & 7);
  if (field.number == 0 || tag >> 3 > 0x1fffffff)
    model_error("invalid field number {} at byte {}", tag >> 3, field.begin);
  const size_t left = end_ - position_;
  switch (field.wire_type) {
    case 0:
      varint("varint field");
      break;
    case 1:
      if (left < 8) model_error("truncated fixed64 field at byte {}", field.begin);
      position_ += 8;
      break;
    case 2: {
      const uint64_t length = varint("length prefix");
      if (length > end_ - position_)
        model_error("field {} at byte {} claims {} bytes but only {} remain", field.number,
                    field.begin, length, end_ - position_);
      field.payload_begin = position_;
      position_ += static_cast<size_t>(length);
      break;
    }
    case 3:
      skip_group(field.number, depth);
      break;
    case 4:
      if (depth == 0) model_error("unexpected end of group at byte {}", field.begin);
      field.end = position_;
      return false;
    case 5:
      if (left < 4) model_error("truncated fixed32 field at byte {}", field.begin);
      position_ += 4;
      break;
    default:
      model_error("invalid wire type {} at byte {}", field.wire_type, field.begin);
  }
  field.end = position_;
  return true;
}

bool WireScanner::next(WireField& field) {
  return read_field(field, 0);
}

}  // namespace nnport::onnx_format
