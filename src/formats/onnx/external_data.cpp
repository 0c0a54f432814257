#include "formats/onnx/external_data.h"

#include <charconv>
#include <filesystem>

#include "ir/error.h"

namespace nnport::onnx_format {

namespace {

uint64_t parse_unsigned(const std::string& text, const std::string& key, const std::string& what) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    model_error("{}: external_data '{}' is not a non-negative integer: '{}'", what, key, text);
  return value;
}

// Side files must stay inside the model's folder: a relative path without "..".
void check_location(const std::string& location, const std::string& what) {
  const std::filesystem::path p(location);
  if (location.empty() || p.is_absolute())
    model_error("{}: external data location '{}' must be a relative path", what, location);
  for (const auto& part : p)
    if (part == "..")
      model_error("{}: external data location '{}' leaves the model's folder", what, location);
}

}  // namespace

Tensor ExternalDataReader::load(const onnx::TensorProto& proto, DType dtype,
                                const std::vector<int64_t>& dims, const std::string& what) {
  std::string location;
  bool has_length = false;
  uint64_t offset = 0, length = 0;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      offset = parse_unsigned(entry.value(), "offset", what);
    } else if (entry.key() == "length") {
      length = parse_unsigned(entry.value(), "length", what);
      has_length = true;
    } else if (entry.key() != "checksum") {
      model_error("{}: unknown external_data key '{}'", what, entry.key());
    }
  }
  check_location(location, what);
  auto& file = files_[location];
  if (!file) {
    const std::string path = (std::filesystem::path(model_dir_) / location).string();
    if (!std::filesystem::is_regular_file(path))
      model_error("{}: external data file '{}' does not exist", what, path);
    file = MappedFile::open(path);
  }
  const uint64_t needed =
      static_cast<uint64_t>(element_count(dims)) * static_cast<uint64_t>(dtype_size(dtype));
  if (!has_length) length = needed;
  if (length != needed)
    model_error("{}: external data length {} does not match shape {} of {} ({} bytes)", what,
                length, sizes_to_string(dims), dtype_name(dtype), needed);
  if (offset > file->size() || length > file->size() - offset)
    model_error("{}: external data [{}, {}) lies outside '{}' ({} bytes)", what, offset,
                offset + length, location, file->size());
  return Tensor(dtype, dims, file, static_cast<size_t>(offset));
}

void ExternalLayout::add(uint64_t length) {
  const uint64_t offset = (file_size + kAlignment - 1) / kAlignment * kAlignment;
  entries.push_back({offset, length});
  file_size = offset + length;
}

void set_external_reference(onnx::TensorProto& header, const std::string& location,
                            const ExternalLayout::Entry& entry) {
  header.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* key, const std::string& value) {
    auto* kv = header.add_external_data();
    kv->set_key(key);
    kv->set_value(value);
  };
  add("location", location);
  add("offset", std::to_string(entry.offset));
  add("length", std::to_string(entry.length));
}

}  // namespace nnport::onnx_format
