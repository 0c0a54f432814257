// Reading and writing Caffe's two files (text .prototxt, binary .caffemodel) and converting blobs
// to and from tensors. Shared by the Caffe reader and writer.
#pragma once

#include <string>
#include <vector>

#include "ir/tensor.h"
#include "nnport_caffe.pb.h"

namespace nnport::caffe_io {

// The .caffemodel beside a .prototxt: same folder and stem.
std::string caffemodel_path_for(const std::string& prototxt_path);

// Model errors name the file and, for text, the line and column of the problem.
nnport::caffe::NetParameter parse_prototxt(const std::string& path);
nnport::caffe::NetParameter parse_caffemodel(const std::string& path);

// Text form without blobs (Caffe's deploy-file style).
std::string to_prototxt(const nnport::caffe::NetParameter& net);

// Legacy `layers { type: CONVOLUTION }` entries in the current `layer` form.
nnport::caffe::LayerParameter upgrade_v1_layer(const nnport::caffe::V1LayerParameter& v1);
std::string v1_type_name(nnport::caffe::V1LayerParameter::LayerType type);

// Blob dims: `shape` when present, else the legacy num/channels/height/width.
std::vector<int64_t> blob_dims(const nnport::caffe::BlobProto& blob);
bool blob_has_legacy_shape(const nnport::caffe::BlobProto& blob);
// Moves the blob's float data into a tensor without copying (double_data is narrowed to float,
// as Caffe does when it loads it). Model error when the data count disagrees with the dims.
Tensor take_blob(nnport::caffe::BlobProto& blob, const std::string& where);

// A layer's weights for the .caffemodel: each blob is a float32 tensor written with `dims`.
struct BlobToWrite {
  std::vector<int64_t> dims;
  Tensor tensor;
};
// Writes NetParameter `net` (whose layers carry no blobs) followed, inside each layer, by
// `blobs[i]`. The weights are streamed from the tensors, never copied into a message.
void write_caffemodel(const std::string& path, const nnport::caffe::NetParameter& net,
                      const std::vector<std::vector<BlobToWrite>>& blobs);
void write_text_file(const std::string& path, const std::string& text);

}  // namespace nnport::caffe_io
