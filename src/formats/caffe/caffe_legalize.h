// IR rewrites the Caffe writer runs before emitting layers. Each keeps the graph's numbers
// exactly (up to the one rounding noted in the file) or refuses naming the node.
#pragma once

#include <string>

#include "ir/graph.h"

namespace nnport::caffe_export {

// Asymmetric conv/pool pads, pooling rounding and average divisors (caffe_legalize_window.cpp).
// `input_hint` (input_dims_hint of the source graph) ends the refusal of a window whose input
// size is unknown.
void legalize_windows(Graph& graph, const std::string& input_hint = "");

// 4-D graph inputs/outputs reached through layout Transposes (channels-last sources) become NCHW
// Caffe blobs (caffe_legalize_layout.cpp). Returns whether any was absorbed.
bool absorb_layout_transposes(Graph& graph);

// A constant spatial Pad feeding only a Conv (zeros) or MaxPool (-inf) becomes its pads
// (caffe_legalize_pad.cpp).
void fold_pads_into_windows(Graph& graph);

// Bias Adds after Conv / Gemm / 2-D MatMul become the layer's bias (caffe_legalize_fuse.cpp).
void fuse_bias_adds(Graph& graph);

// --fold-bn: BatchNormalization right after a Conv becomes the Conv's weights and bias
// (caffe_legalize_fold_bn.cpp). Not bit-exact by nature (the user asked for it).
void fold_batchnorm_into_conv(Graph& graph);

// Elementwise ops on rank-0/1 values that would become an Eltwise run on a view with a leading
// axis of 1, reshaped back (caffe_legalize_rank.cpp; an OpenCV 4.6 limit). Returns whether any
// was lifted.
bool lift_low_rank_eltwise(Graph& graph);

}  // namespace nnport::caffe_export
