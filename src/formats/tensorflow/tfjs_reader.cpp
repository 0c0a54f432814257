// TF.js graph models: model.json holds the GraphDef as protobuf JSON ("modelTopology"), the
// signature, and a weights manifest; the weights live in binary shards next to it. Weights are
// decoded exactly as tfjs-core's io_utils decodeWeights does (float16 widened exactly; uint8 /
// uint16 as q * scale + min in double precision, then rounded to float32 once; int32 weights
// quantized that way are rounded with Math.round).
#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/tensorflow/tf_format.h"
#include "formats/tensorflow/tf_importer.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string model_json_path(const std::string& path) {
  if (fs::is_directory(path)) return (fs::path(path) / "model.json").string();
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("{}: cannot open", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shards of one manifest group, read back to back as tfjs concatenates them. A weight that
// lies inside one shard is viewed in place (memory-mapped), one spanning shards is copied.
class ShardStream {
 public:
  ShardStream(const fs::path& folder, const json& paths, const std::string& model) {
    for (const auto& p : paths) {
      const fs::path file = folder / p.get<std::string>();
      if (!fs::exists(file)) model_error("{}: weight shard '{}' is missing", model, file.string());
      shards_.push_back(MappedFile::open(file.string()));
      starts_.push_back(total_);
      total_ += shards_.back()->size();
    }
  }
  size_t size() const { return total_; }

  // A view when possible, else a copy into an owned buffer.
  std::pair<std::shared_ptr<const Buffer>, size_t> bytes(size_t offset, size_t length) const {
    for (size_t i = 0; i < shards_.size(); ++i) {
      const size_t begin = starts_[i], end = begin + shards_[i]->size();
      if (offset >= begin && offset + length <= end) return {shards_[i], offset - begin};
    }
    auto owned = std::make_shared<OwnedBuffer>(length);
    size_t done = 0;
    for (size_t i = 0; i < shards_.size() && done < length; ++i) {
      const size_t begin = starts_[i], end = begin + shards_[i]->size();
      const size_t from = offset + done;
      if (from < begin || from >= end) continue;
      const size_t n = std::min(length - done, end - from);
      std::memcpy(owned->mutable_data() + done, shards_[i]->data() + (from - begin), n);
      done += n;
    }
    return {owned, 0};
  }

 private:
  std::vector<std::shared_ptr<MappedFile>> shards_;
  std::vector<size_t> starts_;
  size_t total_ = 0;
};

DType weight_dtype(const std::string& name, const std::string& weight, const std::string& model) {
  if (name == "float32") return DType::Float32;
  if (name == "int32") return DType::Int32;
  if (name == "bool") return DType::Bool;
  model_error("{}: weight '{}' has dtype '{}', which is not supported", model, weight, name);
}

Tensor dequantize(const std::string& qtype, const json& q, DType dtype,
                  const std::vector<int64_t>& dims, const std::byte* raw, const std::string& weight,
                  const std::string& model) {
  const int64_t count = element_count(dims);
  if (qtype == "float16") {
    if (dtype != DType::Float32)
      model_error("{}: weight '{}' is float16-quantized but not float32", model, weight);
    Tensor t(DType::Float32, dims);
    float* out = t.mutable_data<float>();
    for (int64_t i = 0; i < count; ++i) {
      uint16_t bits;
      std::memcpy(&bits, raw + 2 * i, 2);
      out[i] = half_to_float(bits);
    }
    return t;
  }
  if (!q.contains("scale") || !q.contains("min"))
    model_error("{}: weight '{}' is {}-quantized without scale and min", model, weight, qtype);
  const double scale = q.at("scale").get<double>(), min = q.at("min").get<double>();
  auto quantized = [&](int64_t i) -> double {
    if (qtype == "uint8") return static_cast<double>(std::to_integer<uint8_t>(raw[i]));
    uint16_t v;
    std::memcpy(&v, raw + 2 * i, 2);
    return v;
  };
  if (dtype == DType::Float32) {
    Tensor t(DType::Float32, dims);
    float* out = t.mutable_data<float>();
    for (int64_t i = 0; i < count; ++i)
      out[i] = static_cast<float>(quantized(i) * scale + min);
    return t;
  }
  if (dtype == DType::Int32) {
    Tensor t(DType::Int32, dims);
    int32_t* out = t.mutable_data<int32_t>();
    // Math.round: halves go up.
    for (int64_t i = 0; i < count; ++i)
      out[i] = static_cast<int32_t>(std::floor(quantized(i) * scale + min + 0.5));
    return t;
  }
  model_error("{}: weight '{}' of this dtype cannot be quantized", model, weight);
}

void load_weights(const json& manifest, const fs::path& folder, const std::string& model,
                  std::unordered_map<std::string, Tensor>& weights) {
  for (const json& group : manifest) {
    ShardStream shards(folder, group.at("paths"), model);
    size_t offset = 0;
    for (const json& w : group.at("weights")) {
      const std::string name = w.at("name").get<std::string>();
      std::vector<int64_t> dims = w.at("shape").get<std::vector<int64_t>>();
      const DType dtype = weight_dtype(w.at("dtype").get<std::string>(), name, model);
      const int64_t count = element_count(dims);
      std::string qtype;
      if (w.contains("quantization")) qtype = w.at("quantization").at("dtype").get<std::string>();
      if (!qtype.empty() && qtype != "uint8" && qtype != "uint16" && qtype != "float16")
        model_error("{}: weight '{}' has quantization '{}', which is not supported", model, name,
                    qtype);
      const size_t width = qtype.empty() ? dtype_size(dtype) : (qtype == "uint8" ? 1 : 2);
      const size_t length = static_cast<size_t>(count) * width;
      if (offset + length > shards.size())
        model_error("{}: weight '{}' runs past the end of its shards", model, name);
      auto [buffer, at] = shards.bytes(offset, length);
      Tensor tensor = qtype.empty() ? Tensor(dtype, dims, buffer, at)
                                    : dequantize(qtype, w.at("quantization"), dtype, dims,
                                                 buffer->data() + at, name, model);
      weights[name] = std::move(tensor);
      offset += length;
    }
  }
}

Shape signature_shape(const json& info) {
  if (!info.contains("tensorShape")) return Shape::unknown();
  const json& s = info.at("tensorShape");
  if (s.value("unknownRank", false)) return Shape::unknown();
  std::vector<Dim> dims;
  if (s.contains("dim"))
    for (const json& d : s.at("dim")) {
      const int64_t size = d.contains("size") ? std::stoll(d.at("size").get<std::string>()) : 0;
      dims.push_back(size >= 0 ? Dim(size) : Dim());
    }
  return Shape(dims);
}

}  // namespace

bool sniff_tfjs(const std::string& path) {
  const std::string file = model_json_path(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head.find("\"modelTopology\"") != std::string::npos ||
         head.find("\"weightsManifest\"") != std::string::npos;
}

Graph read_tfjs(const std::string& path, const ReadOptions& options) {
  const std::string file = model_json_path(path);
  json model;
  try {
    model = json::parse(read_file(file));
  } catch (const json::exception& e) {
    model_error("{}: not valid JSON: {}", file, e.what());
  }
  if (!model.contains("modelTopology")) model_error("{}: no modelTopology", file);
  const std::string format = model.value("format", "graph-model");
  if (format != "graph-model")
    model_error("{}: format '{}' is not a TF.js graph model", file, format);

  tf::GraphDef graph_def;
  google::protobuf::util::JsonParseOptions json_options;
  json_options.ignore_unknown_fields = true;  // function library, debug info
  const auto status = google::protobuf::util::JsonStringToMessage(model.at("modelTopology").dump(),
                                                                  &graph_def, json_options);
  if (!status.ok()) model_error("{}: modelTopology is not a GraphDef: {}", file, status.ToString());

  tf::ImportOptions import;
  import.file = file;
  import.read = options;
  import.source_format = "tfjs";
  if (model.contains("signature")) {
    const json& signature = model.at("signature");
    if (signature.contains("outputs"))
      for (const auto& [key, info] : signature.at("outputs").items())
        import.outputs.push_back(info.value("name", key));
    if (signature.contains("inputs"))
      for (const auto& [key, info] : signature.at("inputs").items())
        import.input_shapes[tf::normalize_tensor_name(info.value("name", key))] =
            signature_shape(info);
  }
  if (model.contains("weightsManifest"))
    load_weights(model.at("weightsManifest"), fs::path(file).parent_path(), file, import.weights);
  Graph graph = tf::import_graph_def(graph_def, import);
  graph.name = fs::path(file).parent_path().filename().string();
  return graph;
}

}  // namespace nnport
