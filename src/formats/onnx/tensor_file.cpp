// Standalone TensorProto files, as in the ONNX backend test data sets.
#include <fstream>

#include "formats/common/output_files.h"
#include "formats/onnx/model_file.h"
#include "formats/onnx/onnx_format.h"
#include "formats/onnx/tensor_proto.h"
#include "ir/error.h"

namespace nnport {

Tensor read_tensor_pb(const std::string& path) {
  onnx::TensorProto proto;
  onnx_format::parse_proto_file(path, proto, "TensorProto");
  return onnx_format::tensor_from_proto(proto, path + ": tensor '" + proto.name() + "'", nullptr);
}

void write_tensor_pb(const std::string& path, const Tensor& tensor, const std::string& name) {
  const onnx::TensorProto proto = onnx_format::tensor_to_proto(tensor, name);
  OutputFiles files;
  const std::string temp = files.add(path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out || !proto.SerializeToOstream(&out) || !out.flush())
      usage_error("{}: cannot write", path);
  }
  files.commit();
}

}  // namespace nnport
