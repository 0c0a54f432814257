// Writers never leave a half-written file behind: each output goes to a temporary file in the
// target folder and is renamed into place only when every file of the model is complete.
#pragma once

#include <string>
#include <vector>

namespace nnport {

class OutputFiles {
 public:
  OutputFiles() = default;
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  ~OutputFiles();  // removes the temporaries unless commit() ran

  // Returns the temporary path to write instead of `final_path`.
  std::string add(const std::string& final_path);
  // Renames every temporary to its final path.
  void commit();

 private:
  struct Entry {
    std::string temp, final;
  };
  std::vector<Entry> entries_;
  bool committed_ = false;
};

}  // namespace nnport
