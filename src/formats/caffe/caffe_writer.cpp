// Caffe writer: IR -> `.prototxt` + `.caffemodel` (both or neither, via OutputFiles).
// Dialect caffe-1.0 (default) uses only layers of the BVLC 1.0 release; bvlc-master may also use
// Clip; caffe-ssd may also use the SSD fork's Permute. Legalization first (caffe_legalize.h), then
// one emitter per op (caffe_export_*.cpp).
#include "formats/caffe/caffe_writer.h"

#include <filesystem>

#include "formats/caffe/caffe_export.h"
#include "formats/caffe/caffe_legalize.h"
#include "formats/common/input_hint.h"
#include "formats/common/output_files.h"
#include "ir/op_schema.h"

namespace nnport {

namespace pb = nnport::caffe;
using namespace caffe_export;

namespace {

// Ops written as layers Caffe may run in place (top == bottom).
bool in_place_capable(const Node& node, const Graph& graph) {
  static const std::set<std::string> kOps = {"Relu",    "LeakyRelu", "PRelu", "Elu",
                                             "Sigmoid", "Tanh",      "Abs",   "BatchNormalization"};
  if (kOps.count(node.op)) return true;
  return (node.op == "Mul" || node.op == "Add") && node.inputs.size() == 2 &&
         graph.constant(node.inputs[1]) != nullptr;
}

// The Caffe reader names an overwritten blob version "<blob>_before_<layer>". Writing those
// layers in place again gives back the source's blob names (a Caffe round trip is identical).
void bind_in_place_chains(const Graph& graph, NetBuilder& net) {
  const auto uses = graph.use_counts();
  std::set<std::string> boundary(graph.inputs.begin(), graph.inputs.end());
  boundary.insert(graph.outputs.begin(), graph.outputs.end());
  std::map<std::string, std::string> blob_of;
  for (auto it = graph.nodes.rbegin(); it != graph.nodes.rend(); ++it) {
    const Node& node = *it;
    if (node.outputs.size() != 1 || node.inputs.empty() || !in_place_capable(node, graph)) continue;
    const std::string& in = node.inputs[0];
    const std::string& out = node.outputs[0];
    if (in.rfind(out + "_before_", 0) != 0 || boundary.count(in) || uses.at(in) != 1) continue;
    const std::string name = blob_of.count(out) ? blob_of[out] : sanitize(out);
    blob_of[out] = name;
    blob_of[in] = name;
  }
  for (const auto& [value, blob] : blob_of)
    net.bind(value, blob);
}

void add_input_layers(const Graph& graph, NetBuilder& net, const std::string& input_hint) {
  for (const std::string& input : graph.inputs) {
    const Value& v = graph.value(input);
    if (!v.shape.fully_known())
      model_error("input '{}' has shape {}: Caffe needs every input size (give {})", input,
                  v.shape.to_string(), input_hint.empty() ? "--input" : input_hint);
    if (v.dtype != DType::Float32)
      model_error("input '{}' is {}: Caffe blobs are float32", input, dtype_name(v.dtype));
    pb::LayerParameter* layer = net.add_layer(input, "Input");
    layer->add_top(net.blob(input));
    auto* shape = layer->mutable_input_param()->add_shape();
    for (int64_t d : v.shape.sizes())
      shape->add_dim(d);
  }
}

void check_emitters(const Graph& graph) {
  std::vector<std::string> missing;
  for (const Node& node : graph.nodes)
    if (!find_node_emitter(node.op))
      missing.push_back(fmt::format("node '{}' ({})", node.name, node.op));
  if (missing.empty()) return;
  std::string list;
  for (const auto& m : missing)
    list += (list.empty() ? "" : ", ") + m;
  model_error("no Caffe layer for: {}", list);
}

}  // namespace

CaffeFiles caffe_paths_for(const std::string& path) {
  std::filesystem::path p(path);
  if (p.extension() == ".prototxt" || p.extension() == ".caffemodel") p.replace_extension();
  return {p.string() + ".prototxt", p.string() + ".caffemodel"};
}

CaffeNet build_caffe_net(const Graph& source, const WriteOptions& options) {
  const Dialect dialect = parse_dialect(options.caffe_dialect);
  CaffeNet result;
  result.graph = source;
  Graph& graph = result.graph;
  infer_shapes(graph);
  // Users give --input in the source's layout, so the hint is taken before NCHW is imposed.
  const std::string input_hint = input_dims_hint(source);
  result.nchw_io = absorb_layout_transposes(graph);
  if (options.fold_batchnorm) fold_batchnorm_into_conv(graph);
  fuse_bias_adds(graph);
  fold_pads_into_windows(graph);
  legalize_windows(graph, input_hint);
  lift_low_rank_eltwise(graph);
  check_emitters(graph);
  NetBuilder net(graph, dialect);
  net.net().set_name(graph.name.empty() ? "nnport" : graph.name);
  bind_in_place_chains(graph, net);
  add_input_layers(graph, net, input_hint);
  for (const Node& node : graph.nodes) {
    NodeExport ctx(net, node);
    find_node_emitter(node.op)(ctx);
  }
  for (const std::string& output : graph.outputs)
    if (std::find(graph.inputs.begin(), graph.inputs.end(), output) != graph.inputs.end())
      model_error("output '{}' is a graph input: Caffe has no layer-free outputs", output);
  result.net = std::move(net.net());
  result.blobs = std::move(net.blobs());
  return result;
}

void write_caffe(const Graph& graph, const std::string& path, const WriteOptions& options) {
  CaffeNet built = build_caffe_net(graph, options);
  const CaffeFiles files = caffe_paths_for(path);
  OutputFiles outputs;
  const std::string prototxt_temp = outputs.add(files.prototxt);
  const std::string caffemodel_temp = outputs.add(files.caffemodel);
  caffe_io::write_text_file(prototxt_temp, caffe_io::to_prototxt(built.net));
  caffe_io::write_caffemodel(caffemodel_temp, built.net, built.blobs);
  outputs.commit();
}

}  // namespace nnport
