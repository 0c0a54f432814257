// Caffe reader: a .prototxt (network) plus the .caffemodel beside it (weights, matched to the
// prototxt's layers by layer name, as Caffe does). Layers run in file order; each converter
// (caffe_import_*.cpp) turns one layer into IR nodes.
#include "formats/caffe/caffe_reader.h"

#include <filesystem>
#include <set>

#include "formats/caffe/caffe_import.h"
#include "formats/caffe/caffe_proto_io.h"

namespace nnport {

namespace pb = nnport::caffe;
using caffe_import::ImportOptions;
using caffe_import::LayerImport;

namespace {

// Caffe's NetState rule check, for the TEST phase at level 0 with no stages (inference).
bool rule_met(const pb::NetStateRule& rule) {
  if (rule.has_phase() && rule.phase() != pb::TEST) return false;
  if (rule.has_min_level() && 0 < rule.min_level()) return false;
  if (rule.has_max_level() && 0 > rule.max_level()) return false;
  return rule.stage_size() == 0;  // the inference state has no stages
}

bool included_in_test_phase(const pb::LayerParameter& layer) {
  if (layer.has_phase() && layer.phase() != pb::TEST) return false;
  if (layer.include_size() > 0) {
    for (const auto& rule : layer.include())
      if (rule_met(rule)) return true;
    return false;
  }
  for (const auto& rule : layer.exclude())
    if (rule_met(rule)) return false;
  return true;
}

class NetImporter {
 public:
  NetImporter(Graph& graph, const ImportOptions& options) : graph_(graph), options_(options) {}

  void add_input(const std::string& blob, std::vector<int64_t> dims) {
    if (blob_values_.count(blob)) model_error("input '{}' is declared twice", blob);
    auto given = options_.input_dims.find(blob);
    if (given != options_.input_dims.end()) dims = given->second;
    Value& v = graph_.add_value(blob);
    v.dtype = DType::Float32;
    v.shape = dims.empty() ? Shape::unknown() : Shape::from_sizes(dims);
    graph_.inputs.push_back(blob);
    blob_values_[blob] = blob;
  }

  void import_layer(const pb::LayerParameter& layer, std::vector<pb::BlobProto*> blobs) {
    if (layer.type() == "Input") return import_input_layer(layer);
    const auto convert = caffe_import::find_layer_converter(layer.type());
    LayerImport ctx(graph_, layer, std::move(blobs), options_,
                    [&](const std::string& blob) { return resolve_bottom(layer, blob); });
    convert(ctx);
    for (const std::string& b : layer.bottom())
      available_.erase(b);
    for (int i = 0; i < layer.top_size(); ++i)
      publish_top(ctx, i);
  }

  // Blobs produced by a layer and read by no later layer are the network's outputs (Caffe's
  // rule), in the order they were last written.
  std::vector<std::string> outputs() const {
    std::vector<std::pair<size_t, std::string>> ordered;
    for (const auto& [blob, order] : available_)
      ordered.push_back({order, blob});
    std::sort(ordered.begin(), ordered.end());
    std::vector<std::string> names;
    for (const auto& [order, blob] : ordered)
      names.push_back(blob_values_.at(blob));
    return names;
  }

  std::string resolve_output(const std::string& blob) const {
    auto it = blob_values_.find(blob);
    if (it == blob_values_.end()) model_error("--output '{}' is not a blob of this network", blob);
    return it->second;
  }

 private:
  void import_input_layer(const pb::LayerParameter& layer) {
    const auto& shapes = layer.input_param().shape();
    if (shapes.size() > 1 && shapes.size() != layer.top_size())
      model_error("node '{}' (Input): {} shapes for {} tops", layer.name(), shapes.size(),
                  layer.top_size());
    for (int i = 0; i < layer.top_size(); ++i) {
      std::vector<int64_t> dims;
      if (!shapes.empty()) {
        const auto& s = shapes.size() == 1 ? shapes[0] : shapes[i];
        dims.assign(s.dim().begin(), s.dim().end());
      }
      for (int64_t d : dims)
        if (d < 0)
          model_error("node '{}' (Input): negative dimension in {}", layer.name(),
                      sizes_to_string(dims));
      add_input(layer.top(i), dims);
    }
  }

  std::string resolve_bottom(const pb::LayerParameter& layer, const std::string& blob) {
    auto it = blob_values_.find(blob);
    if (it == blob_values_.end())
      model_error(
          "node '{}' ({}): bottom '{}' is not produced by any earlier layer (Caffe runs layers "
          "in file order, so a blob made later would be a cycle)",
          layer.name(), layer.type(), blob);
    return it->second;
  }

  void rename_value(const std::string& from, const std::string& to) {
    auto node_handle = graph_.values().extract(from);
    node_handle.key() = to;
    node_handle.mapped().name = to;
    graph_.values().insert(std::move(node_handle));
    for (Node& n : graph_.nodes) {
      for (auto& in : n.inputs)
        if (in == from) in = to;
      for (auto& out : n.outputs)
        if (out == from) out = to;
    }
    for (auto& [blob, value] : blob_values_)
      if (value == from) value = to;
  }

  void publish_top(LayerImport& ctx, int i) {
    const std::string& blob = ctx.layer().top(i);
    const std::string& placeholder = ctx.top(i);
    available_[blob] = ++production_counter_;
    auto alias = ctx.aliases().find(i);
    if (alias != ctx.aliases().end()) {
      graph_.remove_value(placeholder);
      blob_values_[blob] = alias->second;
      return;
    }
    const bool is_input =
        std::find(graph_.inputs.begin(), graph_.inputs.end(), blob) != graph_.inputs.end();
    std::string final_name = blob;
    if (is_input) {
      final_name = graph_.unique_name(blob + "_" + ctx.name());
    } else if (graph_.has_value(blob)) {
      rename_value(blob, graph_.unique_name(blob + "_before_" + ctx.name()));
    }
    rename_value(placeholder, final_name);
    blob_values_[blob] = final_name;
  }

  Graph& graph_;
  const ImportOptions& options_;
  std::map<std::string, std::string> blob_values_;  // Caffe blob -> IR value holding it now
  std::map<std::string, size_t> available_;         // produced, not yet read -> write order
  size_t production_counter_ = 0;
};

std::vector<std::vector<int64_t>> legacy_input_shapes(const pb::NetParameter& net,
                                                      const std::string& path) {
  std::vector<std::vector<int64_t>> shapes(net.input_size());
  if (net.input_shape_size() > 0) {
    if (net.input_shape_size() != net.input_size())
      model_error("{}: {} input_shape entries for {} inputs", path, net.input_shape_size(),
                  net.input_size());
    for (int i = 0; i < net.input_size(); ++i)
      shapes[i].assign(net.input_shape(i).dim().begin(), net.input_shape(i).dim().end());
  } else if (net.input_dim_size() > 0) {
    if (net.input_dim_size() != 4 * net.input_size())
      model_error("{}: {} input_dim values for {} inputs (4 per input expected)", path,
                  net.input_dim_size(), net.input_size());
    for (int i = 0; i < net.input_size(); ++i)
      shapes[i].assign(net.input_dim().begin() + 4 * i, net.input_dim().begin() + 4 * i + 4);
  }
  return shapes;
}

std::vector<pb::LayerParameter> layers_of(const pb::NetParameter& net, const std::string& path) {
  if (net.layer_size() > 0 && net.layers_size() > 0)
    model_error("{}: mixes the current 'layer' and the legacy 'layers' form", path);
  std::vector<pb::LayerParameter> layers(net.layer().begin(), net.layer().end());
  for (const auto& v1 : net.layers()) {
    if (caffe_io::v1_type_name(v1.type()).empty())
      model_error("{}: node '{}': legacy layer type {} is unknown", path, v1.name(),
                  static_cast<int>(v1.type()));
    layers.push_back(caffe_io::upgrade_v1_layer(v1));
  }
  return layers;
}

// Every unsupported layer at once, so a user sees the whole list in one run.
void check_layer_types(const std::vector<pb::LayerParameter>& layers, const std::string& path) {
  std::vector<std::string> unknown;
  for (const auto& layer : layers)
    if (included_in_test_phase(layer) && layer.type() != "Input" &&
        !caffe_import::find_layer_converter(layer.type()))
      unknown.push_back(fmt::format("node '{}' ({})", layer.name(), layer.type()));
  if (unknown.empty()) return;
  std::string list;
  for (const auto& u : unknown)
    list += (list.empty() ? "" : ", ") + u;
  model_error("{}: unsupported Caffe layer type{}: {}", path, unknown.size() > 1 ? "s" : "", list);
}

}  // namespace

Graph read_caffe_files(const std::string& prototxt_path, const std::string& caffemodel_path,
                       const CaffeReadOptions& options) {
  pb::NetParameter net = caffe_io::parse_prototxt(prototxt_path);
  pb::NetParameter weights;
  ImportOptions import_options;
  import_options.input_dims = options.input_dims;
  import_options.seed_missing_weights = options.seed_missing_weights;
  if (!caffemodel_path.empty() && std::filesystem::exists(caffemodel_path)) {
    weights = caffe_io::parse_caffemodel(caffemodel_path);
    import_options.weights_note = fmt::format("no layer of this name in {}", caffemodel_path);
  } else {
    import_options.weights_note = caffemodel_path.empty()
                                      ? std::string("no .caffemodel given")
                                      : fmt::format("{} does not exist", caffemodel_path);
  }

  const std::vector<pb::LayerParameter> layers = layers_of(net, prototxt_path);
  std::vector<pb::LayerParameter> weight_layers = layers_of(weights, caffemodel_path);
  std::map<std::string, pb::LayerParameter*> weights_by_name;
  for (auto& w : weight_layers)
    if (w.blobs_size() > 0) weights_by_name[w.name()] = &w;
  check_layer_types(layers, prototxt_path);

  Graph graph;
  graph.name = net.name();
  graph.metadata["source_format"] = "caffe";
  NetImporter importer(graph, import_options);
  try {
    const auto input_shapes = legacy_input_shapes(net, prototxt_path);
    for (int i = 0; i < net.input_size(); ++i)
      importer.add_input(net.input(i), input_shapes[i]);
    std::set<std::string> layer_names;
    // The prototxt's own blobs (rare) win over the .caffemodel's, as in Caffe.
    std::vector<pb::LayerParameter> owned(layers.begin(), layers.end());
    for (auto& layer : owned) {
      if (!included_in_test_phase(layer)) continue;
      if (!layer_names.insert(layer.name()).second)
        model_error("node '{}' ({}): two layers have this name", layer.name(), layer.type());
      std::vector<pb::BlobProto*> blobs;
      pb::LayerParameter* source = layer.blobs_size() > 0 ? &layer : nullptr;
      if (!source) {
        auto it = weights_by_name.find(layer.name());
        if (it != weights_by_name.end()) source = it->second;
      }
      if (source)
        for (auto& b : *source->mutable_blobs())
          blobs.push_back(&b);
      importer.import_layer(layer, std::move(blobs));
    }
    if (options.outputs.empty()) {
      graph.outputs = importer.outputs();
    } else {
      for (const auto& o : options.outputs)
        graph.outputs.push_back(importer.resolve_output(o));
    }
    if (graph.outputs.empty()) model_error("the network has no output blob");
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Usage) throw;
    rethrow_with_context(e, prototxt_path + ": ");
  }
  return graph;
}

Graph read_caffe(const std::string& path, const ReadOptions& options) {
  std::filesystem::path p(path);
  std::string prototxt = path;
  if (p.extension() == ".caffemodel") prototxt = p.replace_extension(".prototxt").string();
  CaffeReadOptions caffe_options;
  caffe_options.input_dims = options.input_dims;
  caffe_options.outputs = options.outputs;
  caffe_options.seed_missing_weights = options.seed_missing_weights;
  if (!std::filesystem::exists(prototxt))
    usage_error("{}: no such file (a Caffe model is a .prototxt with its .caffemodel beside it)",
                prototxt);
  return read_caffe_files(prototxt, caffe_io::caffemodel_path_for(prototxt), caffe_options);
}

bool sniff_caffe(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return ext == ".prototxt" || ext == ".caffemodel";
}

}  // namespace nnport
