// ONNX external data: tensors whose bytes live in a side file named by the TensorProto's
// external_data entries (location, offset, length), relative to the model's folder.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "ir/tensor.h"

namespace nnport::onnx_format {

// Maps each side file once and hands out views into it (no copies).
class ExternalDataReader {
 public:
  explicit ExternalDataReader(std::string model_dir) : model_dir_(std::move(model_dir)) {}
  // A view of the tensor's bytes. Model errors name `what` for a missing file, a location
  // outside the model folder, or an offset/length outside the file or not matching the shape.
  Tensor load(const onnx::TensorProto& proto, DType dtype, const std::vector<int64_t>& dims,
              const std::string& what);

 private:
  std::string model_dir_;
  std::map<std::string, std::shared_ptr<MappedFile>> files_;
};

// Where each weight goes when a model is written with external data: one side file, each
// tensor at a 4096-aligned offset (so readers can map it directly).
struct ExternalLayout {
  static constexpr uint64_t kAlignment = 4096;
  struct Entry {
    uint64_t offset = 0;
    uint64_t length = 0;
  };
  std::vector<Entry> entries;  // in the order the tensors were added
  uint64_t file_size = 0;

  void add(uint64_t length);
};

// Fills the TensorProto header's external_data fields for one laid-out tensor.
void set_external_reference(onnx::TensorProto& header, const std::string& location,
                            const ExternalLayout::Entry& entry);

}  // namespace nnport::onnx_format
