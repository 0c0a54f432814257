// Entry points of the TensorFlow formats, listed in formats/format_table.cpp:
//   "tensorflow": frozen GraphDef, binary (.pb) or text (.pbtxt);
//   "tfjs": TF.js graph model (model.json + weight shards, or the folder holding model.json).
#pragma once

#include <string>

#include "formats/format.h"

namespace nnport {

bool sniff_tf_graphdef(const std::string& path);
Graph read_tf_graphdef(const std::string& path, const ReadOptions& options);

bool sniff_tfjs(const std::string& path);
Graph read_tfjs(const std::string& path, const ReadOptions& options);

}  // namespace nnport
