// Choosing a format for a path, and loading a model through its reader plus the standard passes.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "formats/format.h"
#include "ir/error.h"
#include "passes/pass.h"

namespace nnport {

const Format* find_format(std::string_view name) {
  for (const Format& f : all_formats())
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool can(const Format& f, bool for_writing) {
  return for_writing ? f.write != nullptr : f.read != nullptr;
}

std::string names_that_can(bool for_writing) {
  std::string out;
  for (const Format& f : all_formats())
    if (can(f, for_writing)) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace

const Format& format_for_path(const std::string& path, std::string_view forced_name,
                              bool for_writing) {
  const char* verb = for_writing ? "write" : "read";
  if (!forced_name.empty()) {
    const Format* f = find_format(forced_name);
    if (!f || !can(*f, for_writing))
      usage_error("unknown format '{}' to {} (known: {})", forced_name, verb,
                  names_that_can(for_writing));
    return *f;
  }
  // Longest matching extension wins, so ".pb.txt" beats ".txt" whatever the table order.
  const std::string name = lower(std::filesystem::path(path).filename().string());
  const Format* best = nullptr;
  size_t best_length = 0;
  for (const Format& f : all_formats()) {
    if (!can(f, for_writing)) continue;
    for (std::string_view ext : f.extensions)
      if (ext.size() > best_length && ends_with(name, ext)) {
        best = &f;
        best_length = ext.size();
      }
  }
  if (best) return *best;
  if (!for_writing)
    for (const Format& f : all_formats())
      if (f.read && f.sniff && f.sniff(path)) return f;
  usage_error("{}: cannot tell the format to {} from the name{}; use --{} with one of: {}", path,
              verb, for_writing ? "" : " or the content", for_writing ? "to" : "from",
              names_that_can(for_writing));
}

Graph load_model(const std::string& path, std::string_view forced_format,
                 const ReadOptions& options) {
  const Format& format = format_for_path(path, forced_format, /*for_writing=*/false);
  Graph graph = format.read(path, options);
  if (!options.outputs.empty()) {
    // --output cuts the graph: the named values become the outputs, dead code goes.
    for (const auto& name : options.outputs)
      if (!graph.has_value(name))
        usage_error("{}: --output '{}' is not a value of the model", path, name);
    graph.outputs = options.outputs;
  }
  PassOptions pass_options;
  pass_options.input_dims = options.input_dims;
  try {
    run_passes(graph, standard_passes(), pass_options);
  } catch (const Error& e) {
    rethrow_with_context(e, path + ": ");
  }
  return graph;
}

}  // namespace nnport
