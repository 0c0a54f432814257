// Caffe reader: `.prototxt` + `.caffemodel` -> IR. See caffe_reader.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/format.h"
#include "ir/graph.h"

namespace nnport {

struct CaffeReadOptions {
  std::map<std::string, std::vector<int64_t>> input_dims;  // overrides the prototxt's shapes
  std::vector<std::string> outputs;                        // blob names; empty = Caffe's outputs
  // Layers without weights get deterministic pseudo-random ones (for weightless prototxts in
  // tests); unset = such a layer is a model error.
  std::optional<uint32_t> seed_missing_weights;
};

// `caffemodel_path` may be empty or missing when the network has no weights or seeding is on.
Graph read_caffe_files(const std::string& prototxt_path, const std::string& caffemodel_path,
                       const CaffeReadOptions& options);
// The format-table entry: `path` is the .prototxt (or the .caffemodel; the other file is the
// one beside it with the same stem).
Graph read_caffe(const std::string& path, const ReadOptions& options);
bool sniff_caffe(const std::string& path);

}  // namespace nnport
