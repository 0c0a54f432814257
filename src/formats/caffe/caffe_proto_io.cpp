#include "formats/caffe/caffe_proto_io.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ir/error.h"

namespace nnport::caffe_io {

namespace pb = nnport::caffe;

namespace {

// Owns the float data of a parsed blob, swapped out of the message (no copy).
class RepeatedFloatBuffer final : public Buffer {
 public:
  explicit RepeatedFloatBuffer(google::protobuf::RepeatedField<float>* source) {
    values_.Swap(source);
  }
  const std::byte* data() const override {
    return reinterpret_cast<const std::byte*>(values_.data());
  }
  size_t size() const override { return static_cast<size_t>(values_.size()) * sizeof(float); }

 private:
  google::protobuf::RepeatedField<float> values_;
};

class CollectFirstError final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (first_.empty())
      first_ = fmt::format("line {}, column {}: {}", line + 1, column + 1, message);
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) model_error("{}: cannot open the file", path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string caffemodel_path_for(const std::string& prototxt_path) {
  std::filesystem::path p(prototxt_path);
  p.replace_extension(".caffemodel");
  return p.string();
}

pb::NetParameter parse_prototxt(const std::string& path) {
  const std::string text = read_whole_file(path);
  pb::NetParameter net;
  google::protobuf::TextFormat::Parser parser;
  CollectFirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &net))
    model_error("{}: not a Caffe prototxt this reader understands ({})", path,
                errors.first().empty() ? "parse error" : errors.first());
  return net;
}

pb::NetParameter parse_caffemodel(const std::string& path) {
  auto file = MappedFile::open(path);
  if (file->size() > static_cast<size_t>(INT_MAX))
    model_error("{}: {} bytes is beyond the 2 GB limit of a protobuf message", path, file->size());
  google::protobuf::io::ArrayInputStream raw(file->data(), static_cast<int>(file->size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT_MAX);
  pb::NetParameter net;
  if (!net.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    model_error("{}: not a Caffe .caffemodel (the binary NetParameter does not parse)", path);
  return net;
}

std::string to_prototxt(const pb::NetParameter& net) {
  google::protobuf::TextFormat::Printer printer;
  std::string text;
  if (!printer.PrintToString(net, &text))
    throw std::logic_error("caffe writer: TextFormat printing failed");
  return text;
}

std::string v1_type_name(pb::V1LayerParameter::LayerType type) {
  using T = pb::V1LayerParameter;
  switch (type) {
    case T::ABSVAL:
      return "AbsVal";
    case T::ACCURACY:
      return "Accuracy";
    case T::ARGMAX:
      return "ArgMax";
    case T::BNLL:
      return "BNLL";
    case T::CONCAT:
      return "Concat";
    case T::CONTRASTIVE_LOSS:
      return "ContrastiveLoss";
    case T::CONVOLUTION:
      return "Convolution";
    case T::DATA:
      return "Data";
    case T::DECONVOLUTION:
      return "Deconvolution";
    case T::DROPOUT:
      return "Dropout";
    case T::DUMMY_DATA:
      return "DummyData";
    case T::EUCLIDEAN_LOSS:
      return "EuclideanLoss";
    case T::ELTWISE:
      return "Eltwise";
    case T::EXP:
      return "Exp";
    case T::FLATTEN:
      return "Flatten";
    case T::HDF5_DATA:
      return "HDF5Data";
    case T::HDF5_OUTPUT:
      return "HDF5Output";
    case T::HINGE_LOSS:
      return "HingeLoss";
    case T::IM2COL:
      return "Im2col";
    case T::IMAGE_DATA:
      return "ImageData";
    case T::INFOGAIN_LOSS:
      return "InfogainLoss";
    case T::INNER_PRODUCT:
      return "InnerProduct";
    case T::LRN:
      return "LRN";
    case T::MEMORY_DATA:
      return "MemoryData";
    case T::MULTINOMIAL_LOGISTIC_LOSS:
      return "MultinomialLogisticLoss";
    case T::MVN:
      return "MVN";
    case T::POOLING:
      return "Pooling";
    case T::POWER:
      return "Power";
    case T::RELU:
      return "ReLU";
    case T::SIGMOID:
      return "Sigmoid";
    case T::SIGMOID_CROSS_ENTROPY_LOSS:
      return "SigmoidCrossEntropyLoss";
    case T::SILENCE:
      return "Silence";
    case T::SOFTMAX:
      return "Softmax";
    case T::SOFTMAX_LOSS:
      return "SoftmaxWithLoss";
    case T::SPLIT:
      return "Split";
    case T::SLICE:
      return "Slice";
    case T::TANH:
      return "TanH";
    case T::WINDOW_DATA:
      return "WindowData";
    case T::THRESHOLD:
      return "Threshold";
    case T::NONE:
      break;
  }
  return "";
}

pb::LayerParameter upgrade_v1_layer(const pb::V1LayerParameter& v1) {
  pb::LayerParameter layer;
  layer.set_name(v1.name());
  layer.set_type(v1_type_name(v1.type()));
  for (const auto& b : v1.bottom())
    layer.add_bottom(b);
  for (const auto& t : v1.top())
    layer.add_top(t);
  *layer.mutable_include() = v1.include();
  *layer.mutable_exclude() = v1.exclude();
  *layer.mutable_blobs() = v1.blobs();
  if (v1.has_concat_param()) *layer.mutable_concat_param() = v1.concat_param();
  if (v1.has_convolution_param()) *layer.mutable_convolution_param() = v1.convolution_param();
  if (v1.has_dropout_param()) *layer.mutable_dropout_param() = v1.dropout_param();
  if (v1.has_eltwise_param()) *layer.mutable_eltwise_param() = v1.eltwise_param();
  if (v1.has_exp_param()) *layer.mutable_exp_param() = v1.exp_param();
  if (v1.has_inner_product_param()) *layer.mutable_inner_product_param() = v1.inner_product_param();
  if (v1.has_lrn_param()) *layer.mutable_lrn_param() = v1.lrn_param();
  if (v1.has_pooling_param()) *layer.mutable_pooling_param() = v1.pooling_param();
  if (v1.has_power_param()) *layer.mutable_power_param() = v1.power_param();
  if (v1.has_relu_param()) *layer.mutable_relu_param() = v1.relu_param();
  if (v1.has_sigmoid_param()) *layer.mutable_sigmoid_param() = v1.sigmoid_param();
  if (v1.has_softmax_param()) *layer.mutable_softmax_param() = v1.softmax_param();
  if (v1.has_slice_param()) *layer.mutable_slice_param() = v1.slice_param();
  if (v1.has_tanh_param()) *layer.mutable_tanh_param() = v1.tanh_param();
  if (v1.has_threshold_param()) *layer.mutable_threshold_param() = v1.threshold_param();
  if (v1.has_argmax_param()) *layer.mutable_argmax_param() = v1.argmax_param();
  return layer;
}

bool blob_has_legacy_shape(const pb::BlobProto& blob) {
  return !blob.has_shape();
}

std::vector<int64_t> blob_dims(const pb::BlobProto& blob) {
  if (blob.has_shape()) return {blob.shape().dim().begin(), blob.shape().dim().end()};
  return {blob.num(), blob.channels(), blob.height(), blob.width()};
}

Tensor take_blob(pb::BlobProto& blob, const std::string& where) {
  std::vector<int64_t> dims = blob_dims(blob);
  for (int64_t d : dims)
    if (d < 0) model_error("{}: blob has a negative dimension ({})", where, sizes_to_string(dims));
  const int64_t count = element_count(dims);
  if (blob.double_data_size() > 0 && blob.data_size() == 0) {
    if (blob.double_data_size() != count)
      model_error("{}: blob holds {} values but its shape {} needs {}", where,
                  blob.double_data_size(), sizes_to_string(dims), count);
    Tensor t(DType::Float32, dims);
    float* out = t.mutable_data<float>();
    for (int i = 0; i < blob.double_data_size(); ++i)
      out[i] = static_cast<float>(blob.double_data(i));
    return t;
  }
  if (blob.data_size() != count)
    model_error("{}: blob holds {} values but its shape {} needs {}", where, blob.data_size(),
                sizes_to_string(dims), count);
  auto buffer = std::make_shared<RepeatedFloatBuffer>(blob.mutable_data());
  return Tensor(DType::Float32, dims, buffer);
}

namespace {

using google::protobuf::io::CodedOutputStream;
using WireFormat = google::protobuf::internal::WireFormatLite;

size_t varint_size(uint64_t v) {
  return CodedOutputStream::VarintSize64(v);
}

std::string serialize_shape(const std::vector<int64_t>& dims) {
  pb::BlobShape shape;
  for (int64_t d : dims)
    shape.add_dim(d);
  return shape.SerializeAsString();
}

// Bytes of one BlobProto: data (field 5, packed floats) then shape (field 7).
size_t blob_body_size(const BlobToWrite& blob, const std::string& shape_bytes) {
  size_t size = 0;
  const size_t data_bytes = blob.tensor.byte_size();
  if (data_bytes > 0) size += 1 + varint_size(data_bytes) + data_bytes;
  size += 1 + varint_size(shape_bytes.size()) + shape_bytes.size();
  return size;
}

constexpr uint32_t kLayerField = 100;  // NetParameter.layer
constexpr uint32_t kBlobsField = 7;    // LayerParameter.blobs
constexpr uint32_t kDataField = 5;     // BlobProto.data
constexpr uint32_t kShapeField = 7;    // BlobProto.shape

void write_tag(CodedOutputStream& out, uint32_t field) {
  out.WriteTag(WireFormat::MakeTag(static_cast<int>(field), WireFormat::WIRETYPE_LENGTH_DELIMITED));
}

}  // namespace

void write_caffemodel(const std::string& path, const pb::NetParameter& net,
                      const std::vector<std::vector<BlobToWrite>>& blobs) {
  if (static_cast<size_t>(net.layer_size()) != blobs.size())
    throw std::logic_error("write_caffemodel: one blob list per layer expected");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) usage_error("{}: cannot create the file", path);
  {
    google::protobuf::io::OstreamOutputStream stream(&file);
    CodedOutputStream out(&stream);
    pb::NetParameter header = net;
    header.clear_layer();
    header.clear_layers();
    header.SerializeToCodedStream(&out);
    for (int i = 0; i < net.layer_size(); ++i) {
      const std::string layer_bytes = net.layer(i).SerializeAsString();
      std::vector<std::string> shapes;
      size_t layer_size = layer_bytes.size();
      for (const BlobToWrite& blob : blobs[i]) {
        if (blob.tensor.dtype() != DType::Float32)
          throw std::logic_error("write_caffemodel: blobs must be float32");
        shapes.push_back(serialize_shape(blob.dims));
        const size_t body = blob_body_size(blob, shapes.back());
        layer_size += 1 + varint_size(body) + body;
      }
      write_tag(out, kLayerField);
      out.WriteVarint64(layer_size);
      out.WriteRaw(layer_bytes.data(), static_cast<int>(layer_bytes.size()));
      for (size_t b = 0; b < blobs[i].size(); ++b) {
        const BlobToWrite& blob = blobs[i][b];
        write_tag(out, kBlobsField);
        out.WriteVarint64(blob_body_size(blob, shapes[b]));
        const size_t data_bytes = blob.tensor.byte_size();
        if (data_bytes > 0) {
          write_tag(out, kDataField);
          out.WriteVarint64(data_bytes);
          // Caffe files are little-endian IEEE floats, as the tensor bytes are on every host
          // nnport supports.
          const std::byte* raw = blob.tensor.raw();
          size_t written = 0;
          while (written < data_bytes) {
            const size_t chunk = std::min<size_t>(data_bytes - written, size_t{1} << 30);
            out.WriteRaw(raw + written, static_cast<int>(chunk));
            written += chunk;
          }
        }
        write_tag(out, kShapeField);
        out.WriteVarint64(shapes[b].size());
        out.WriteRaw(shapes[b].data(), static_cast<int>(shapes[b].size()));
      }
    }
    if (out.HadError()) usage_error("{}: write failed", path);
  }
  file.close();
  if (!file) usage_error("{}: write failed", path);
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) usage_error("{}: cannot create the file", path);
  file << text;
  file.close();
  if (!file) usage_error("{}: write failed", path);
}

}  // namespace nnport::caffe_io
