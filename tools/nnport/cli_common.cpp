#include "cli_common.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include "formats/npy/npy.h"
#include "ir/error.h"

namespace nnport::cli {

namespace {

std::vector<int64_t> parse_dims(const std::string& spec, const std::string& text) {
  std::vector<int64_t> dims;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",x", start);
    if (end == std::string::npos) end = text.size();
    int64_t value = 0;
    const char* first = text.data() + start;
    const char* last = text.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    if (first == last || ec != std::errc() || ptr != last || value <= 0)
      usage_error("--input {}: dimensions must be positive integers like 1,3,224,224", spec);
    dims.push_back(value);
    start = end + 1;
  }
  return dims;
}

}  // namespace

InputSpecs parse_input_specs(const std::vector<std::string>& specs, bool allow_dims,
                             bool allow_files) {
  InputSpecs out;
  for (const std::string& spec : specs) {
    const size_t equals = spec.find('=');
    const size_t colon = spec.rfind(':');
    if (allow_files && equals != std::string::npos && equals > 0 && equals + 1 < spec.size()) {
      out.files[spec.substr(0, equals)] = spec.substr(equals + 1);
    } else if (allow_dims && colon != std::string::npos && colon > 0) {
      out.dims[spec.substr(0, colon)] = parse_dims(spec, spec.substr(colon + 1));
    } else {
      const std::string forms = allow_dims && allow_files ? "NAME:DIMS or NAME=FILE.npy"
                                : allow_dims              ? "NAME:DIMS (e.g. input:1,3,224,224)"
                                                          : "NAME=FILE.npy";
      usage_error("--input {}: expected {}", spec, forms);
    }
  }
  return out;
}

void require_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) usage_error("{}: no such file", path);
}

Graph load(const std::string& path, const std::string& format, const ReadOptions& options) {
  require_file(path);
  return load_model(path, format, options);
}

TensorMap read_input_files(const InputSpecs& specs) {
  TensorMap feeds;
  for (const auto& [name, file] : specs.files) {
    require_file(file);
    feeds[name] = read_npy(file);
  }
  return feeds;
}

std::vector<std::string> output_file_names(const std::vector<std::string>& value_names) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const std::string& value : value_names) {
    std::string base = value.empty() ? "_" : value;
    for (char& c : base)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    if (base.front() == '.') base.front() = '_';
    std::string candidate = base;
    for (int i = 2; used.count(candidate); ++i)
      candidate = base + "_" + std::to_string(i);
    used.insert(candidate);
    names.push_back(candidate + ".npy");
  }
  return names;
}

bool over_tolerance(const std::vector<MetricsRow>& rows, double max_rel) {
  return std::any_of(rows.begin(), rows.end(),
                     [&](const MetricsRow& r) { return !(r.metrics.max_rel <= max_rel); });
}

}  // namespace nnport::cli
