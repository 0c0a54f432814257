#include "formats/common/output_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ir/error.h"

namespace nnport {

OutputFiles::~OutputFiles() {
  if (committed_) return;
  for (const auto& e : entries_) std::remove(e.temp.c_str());
}

std::string OutputFiles::add(const std::string& final_path) {
  const std::filesystem::path p(final_path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  if (!std::filesystem::is_directory(dir))
    usage_error("{}: output folder '{}' does not exist", final_path, dir.string());
  const std::string temp =
      (dir / ("." + p.filename().string() + ".tmp" + std::to_string(::getpid()))).string();
  entries_.push_back({temp, final_path});
  return temp;
}

void OutputFiles::commit() {
  for (const auto& e : entries_)
    if (std::rename(e.temp.c_str(), e.final.c_str()) != 0)
      usage_error("{}: cannot write: {}", e.final, std::strerror(errno));
  committed_ = true;
}

}  // namespace nnport
