// ../shared/testdata, the third-party models and suites kept beside the repository. A plain
// clone does not have it: a test that reads it starts with NNPORT_NEEDS_SHARED_TESTDATA(), which
// skips it with the reason (ctest reports gtest skips as skipped). Only the folder's absence
// skips; a missing file inside a present folder fails the test, and scripts/run-tests.sh fails
// on any skip while the folder exists. NNPORT_SHARED_TESTDATA overrides the location, as for
// the Python tests (tests/oracles/shared_testdata.py).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace nnport::test {

inline std::filesystem::path shared_testdata_root() {
  if (const char* env = std::getenv("NNPORT_SHARED_TESTDATA"); env && *env) return env;
  // ctest sets the variable (tests/CMakeLists.txt). For a direct run: this file is tests/unit/
  // in the repository, though __FILE__ may be relative to the build folder (ccache base_dir).
  return (std::filesystem::path(__FILE__).parent_path() / "../../../shared/testdata")
      .lexically_normal();
}

inline std::string shared_testdata(const std::string& rel) {
  return (shared_testdata_root() / rel).string();
}

}  // namespace nnport::test

#define NNPORT_NEEDS_SHARED_TESTDATA()                                                       \
  do {                                                                                       \
    if (!std::filesystem::is_directory(::nnport::test::shared_testdata_root()))              \
      GTEST_SKIP() << "needs ../shared/testdata (" << ::nnport::test::shared_testdata_root() \
                   << "), absent on this clone";                                             \
  } while (0)
