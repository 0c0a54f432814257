// Reading a whole ModelProto or TensorProto from disk through a streaming input (no second
// in-memory copy of the file).
#pragma once

#include <string>

#include <google/protobuf/message.h>

namespace nnport::onnx_format {

// Parses `path` into `message`; model errors for files over protobuf's 2 GB limit and for
// truncated or corrupt content. A file that cannot be opened is a usage error.
void parse_proto_file(const std::string& path, google::protobuf::Message& message,
                      const char* kind);

}  // namespace nnport::onnx_format
