#include "onnxruntime_check.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/npy/npy.h"
#include "ir/error.h"

namespace nnport::conformance {

namespace fs = std::filesystem;

std::vector<std::string> output_file_names(const std::vector<std::string>& names) {
  std::vector<std::string> files;
  std::set<std::string> used;
  for (const std::string& name : names) {
    std::string base = name.empty() ? "_" : name;
    for (char& c : base) {
      const bool keep =
          std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
      if (!keep) c = '_';
    }
    if (base.front() == '.') base.front() = '_';
    std::string candidate = base;
    for (int i = 2; used.count(candidate); ++i)
      candidate = base + "_" + std::to_string(i);
    used.insert(candidate);
    files.push_back(candidate + ".npy");
  }
  return files;
}

namespace {

std::string batch_id(size_t check, size_t set) {
  return fmt::format("{}/{}", check, set);
}

// Where ONNX Runtime writes a set's outputs for the round-trip and for the original model.
std::string round_trip_dir(const PreparedSet& set) {
  return set.dir + "/onnxruntime";
}
std::string original_dir(const PreparedSet& set) {
  return set.dir + "/onnxruntime-original";
}

struct BatchEntry {
  std::string id, model, out_dir;
  const std::vector<std::pair<std::string, std::string>>* inputs;
};

// Runs the entries in one supervised batch; returns id -> "ok" or the runner's status/message.
std::map<std::string, std::string> run_batch(const std::vector<BatchEntry>& entries,
                                             const std::string& name,
                                             const OnnxRuntimeConfig& config) {
  const std::string batch = fmt::format("{}/{}_cases.jsonl", config.work_dir, name);
  const std::string results_path = fmt::format("{}/{}_results.jsonl", config.work_dir, name);
  {
    std::ofstream out(batch);
    for (const BatchEntry& entry : entries) {
      fs::remove_all(entry.out_dir);
      nlohmann::json inputs = nlohmann::json::object();
      for (const auto& [input, file] : *entry.inputs)
        inputs[input] = file;
      out << nlohmann::json{{"id", entry.id},
                            {"model", entry.model},
                            {"inputs", inputs},
                            {"outDir", entry.out_dir}}
                 .dump()
          << "\n";
    }
    if (!out) usage_error("cannot write {}", batch);
  }
  fs::remove(results_path);
  const std::string command =
      fmt::format("'{}' '{}' --batch '{}' --results '{}' --timeout {}", config.node, config.runner,
                  batch, results_path, config.timeout_seconds);
  if (std::system(command.c_str()) != 0)
    usage_error(
        "the ONNX Runtime batch failed: {} (are the oracles installed? "
        "scripts/install-deps.sh --oracles)",
        command);
  std::map<std::string, std::string> results;
  std::ifstream in(results_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line);
    const std::string status = json.at("status");
    results[json.at("id")] =
        status == "ok" ? "ok"
                       : fmt::format("{}: {}", status, json.at("message").get<std::string>());
  }
  return results;
}

// Compares the outputs ONNX Runtime wrote in `got_dir` with the .npy files of `reference`
// (expected outputs, or another ONNX Runtime output folder when reference_dir is given).
std::vector<std::string> compare_set(const PreparedSet& set, const std::string& got_dir,
                                     const std::string& reference_dir, const Tolerance& tolerance) {
  std::vector<std::string> problems;
  const std::string set_name = fs::path(set.dir).filename().string();
  std::vector<std::string> names;
  for (const auto& output : set.outputs)
    names.push_back(output.first);
  const std::vector<std::string> files = output_file_names(names);
  for (size_t k = 0; k < set.outputs.size(); ++k) {
    const auto& [name, expected_path] = set.outputs[k];
    const std::string reference =
        reference_dir.empty() ? expected_path : reference_dir + "/" + files[k];
    const std::string got = got_dir + "/" + files[k];
    if (!fs::exists(got) || !fs::exists(reference)) {
      problems.push_back(fmt::format("{}: output '{}' not produced", set_name, name));
      continue;
    }
    MatchResult match = match_tensor(read_npy(reference), read_npy(got), tolerance);
    if (!match.ok)
      problems.push_back(fmt::format("{}: output '{}': {}", set_name, name, match.reason));
  }
  return problems;
}

std::string joined(const std::vector<std::string>& parts) {
  return fmt::format("{}", fmt::join(parts, "; "));
}

// Re-judges a failed round trip against ONNX Runtime's own run of the original model.
void judge_against_original(const ExecutorCheck& check, const Tolerance& tolerance, size_t c,
                            const std::map<std::string, std::string>& round_trip_results,
                            const std::map<std::string, std::string>& original_results,
                            RoundTripResult& result) {
  std::vector<std::string> original_errors, original_deviations, versus_original;
  for (size_t s = 0; s < check.sets.size(); ++s) {
    const PreparedSet& set = check.sets[s];
    auto it = original_results.find(batch_id(c, s));
    if (it == original_results.end() || it->second != "ok") {
      original_errors.push_back(it == original_results.end() ? "no result" : it->second);
      continue;
    }
    auto deviations = compare_set(set, original_dir(set), "", tolerance);
    original_deviations.insert(original_deviations.end(), deviations.begin(), deviations.end());
    auto rt = round_trip_results.find(batch_id(c, s));
    if (rt == round_trip_results.end() || rt->second != "ok") {
      versus_original.push_back("round trip did not run");
      continue;
    }
    auto differences = compare_set(set, round_trip_dir(set), original_dir(set), tolerance);
    versus_original.insert(versus_original.end(), differences.begin(), differences.end());
  }
  if (!original_errors.empty()) {
    result.checked = false;
    result.note = "ONNX Runtime cannot run the original model either: " + joined(original_errors);
  } else if (!original_deviations.empty()) {
    result.ok = versus_original.empty();
    result.note = "ONNX Runtime deviates from the expected outputs on the original model too (" +
                  joined(original_deviations) + "); the round trip was compared with that run";
    if (!result.ok)
      result.reason += " | versus ONNX Runtime on the original: " + joined(versus_original);
  }
}

}  // namespace

std::vector<RoundTripResult> check_with_onnxruntime(const std::vector<ExecutorCheck>& checks,
                                                    const std::vector<Tolerance>& tolerances,
                                                    const std::vector<std::string>& original_models,
                                                    const OnnxRuntimeConfig& config) {
  fs::create_directories(config.work_dir);
  std::vector<BatchEntry> entries;
  for (size_t c = 0; c < checks.size(); ++c) {
    const ExecutorCheck& check = checks[c];
    if (check.verdict == Verdict::Unsupported || check.round_trip_model.empty()) continue;
    for (size_t s = 0; s < check.sets.size(); ++s)
      entries.push_back({batch_id(c, s), check.round_trip_model, round_trip_dir(check.sets[s]),
                         &check.sets[s].inputs});
  }
  const auto results = run_batch(entries, "onnxruntime_round_trip", config);

  std::vector<RoundTripResult> round_trips(checks.size());
  std::vector<size_t> to_rejudge;
  for (size_t c = 0; c < checks.size(); ++c) {
    const ExecutorCheck& check = checks[c];
    RoundTripResult& result = round_trips[c];
    if (check.verdict == Verdict::Unsupported) continue;
    if (check.round_trip_model.empty()) {
      result.reason =
          check.writer_error.empty() ? "no model written (see (a))" : check.writer_error;
      continue;
    }
    std::vector<std::string> problems;
    if (check.sets.empty()) problems.push_back("no data sets prepared (see (a))");
    for (size_t s = 0; s < check.sets.size(); ++s) {
      auto it = results.find(batch_id(c, s));
      if (it == results.end()) {
        problems.push_back("no ONNX Runtime result");
      } else if (it->second != "ok") {
        problems.push_back(fmt::format("onnxruntime {}", it->second));
      } else {
        auto set_problems =
            compare_set(check.sets[s], round_trip_dir(check.sets[s]), "", tolerances[c]);
        problems.insert(problems.end(), set_problems.begin(), set_problems.end());
      }
    }
    result.ok = problems.empty();
    result.reason = joined(problems);
    if (!result.ok && !check.sets.empty()) to_rejudge.push_back(c);
  }

  std::vector<BatchEntry> originals;
  for (size_t c : to_rejudge)
    for (size_t s = 0; s < checks[c].sets.size(); ++s)
      originals.push_back({batch_id(c, s), original_models[c], original_dir(checks[c].sets[s]),
                           &checks[c].sets[s].original_inputs});
  if (originals.empty()) return round_trips;
  const auto original_results = run_batch(originals, "onnxruntime_original", config);
  for (size_t c : to_rejudge)
    judge_against_original(checks[c], tolerances[c], c, results, original_results, round_trips[c]);
  return round_trips;
}

}  // namespace nnport::conformance
