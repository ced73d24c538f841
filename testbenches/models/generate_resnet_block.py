#!/usr/bin/env python3
"""Generate tlm4ml's synthetic residual-block example (deterministic), with the helpers of generate_examples.py.

Writes, next to this script:
  resnet_block.json          one ResNet-style block in io_stream: 8x8x4 input, a long branch of two
                             ZeroPadding + Conv2D 3x3 (4 filters, the first with ReLU), an Add with the skip
                             connection (the input itself), ReLU, GlobalAveragePooling2D, Dense 5, softmax
  resnet_block_inputs.dat    10 synthetic 8x8x4 inputs, multiples of 1/256 in [-1, 1)

The input is read by two layers, so tlm4ml (as hls4ml in io_stream) puts a Clone layer "clone_input_1" in
front of them, with the FIFOs "input_1_cpy1" (to pad1) and "input_1_cpy2" (the skip, to add). The weights are
random numbers (fixed seed), not trained: the model exercises fan-out, merges and FIFO sizing.

Python 3 standard library only: usage  python3 testbenches/models/generate_resnet_block.py [--out DIR]
"""

import argparse
import math
import os
import random

from generate_examples import Fixed, floor_to_grid, header, json_text, samples_text, write_text

SEEDS = {"resnet_block": 2024, "resnet_block_inputs": 64001}


def conv_kernel(rng, chans, filters):
    fan_in = 9 * chans
    return [[[[Fixed(floor_to_grid(rng.gauss(0.0, 1.0 / math.sqrt(fan_in)))) for _ in range(filters)]
              for _ in range(chans)] for _ in range(3)] for _ in range(3)]


def resnet_block(seed):
    rng = random.Random(seed)
    m = header("resnet_block",
               "One ResNet-style residual block in io_stream: 8x8x4 -> [ZeroPadding 1, Conv2D 3x3 (4, ReLU), "
               "ZeroPadding 1, Conv2D 3x3 (4)] + skip -> Add -> ReLU -> GlobalAveragePooling2D -> Dense 5 -> "
               "softmax, ap_fixed<16,6>, reuse factor 1. SYNTHETIC weights: kernels ~ N(0, 1/fan_in), biases "
               f"small, multiples of 2^-10 (random.Random({seed})); the predictions mean nothing.",
               [8, 8, 4], input_name="input_1")
    m["io_type"] = "io_stream"
    layers = m["layers"]
    for i, act in ((1, "relu"), (2, None)):
        layers.append({"name": f"pad{i}", "class": "ZeroPadding2D", "padding": 1})
        conv = {"name": f"conv{i}", "class": "Conv2D", "filters": 4, "kernel_size": 3, "kernel": conv_kernel(rng, 4, 4),
                "bias": [Fixed(floor_to_grid(rng.gauss(0.0, 0.05))) for _ in range(4)]}
        if act:
            conv["activation"] = act
        layers.append(conv)
    layers.append({"name": "add", "class": "Add", "inputs": ["conv2", "input_1"]})
    layers.append({"name": "add_relu", "class": "Activation", "activation": "relu"})
    layers.append({"name": "pool", "class": "GlobalAveragePooling2D"})
    layers.append({"name": "output", "class": "Dense", "units": 5,
                   "kernel": [[Fixed(floor_to_grid(rng.gauss(0.0, 0.5))) for _ in range(5)] for _ in range(4)],
                   "bias": [Fixed(floor_to_grid(rng.gauss(0.0, 0.05))) for _ in range(5)]})
    layers.append({"name": "softmax", "class": "Softmax"})
    return m


def inputs(seed, n):
    rng = random.Random(seed)
    return [[max(-256, min(255, math.floor(rng.gauss(0.0, 0.4) * 256))) for _ in range(8 * 8 * 4)] for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output folder (default: the folder of this script)")
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    print("seeds (random.Random):", ", ".join(f"{k}={v}" for k, v in SEEDS.items()))
    write_text(os.path.join(out, "resnet_block.json"), json_text(resnet_block(SEEDS["resnet_block"])) + "\n")
    write_text(os.path.join(out, "resnet_block_inputs.dat"), samples_text(inputs(SEEDS["resnet_block_inputs"], 10), 8))


if __name__ == "__main__":
    main()
