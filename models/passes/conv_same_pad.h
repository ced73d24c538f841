// io_stream padding, as hls4ml's optimizer does it. hls4ml's io_stream convolutions and pooling take no
// padding (nnet_conv1d_stream.h / nnet_conv2d_stream.h / nnet_pooling_stream.h assert pad == 0); for
// io_stream its passes insert_zero_padding_before_conv1d / insert_zero_padding_before_conv2d
// (backends/vivado/passes/conv_same_pad.py) put a ZeroPadding1D / ZeroPadding2D layer named
// "zp1d_<conv>" / "zp2d_<conv>" in front of a padded Conv1D / Conv2D, passing the data through in the
// conv's input type, and turn the conv 'valid' on the padded image.
#pragma once

#include "models/model.h"

namespace tlm4ml {

// For an io_stream model: every Conv1D / Conv2D with non-zero padding becomes ZeroPadding + the same conv
// (same name, same weights and types) without padding, the ZeroPadding taking over the conv's input
// (Model::insert_layer); io_parallel models are left alone. Throws ModelError, naming the model file and
// the layer, for padding hls4ml's io_stream firmware cannot build: a pooling layer with padding (no pass
// pads pooling layers) or, in 2-D, with a pool size other than its stride (pooling2d_cl asserts them equal), a padded Conv2D with a kernel side of 1 (hls4ml's pass skips those), or a layer
// already named like the padding layer would be.
void make_stream_padding_explicit(Model& m);

}  // namespace tlm4ml
