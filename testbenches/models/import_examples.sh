#!/usr/bin/env bash
# Re-makes the shipped jet-tagger models from hls4ml's example Keras files with tlm4ml's importer.
# Needs ../shared beside the project (the Keras files) and a built tlm4ml:
#   testbenches/models/import_examples.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-build}/tlm4ml
declare -A out=([KERAS_3layer]=jet_tagger [KERAS_3layer_binary_smaller]=jet_tagger_binary
                [KERAS_3layer_ternary_small]=jet_tagger_ternary)
for m in "${!out[@]}"; do
  "$bin" import "$here/configs/$m.yml" -o "$here/${out[$m]}.json"
  # Say where the weights come from instead of the local path of the configuration.
  python3 - "$here/${out[$m]}.json" "$m" "${out[$m]}" <<'PY'
import json, sys
path, keras_name, name = sys.argv[1:4]
model = json.load(open(path))
head = {
    "name": name,
    "description": (f"hls4ml's example model {keras_name} (Keras), imported by tlm4ml from "
                    f"testbenches/models/configs/{keras_name}.yml: ap_fixed<16,6>, reuse factor 1, Latency, "
                    "io_parallel, 5 ns."),
    "source": (f"fastmachinelearning/example-models, keras/{keras_name}.json and keras/{keras_name}_weights.h5 "
               "(commit ce390f9a806dac2c254736c6113896c540e7447b)"),
    "license": "no LICENSE file in the upstream repository (see testbenches/models/README.md)",
}
layers = model.pop("layers")
for key in ("name", "description", "source", "license"):
    model.pop(key, None)
# A reuse factor equal to the model's default is left to the default, so that one key changes them all.
for layer in layers:
    if layer.get("reuse_factor") == model.get("default_reuse_factor"):
        del layer["reuse_factor"]
lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in {**head, **model}.items()]
lines.append(' "layers": [')
lines += ["  " + json.dumps(l, separators=(",", ":")) + ("," if i + 1 < len(layers) else "") for i, l in enumerate(layers)]
lines += [" ]", "}"]
open(path, "w").write("\n".join(lines) + "\n")
json.load(open(path))
PY
  echo "$m -> testbenches/models/${out[$m]}.json"
done
