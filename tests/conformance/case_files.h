// The files of ONNX backend test cases. Two layouts exist:
//  - a folder CASE/ with model.onnx and test_data_set_N/{input_K,output_K}.pb (node, pytorch-*,
//    simple);
//  - the `light` folder: light_NAME.onnx beside light_NAME_output_0.pb and no inputs. Its
//    weights are ConstantOfShape fills, so the outputs do not depend on the input; the ONNX
//    project's own tests feed zeros, and so do we.
#pragma once

#include <string>
#include <vector>

namespace nnport::conformance {

struct DataSet {
  std::string name;                  // "test_data_set_0"
  std::vector<std::string> inputs;   // input_K.pb in K order; empty with zero_inputs
  std::vector<std::string> outputs;  // output_K.pb in K order
};

struct CaseFiles {
  std::string suite;  // "onnx-1.22/node"
  std::string name;   // "test_relu"
  std::string model;  // path of the .onnx file
  bool zero_inputs = false;
  std::vector<DataSet> data_sets;
};

// Every case under `dir`, sorted by name. A folder that is neither layout is skipped.
std::vector<CaseFiles> discover_cases(const std::string& suite, const std::string& dir);

}  // namespace nnport::conformance
