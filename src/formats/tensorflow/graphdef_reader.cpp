// Frozen GraphDef files: binary protobuf (.pb) or protobuf text format (.pbtxt).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/tensorflow/tf_format.h"
#include "formats/tensorflow/tf_importer.h"

namespace nnport {

namespace {

bool has_extension(const std::string& path, std::string_view ext) {
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("{}: cannot open", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether the text starts (after blanks and # comments) with "node" or "versions", the fields a
// GraphDef in text format begins with.
bool looks_like_text_graph(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n')
        ++i;
    } else {
      break;
    }
  }
  const std::string_view rest = text.substr(i);
  return rest.rfind("node", 0) == 0 || rest.rfind("versions", 0) == 0;
}

tf::GraphDef parse_graph_def(const std::string& path) {
  tf::GraphDef graph_def;
  if (has_extension(path, ".pbtxt") || has_extension(path, ".txt") ||
      looks_like_text_graph(read_text(path).substr(0, 4096))) {
    const std::string text = read_text(path);
    if (!google::protobuf::TextFormat::ParseFromString(text, &graph_def))
      model_error("{}: not a valid text GraphDef", path);
    return graph_def;
  }
  auto file = MappedFile::open(path);
  google::protobuf::io::ArrayInputStream raw(file->data(), static_cast<int>(file->size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (file->size() > static_cast<size_t>(INT32_MAX))
    model_error("{}: GraphDef larger than 2 GB (protobuf's limit)", path);
  if (!graph_def.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    model_error("{}: not a valid binary GraphDef", path);
  return graph_def;
}

}  // namespace

bool sniff_tf_graphdef(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string head(64, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (looks_like_text_graph(head)) return true;
  // Binary: field 1 (node, length-delimited) whose first field is 1 (name, length-delimited).
  if (head.size() < 3 || static_cast<uint8_t>(head[0]) != 0x0A) return false;
  size_t i = 1;
  while (i < head.size() && (static_cast<uint8_t>(head[i]) & 0x80))
    ++i;
  return i + 1 < head.size() && static_cast<uint8_t>(head[i + 1]) == 0x0A;
}

Graph read_tf_graphdef(const std::string& path, const ReadOptions& options) {
  tf::GraphDef graph_def = parse_graph_def(path);
  tf::ImportOptions import;
  import.file = path;
  import.read = options;
  import.source_format = "tensorflow";
  Graph graph = tf::import_graph_def(graph_def, import);
  graph.name = std::filesystem::path(path).stem().string();
  return graph;
}

}  // namespace nnport
