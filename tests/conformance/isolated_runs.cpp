#include "isolated_runs.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>

namespace nnport::conformance {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

struct Running {
  size_t index;
  Clock::time_point started;
};

std::string result_path(const std::string& scratch_dir, size_t index) {
  return fmt::format("{}/result_{}.json", scratch_dir, index);
}

[[noreturn]] void child_main(size_t index, const std::string& scratch_dir,
                             const std::function<nlohmann::json(size_t)>& work) {
  int code = 0;
  try {
    const nlohmann::json result = work(index);
    const std::string path = result_path(scratch_dir, index);
    {
      std::ofstream out(path + ".tmp");
      out << result.dump();
      if (!out) code = 3;
    }
    if (code == 0) fs::rename(path + ".tmp", path);
  } catch (...) {
    code = 4;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);  // skip atexit handlers and static destructors shared with the parent
}

IsolatedOutcome collect(size_t index, int status, const std::string& scratch_dir) {
  IsolatedOutcome outcome;
  const std::string path = result_path(scratch_dir, index);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(path)) {
    std::ifstream in(path);
    outcome.result = nlohmann::json::parse(in);
    outcome.completed = true;
  } else if (WIFSIGNALED(status)) {
    outcome.failure = fmt::format("crashed ({})", strsignal(WTERMSIG(status)));
  } else {
    outcome.failure = fmt::format("child exited with code {}", WEXITSTATUS(status));
  }
  return outcome;
}

}  // namespace

std::vector<IsolatedOutcome> run_isolated(size_t count, int jobs, int timeout_seconds,
                                          const std::string& scratch_dir,
                                          const std::function<nlohmann::json(size_t)>& work) {
  fs::create_directories(scratch_dir);
  std::vector<IsolatedOutcome> outcomes(count);
  std::map<pid_t, Running> running;
  std::map<pid_t, bool> timed_out;
  size_t next = 0;
  std::fflush(stdout);
  std::fflush(stderr);
  while (next < count || !running.empty()) {
    while (next < count && static_cast<int>(running.size()) < jobs) {
      fs::remove(result_path(scratch_dir, next));
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
      if (pid == 0) child_main(next, scratch_dir, work);
      running[pid] = {next, Clock::now()};
      ++next;
    }
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      const size_t index = running.at(done).index;
      outcomes[index] = collect(index, status, scratch_dir);
      if (timed_out.count(done))
        outcomes[index].failure = fmt::format("timed out after {} s", timeout_seconds);
      running.erase(done);
      timed_out.erase(done);
      continue;
    }
    const auto now = Clock::now();
    for (const auto& [pid, run] : running)
      if (!timed_out.count(pid) && now - run.started > std::chrono::seconds(timeout_seconds)) {
        kill(pid, SIGKILL);
        timed_out[pid] = true;
      }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return outcomes;
}

}  // namespace nnport::conformance
