#include "case_files.h"

#include <algorithm>
#include <filesystem>

#include "ir/error.h"

namespace nnport::conformance {

namespace fs = std::filesystem;

namespace {

// PREFIX0.pb, PREFIX1.pb, ... in index order, stopping at the first gap.
std::vector<std::string> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> files;
  for (int k = 0;; ++k) {
    fs::path file = dir / (prefix + std::to_string(k) + ".pb");
    if (!fs::exists(file)) break;
    files.push_back(file.string());
  }
  return files;
}

std::vector<fs::path> sorted_entries(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(dir))
    entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::vector<CaseFiles> discover_cases(const std::string& suite, const std::string& dir) {
  if (!fs::is_directory(dir)) usage_error("conformance suite '{}': no folder {}", suite, dir);
  std::vector<CaseFiles> cases;
  for (const fs::path& entry : sorted_entries(dir)) {
    const std::string file_name = entry.filename().string();
    if (fs::is_directory(entry) && fs::exists(entry / "model.onnx")) {
      CaseFiles c{suite, file_name, (entry / "model.onnx").string(), false, {}};
      for (const fs::path& sub : sorted_entries(entry)) {
        const std::string set_name = sub.filename().string();
        if (!fs::is_directory(sub) || !starts_with(set_name, "test_data_set_")) continue;
        c.data_sets.push_back(
            {set_name, numbered_files(sub, "input_"), numbered_files(sub, "output_")});
      }
      if (!c.data_sets.empty()) cases.push_back(std::move(c));
    } else if (entry.extension() == ".onnx") {
      const std::string stem = entry.stem().string();
      std::vector<std::string> outputs = numbered_files(entry.parent_path(), stem + "_output_");
      if (outputs.empty()) continue;
      CaseFiles c{suite, stem, entry.string(), true, {}};
      c.data_sets.push_back({"zero_inputs", {}, std::move(outputs)});
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

}  // namespace nnport::conformance
