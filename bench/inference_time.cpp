// Times nnport's executor the way bench/ort_inference_time.mjs times ONNX Runtime: loading the
// model (read + standard passes), then the best of N runs of the graph on one .npy input inside
// the same process. Prints "load_s run_s" on one line.
//   nnport_inference_time MODEL NAME=INPUT.npy [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "formats/format.h"
#include "formats/npy/npy.h"
#include "ir/error.h"
#include "runtime/executor.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: nnport_inference_time MODEL NAME=INPUT.npy [REPEATS]\n";
    return 1;
  }
  const std::string feed = argv[2];
  const size_t equals = feed.find('=');
  if (equals == std::string::npos || equals == 0) {
    std::cerr << "expected NAME=INPUT.npy, got " << feed << "\n";
    return 1;
  }
  const int repeats = argc == 4 ? std::max(1, std::atoi(argv[3])) : 3;
  try {
    auto start = std::chrono::steady_clock::now();
    const nnport::Graph graph = nnport::load_model(argv[1], "", {});
    const double load_s = seconds_since(start);
    nnport::TensorMap feeds;
    feeds[feed.substr(0, equals)] = nnport::read_npy(feed.substr(equals + 1));
    double best_s = std::numeric_limits<double>::infinity();
    for (int i = 0; i < repeats; ++i) {
      start = std::chrono::steady_clock::now();
      const nnport::TensorMap outputs = nnport::run_graph(graph, feeds);
      best_s = std::min(best_s, seconds_since(start));
    }
    std::cout << fmt::format("{:.3f} {:.3f}\n", load_s, best_s);
  } catch (const nnport::Error& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 2;
  }
  return 0;
}
