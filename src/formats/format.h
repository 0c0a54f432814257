// Model formats: one folder per framework, each with a reader and/or writer, listed in the
// explicit table of formats/format_table.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace nnport {

struct ReadOptions {
  std::map<std::string, std::vector<int64_t>> input_dims;  // --input NAME:DIMS
  std::vector<std::string> outputs;                        // --output: cut the graph here
  std::string input_layout;                                // --input-layout (NHWC sources)
  // --seed-weights (Caffe): layers the .caffemodel lacks get seeded pseudo-random weights, so a
  // weightless deploy.prototxt can be converted and run; unset = missing weights are an error.
  std::optional<uint32_t> seed_missing_weights;
};

struct WriteOptions {
  int opset = 13;                 // ONNX
  bool external_data = false;     // ONNX: weights in a side file (forced over 2 GB)
  std::string caffe_dialect = "caffe-1.0";
  bool fold_batchnorm = false;
};

struct Format {
  std::string_view name;                     // "onnx", "tensorflow", "caffe", ...
  std::vector<std::string_view> extensions;  // ".onnx"; first is the default
  std::string_view doc;
  // Whether the file looks like this format (content sniffing); may be null.
  bool (*sniff)(const std::string& path) = nullptr;
  Graph (*read)(const std::string& path, const ReadOptions& options) = nullptr;
  void (*write)(const Graph& graph, const std::string& path, const WriteOptions& options) =
      nullptr;
};

std::span<const Format> all_formats();
const Format* find_format(std::string_view name);
// By --from/--to name if given, else extension, else content. Usage error when unknown.
const Format& format_for_path(const std::string& path, std::string_view forced_name,
                              bool for_writing);

// Reads a model with the format's reader, then runs the standard passes.
Graph load_model(const std::string& path, std::string_view forced_format,
                 const ReadOptions& options);

}  // namespace nnport
