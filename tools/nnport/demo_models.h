// The models of `nnport demo`: the built-in CNN used when no TensorFlow file is given, and the
// "naive converter" variant of a graph that the demo compares nnport's conversion with.
#pragma once

#include <string>

#include "ir/graph.h"

namespace nnport::cli {

// A small MobileNet-like CNN (1x3x32x32 input) whose stride-2 convolutions and average pool use
// TensorFlow SAME padding: total pad 1 per axis, all of it at the end.
Graph build_demo_cnn();

// What a converter that only knows symmetric padding writes: every Conv and pooling window whose
// pads differ at the two ends gets ceil(total / 2) on both (TF SAME's [0, 1] becomes Caffe's
// pad 1: same output size, every window shifted by one pixel). Returns the number of nodes
// changed.
int make_pads_symmetric(Graph& graph);

// The first Conv node in graph order, or null.
const Node* first_conv(const Graph& graph);

// "HxW" of the first Conv's output as the next layer sees it: when the output goes through a
// chain of Slice nodes (the crop of Caffe's emulation of an asymmetric pad), "113x113 cropped to
// 112x112".
std::string first_conv_output(const Graph& graph);

}  // namespace nnport::cli
