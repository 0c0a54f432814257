// Every model format nnport reads or writes.
#include <vector>

#include "formats/caffe/caffe_reader.h"
#include "formats/caffe/caffe_writer.h"
#include "formats/format.h"
#include "formats/mxnet/mxnet.h"
#include "formats/onnx/onnx_format.h"
#include "formats/tensorflow/tf_format.h"
#include "formats/tflite/tflite_format.h"

namespace nnport {

namespace {
const std::vector<Format> kFormats = {
    {"onnx",
     {".onnx"},
     "ONNX: reads opsets 7-21 (upgraded to the IR form); writes opset 7-21 (default 13, "
     "--opset), weights streamed, external data on request or over 2 GB; written opsets <= 17 "
     "pass onnx::checker (libonnx 1.12), 18-21 are not checked",
     sniff_onnx,
     read_onnx,
     write_onnx},
    {"tensorflow",
     {".pb", ".pbtxt"},
     "TensorFlow frozen GraphDef, binary or text (reads)",
     sniff_tf_graphdef,
     read_tf_graphdef,
     nullptr},
    {"tfjs",
     {".json"},
     "TF.js graph model: model.json (or its folder) + weight shards; float32, float16 and "
     "uint8/uint16-quantized weights (reads)",
     sniff_tfjs,
     read_tfjs,
     nullptr},
    {"tflite",
     {".tflite"},
     "TFLite FlatBuffer (reads subgraph 0: float, and int8/uint8/int16 quantized tensors as "
     "QuantizeLinear/DequantizeLinear around float ops; NHWC inputs kept)",
     sniff_tflite,
     read_tflite,
     nullptr},
    {"mxnet",
     {"-symbol.json"},
     "MXNet checkpoint / Gluon export: NAME-symbol.json + NAME-EPOCH.params (reads the highest "
     "epoch beside it; writes NAME-0000.params)",
     mxnet::sniff_symbol_file,
     mxnet::read_model,
     mxnet::write_model},
    {"mxnet-code",
     {".py"},
     "MXNet as an editable Python script of mx.sym calls (writes NAME.py + NAME-symbol.json + "
     "NAME-0000.params)",
     nullptr,
     nullptr,
     mxnet::write_python_code},
    {"caffe",
     {".prototxt", ".caffemodel"},
     "Caffe: NAME.prototxt + NAME.caffemodel beside it (reads the layer and legacy V1 forms; "
     "writing NAME.prototxt writes both; --caffe-dialect caffe-1.0 (default, BVLC 1.0 layers "
     "only), bvlc-master (adds Clip) or caffe-ssd (adds the SSD fork's Permute); asymmetric pads, "
     "floor pooling, other average divisors "
     "and ReLU6 are emulated exactly or refused; channels-last 4-D inputs become NCHW)",
     sniff_caffe,
     read_caffe,
     write_caffe},
};
}  // namespace

std::span<const Format> all_formats() {
  return kFormats;
}

}  // namespace nnport
