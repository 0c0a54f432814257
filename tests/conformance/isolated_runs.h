// Runs each conformance case's executor check in a forked child process, a few at a time, so a
// kernel that crashes or hangs on one case is recorded as that case's failure and the rest go on.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nnport::conformance {

struct IsolatedOutcome {
  bool completed = false;  // the child wrote its result
  std::string failure;     // otherwise: "crashed (signal 11)", "timed out after 120 s", ...
  nlohmann::json result;
};

// Calls work(i) for i in [0, count) in child processes, at most `jobs` at once; each child's
// returned JSON comes back through a file under `scratch_dir`. Outcomes are in index order.
std::vector<IsolatedOutcome> run_isolated(size_t count, int jobs, int timeout_seconds,
                                          const std::string& scratch_dir,
                                          const std::function<nlohmann::json(size_t)>& work);

}  // namespace nnport::conformance
