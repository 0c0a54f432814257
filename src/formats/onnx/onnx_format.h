// The ONNX format: reader (opsets 7-21, upgraded to the IR form), writer (opset 7-21, default
// 13, weights streamed, optional external data) and TensorProto .pb files of the ONNX test
// data sets (test_data_set_N/input_0.pb).
#pragma once

#include <string>

#include "formats/format.h"
#include "ir/graph.h"

namespace nnport {

// Whether the file starts like a serialized ModelProto.
bool sniff_onnx(const std::string& path);
Graph read_onnx(const std::string& path, const ReadOptions& options);
void write_onnx(const Graph& graph, const std::string& path, const WriteOptions& options);

// A standalone serialized TensorProto (raw or typed data; no external data).
Tensor read_tensor_pb(const std::string& path);
// Writes `tensor` as a TensorProto with raw_data (atomically: temporary file + rename).
void write_tensor_pb(const std::string& path, const Tensor& tensor, const std::string& name = "");

}  // namespace nnport
