// Helpers shared by the subcommands: the --input NAME:DIMS / NAME=FILE.npy syntax, model
// loading with the checks users expect on the command line, and output naming.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compare/metrics.h"
#include "formats/format.h"
#include "runtime/executor.h"

namespace nnport::cli {

// What the repeatable --input options said: sizes to fix and files to feed.
struct InputSpecs {
  std::map<std::string, std::vector<int64_t>> dims;  // NAME:D1,D2,...
  std::map<std::string, std::string> files;          // NAME=FILE.npy
};

// NAME:DIMS splits at the last ':' (TensorFlow names such as "input:0" contain one); DIMS are
// separated by ',' or 'x'. NAME=FILE splits at the first '='. `allow_*` say which forms a
// command accepts; anything else is a usage error naming the option.
InputSpecs parse_input_specs(const std::vector<std::string>& specs, bool allow_dims,
                             bool allow_files);

// A usage error when a path given on the command line does not exist.
void require_file(const std::string& path);

Graph load(const std::string& path, const std::string& format, const ReadOptions& options);

// Reads every NAME=FILE.npy.
TensorMap read_input_files(const InputSpecs& specs);

// A file name for a value: characters outside [A-Za-z0-9._-] become '_', a leading '.' too;
// names that collide after sanitizing get "_2", "_3", ... in output order.
std::vector<std::string> output_file_names(const std::vector<std::string>& value_names);

// Whether any row's max_rel exceeds `max_rel` (NaN counts as exceeding).
bool over_tolerance(const std::vector<MetricsRow>& rows, double max_rel);

}  // namespace nnport::cli
