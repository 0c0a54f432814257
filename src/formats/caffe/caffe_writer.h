// Caffe writer: IR -> `.prototxt` + `.caffemodel`. See caffe_writer.cpp.
#pragma once

#include <string>
#include <vector>

#include "formats/caffe/caffe_proto_io.h"
#include "formats/format.h"
#include "ir/graph.h"
#include "nnport_caffe.pb.h"

namespace nnport {

// `nnport convert X model.prototxt` (or model.caffemodel, or just model) writes both files.
struct CaffeFiles {
  std::string prototxt, caffemodel;
};
CaffeFiles caffe_paths_for(const std::string& path);

// The network as written: the legalized IR it was emitted from, the layers and their blobs.
struct CaffeNet {
  Graph graph;
  nnport::caffe::NetParameter net;
  std::vector<std::vector<caffe_io::BlobToWrite>> blobs;
  bool nchw_io = false;  // channels-last 4-D inputs/outputs of the source are NCHW here
};
CaffeNet build_caffe_net(const Graph& graph, const WriteOptions& options);

void write_caffe(const Graph& graph, const std::string& path, const WriteOptions& options);

}  // namespace nnport
