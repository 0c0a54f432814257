// Reading ONNX models and TensorProtos from disk.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <onnx/onnx_pb.h>

#include "ir/tensor.h"

namespace nnport::onnx_format {

// Parses `path` into `message` through a streaming input (no second in-memory copy of the
// file); model errors for files over protobuf's 2 GB limit and for truncated or corrupt content.
// A file that cannot be opened is a usage error.
void parse_proto_file(const std::string& path, google::protobuf::Message& message,
                      const char* kind);

// An ONNX model read through a memory map. `model` is everything but the raw_data bytes of the
// graph's initializers: those stay in `file`, so the tensors built from them view the mapping
// instead of owning copies (for a 100 MB model, allocating and faulting in the copies costs
// several times what reading the file does).
struct MappedModel {
  struct Bytes {
    size_t offset = 0;
    size_t size = 0;
  };
  onnx::ModelProto model;
  std::shared_ptr<const MappedFile> file;
  // Indexed like model.graph().initializer(): where that tensor's raw_data lies in `file`, or
  // nothing when it has no raw_data field.
  std::vector<std::optional<Bytes>> initializer_raw_data;
};

// Same errors as parse_proto_file; a malformed wire structure is reported with its byte offset.
void read_mapped_model(const std::string& path, MappedModel& out);

}  // namespace nnport::onnx_format
