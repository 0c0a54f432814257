#include "executor_check.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include "formats/format.h"
#include "formats/npy/npy.h"
#include "formats/onnx/tensor_proto.h"
#include "ir/error.h"
#include "ir/shape.h"
#include "passes/pass.h"
#include "runtime/executor.h"

namespace nnport::conformance {

namespace fs = std::filesystem;

namespace {

// Outcomes are thrown as these inside the check and caught once at the top.
struct Unsupported {
  std::string reason;
};
struct Failure {
  std::string reason;
};

// What the original ModelProto says about the case's interface (the IR may have pruned it).
struct ModelInterface {
  std::vector<std::string> runtime_inputs;  // graph inputs that are not initializers, in order
  std::vector<std::string> outputs;
  std::map<std::string, const onnx::TypeProto*> types;
  int64_t opset = 0;
};

onnx::ModelProto parse_model(const std::string& path) {
  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  if (!in || !model.ParseFromIstream(&in)) throw Failure{"protobuf cannot parse " + path};
  return model;
}

ModelInterface model_interface(const onnx::ModelProto& model) {
  ModelInterface interface;
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer())
    initializers.insert(init.name());
  for (const auto& input : model.graph().input()) {
    if (initializers.count(input.name())) continue;
    interface.runtime_inputs.push_back(input.name());
    interface.types[input.name()] = &input.type();
  }
  for (const auto& output : model.graph().output()) {
    interface.outputs.push_back(output.name());
    interface.types[output.name()] = &output.type();
  }
  for (const auto& opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx") interface.opset = opset.version();
  for (const auto& [name, type] : interface.types)
    if (!type->has_tensor_type())
      throw Unsupported{fmt::format("'{}' is not a tensor (sequence, map or optional)", name)};
  return interface;
}

// The ONNX backend data stores bfloat16 tensors as UINT16 (NumPy has no bfloat16): the bits are
// bfloat16 when the model declares that type.
Tensor as_declared_bfloat16(Tensor tensor, const onnx::TypeProto* declared) {
  if (declared && declared->tensor_type().elem_type() == onnx::TensorProto::BFLOAT16 &&
      tensor.dtype() == DType::UInt16)
    return Tensor(DType::BFloat16, tensor.dims(), tensor.buffer(), tensor.offset());
  return tensor;
}

// .npy has no bfloat16: such tensors are written as their uint16 bits (ONNX Runtime's Node
// binding cannot take bfloat16 either, so those cases are not checkable in (b) anyway).
void write_npy_file(const std::string& path, const Tensor& tensor) {
  if (tensor.dtype() == DType::BFloat16)
    write_npy(path, Tensor(DType::UInt16, tensor.dims(), tensor.buffer(), tensor.offset()));
  else
    write_npy(path, tensor);
}

Tensor read_tensor_file(const std::string& path) {
  onnx::TensorProto proto;
  std::ifstream in(path, std::ios::binary);
  if (!in || !proto.ParseFromIstream(&in)) throw Failure{"protobuf cannot parse " + path};
  const DType dtype = onnx_format::dtype_from_onnx(proto.data_type());
  const std::string file = fs::path(path).filename().string();
  if (dtype == DType::Undefined || dtype == DType::String)
    throw Unsupported{
        fmt::format("{} holds {} data", file, onnx_format::onnx_type_name(proto.data_type()))};
  try {
    return onnx_format::tensor_from_proto(proto, file, nullptr);
  } catch (const Error& e) {
    throw Failure{fmt::format("cannot convert {}: {}", file, e.what())};
  }
}

// Zero-filled inputs of the declared (fully static) shapes, for cases that ship no inputs.
std::vector<Tensor> zero_inputs(const ModelInterface& interface) {
  std::vector<Tensor> inputs;
  for (const auto& name : interface.runtime_inputs) {
    const auto& tensor_type = interface.types.at(name)->tensor_type();
    std::vector<int64_t> dims;
    for (const auto& dim : tensor_type.shape().dim()) {
      if (!dim.has_dim_value()) throw Failure{fmt::format("input '{}' has a free dim", name)};
      dims.push_back(dim.dim_value());
    }
    const DType dtype = onnx_format::dtype_from_onnx(tensor_type.elem_type());
    if (dtype == DType::Undefined || dtype == DType::String)
      throw Unsupported{fmt::format("input '{}' has an unsupported type", name)};
    inputs.emplace_back(dtype, dims);
  }
  return inputs;
}

Graph read_with_nnport(const std::string& model_path) {
  const Format* onnx = find_format("onnx");
  if (!onnx || !onnx->read) throw Failure{"nnport has no ONNX reader"};
  Graph graph;
  try {
    graph = onnx->read(model_path, ReadOptions{});
  } catch (const Error& e) {
    // The reader refusing an op, attribute or type is what "unsupported" means.
    if (e.kind() == ErrorKind::Model) throw Unsupported{e.what()};
    throw;
  }
  try {
    run_passes(graph, standard_passes(), PassOptions{});
  } catch (const Error& e) {
    // A model error here is nnport refusing a variant it cannot compute exactly (BatchNorm in
    // training mode, a negative implicit padding, ...): `nnport convert` refuses the same way.
    if (e.kind() == ErrorKind::Model) throw Unsupported{fmt::format("refused: {}", e.what())};
    throw;
  }
  if (auto missing = ops_without_kernel(graph); !missing.empty())
    throw Unsupported{fmt::format("no executor kernel for {}", fmt::join(missing, ", "))};
  return graph;
}

// The ONNX writer at the source model's opset (within the 7..21 the writer supports), so the
// round trip does not also test opset conversion.
void write_round_trip(const Graph& graph, int64_t source_opset, const std::string& path,
                      ExecutorCheck& check) {
  WriteOptions options;
  options.opset = static_cast<int>(std::clamp<int64_t>(source_opset, 7, 21));
  try {
    find_format("onnx")->write(graph, path, options);
    check.round_trip_model = path;
  } catch (const std::exception& e) {
    check.writer_error = fmt::format("ONNX writer (opset {}): {}", options.opset, e.what());
  }
}

// Runs one data set through the executor; returns the mismatch descriptions.
std::vector<std::string> run_data_set(const Graph& graph, const ModelInterface& interface,
                                      const DataSet& data_set, const std::vector<Tensor>& inputs,
                                      const std::vector<Tensor>& expected,
                                      const Tolerance& tolerance) {
  TensorMap feeds;
  for (const auto& name : graph.inputs) {
    auto it = std::find(interface.runtime_inputs.begin(), interface.runtime_inputs.end(), name);
    if (it == interface.runtime_inputs.end())
      throw Failure{fmt::format("IR graph input '{}' is not an input of the ONNX model", name)};
    feeds[name] = inputs.at(it - interface.runtime_inputs.begin());
  }
  TensorMap results;
  try {
    results = run_graph(graph, feeds);
  } catch (const std::exception& e) {
    return {fmt::format("{}: executor: {}", data_set.name, e.what())};
  }
  std::vector<std::string> problems;
  for (size_t k = 0; k < expected.size(); ++k) {
    const std::string& name = interface.outputs[k];
    auto it = results.find(name);
    if (it == results.end()) {
      problems.push_back(fmt::format("{}: output '{}' missing", data_set.name, name));
      continue;
    }
    MatchResult match = match_tensor(expected[k], it->second, tolerance);
    if (!match.ok)
      problems.push_back(fmt::format("{}: output '{}': {}", data_set.name, name, match.reason));
  }
  return problems;
}

void check_case(const CaseFiles& files, const std::string& work_dir, const Tolerance& tolerance,
                ExecutorCheck& check) {
  const onnx::ModelProto proto = parse_model(files.model);
  const ModelInterface interface = model_interface(proto);
  Graph graph = read_with_nnport(files.model);

  // Load every data set first: an input type nnport cannot hold makes the case unsupported.
  std::vector<std::vector<Tensor>> all_inputs, all_expected;
  for (const DataSet& data_set : files.data_sets) {
    std::vector<Tensor> inputs;
    if (files.zero_inputs) {
      inputs = zero_inputs(interface);
    } else {
      for (size_t k = 0; k < data_set.inputs.size(); ++k) {
        const auto* declared = k < interface.runtime_inputs.size()
                                   ? interface.types.at(interface.runtime_inputs[k])
                                   : nullptr;
        inputs.push_back(as_declared_bfloat16(read_tensor_file(data_set.inputs[k]), declared));
      }
    }
    for (size_t k = 0; k < inputs.size() && k < interface.runtime_inputs.size(); ++k) {
      const auto& declared = interface.types.at(interface.runtime_inputs[k])->tensor_type();
      bool contradicts = declared.has_shape() && declared.shape().dim_size() != 0 &&
                         declared.shape().dim_size() != static_cast<int>(inputs[k].rank());
      for (int d = 0; !contradicts && d < declared.shape().dim_size(); ++d)
        contradicts = declared.shape().dim(d).has_dim_value() &&
                      declared.shape().dim(d).dim_value() != inputs[k].dims()[d];
      if (contradicts)
        throw Unsupported{fmt::format(
            "invalid case: {} input_{} has shape {}, the model declares "
            "another for '{}'",
            data_set.name, k, sizes_to_string(inputs[k].dims()), interface.runtime_inputs[k])};
    }
    if (inputs.size() != interface.runtime_inputs.size())
      throw Failure{fmt::format("{} has {} inputs, the model {}", data_set.name, inputs.size(),
                                interface.runtime_inputs.size())};
    std::vector<Tensor> expected;
    for (size_t k = 0; k < data_set.outputs.size(); ++k) {
      const auto* declared =
          k < interface.outputs.size() ? interface.types.at(interface.outputs[k]) : nullptr;
      expected.push_back(as_declared_bfloat16(read_tensor_file(data_set.outputs[k]), declared));
    }
    if (expected.size() > interface.outputs.size())
      throw Failure{fmt::format("{} has {} outputs, the model {}", data_set.name, expected.size(),
                                interface.outputs.size())};
    all_inputs.push_back(std::move(inputs));
    all_expected.push_back(std::move(expected));
  }

  fs::create_directories(work_dir);
  write_round_trip(graph, interface.opset, (fs::path(work_dir) / "round_trip.onnx").string(),
                   check);

  std::vector<std::string> problems;
  for (size_t s = 0; s < files.data_sets.size(); ++s) {
    const DataSet& data_set = files.data_sets[s];
    PreparedSet prepared;
    prepared.dir = (fs::path(work_dir) / data_set.name).string();
    fs::create_directories(prepared.dir);
    for (size_t k = 0; k < all_inputs[s].size(); ++k) {
      const std::string& name = interface.runtime_inputs[k];
      std::string path = fmt::format("{}/input_{}.npy", prepared.dir, k);
      write_npy_file(path, all_inputs[s][k]);
      prepared.original_inputs.emplace_back(name, path);
      // An input nnport pruned is not an input of the written model either.
      if (std::find(graph.inputs.begin(), graph.inputs.end(), name) != graph.inputs.end())
        prepared.inputs.emplace_back(name, path);
    }
    for (size_t k = 0; k < all_expected[s].size(); ++k) {
      std::string path = fmt::format("{}/expected_{}.npy", prepared.dir, k);
      write_npy_file(path, all_expected[s][k]);
      prepared.outputs.emplace_back(interface.outputs[k], path);
    }
    check.sets.push_back(std::move(prepared));
    std::vector<std::string> set_problems =
        run_data_set(graph, interface, data_set, all_inputs[s], all_expected[s], tolerance);
    problems.insert(problems.end(), set_problems.begin(), set_problems.end());
  }
  if (problems.empty()) {
    check.verdict = Verdict::Passed;
  } else {
    check.verdict = Verdict::Failed;
    check.reason = fmt::format("{}", fmt::join(problems, "; "));
  }
}

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Unsupported:
      return "unsupported";
    case Verdict::Passed:
      return "passed";
    default:
      return "failed";
  }
}

}  // namespace

ExecutorCheck check_with_executor(const CaseFiles& files, const std::string& work_dir,
                                  const Tolerance& tolerance) {
  ExecutorCheck check;
  try {
    check_case(files, work_dir, tolerance, check);
  } catch (const Unsupported& u) {
    check = ExecutorCheck{Verdict::Unsupported, u.reason, "", "", {}};
  } catch (const Failure& f) {
    check.verdict = Verdict::Failed;
    check.reason = f.reason;
  } catch (const std::exception& e) {
    check.verdict = Verdict::Failed;
    check.reason = fmt::format("unexpected error: {}", e.what());
  }
  return check;
}

nlohmann::json to_json(const ExecutorCheck& check) {
  nlohmann::json sets = nlohmann::json::array();
  for (const auto& set : check.sets)
    sets.push_back({{"dir", set.dir},
                    {"inputs", set.inputs},
                    {"original_inputs", set.original_inputs},
                    {"outputs", set.outputs}});
  return {{"verdict", verdict_name(check.verdict)},
          {"reason", check.reason},
          {"round_trip_model", check.round_trip_model},
          {"writer_error", check.writer_error},
          {"sets", sets}};
}

ExecutorCheck executor_check_from_json(const nlohmann::json& json) {
  ExecutorCheck check;
  const std::string verdict = json.at("verdict");
  check.verdict = verdict == "passed"        ? Verdict::Passed
                  : verdict == "unsupported" ? Verdict::Unsupported
                                             : Verdict::Failed;
  check.reason = json.at("reason");
  check.round_trip_model = json.at("round_trip_model");
  check.writer_error = json.at("writer_error");
  for (const auto& set : json.at("sets"))
    check.sets.push_back(
        {set.at("dir"), set.at("inputs"), set.at("original_inputs"), set.at("outputs")});
  return check;
}

}  // namespace nnport::conformance
