// Every model format nnport reads or writes.
#include <vector>

#include "formats/format.h"
#include "formats/onnx/onnx_format.h"
#include "formats/tensorflow/tf_format.h"

namespace nnport {

namespace {
const std::vector<Format> kFormats = {
    {"onnx", {".onnx"},
     "ONNX: reads opsets 7-21 (upgraded to the IR form); writes opset 7-21 (default 13, "
     "--opset), weights streamed, external data on request or over 2 GB; written opsets <= 17 "
     "pass onnx::checker (libonnx 1.12), 18-21 are not checked",
     sniff_onnx, read_onnx, write_onnx},
    {"tensorflow", {".pb", ".pbtxt"}, "TensorFlow frozen GraphDef, binary or text (reads)",
     sniff_tf_graphdef, read_tf_graphdef, nullptr},
    {"tfjs", {".json"},
     "TF.js graph model: model.json (or its folder) + weight shards; float32, float16 and "
     "uint8/uint16-quantized weights (reads)",
     sniff_tfjs, read_tfjs, nullptr},
};
}  // namespace

std::span<const Format> all_formats() { return kFormats; }

}  // namespace nnport
