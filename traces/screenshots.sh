#!/usr/bin/env bash
# Screenshots of GTKWave opening the waveform of each shipped example, as a new user sees it (first screen,
# nothing scrolled or zoomed), for the README: traces/screenshots/<example>.png.
# Usage: traces/screenshots.sh [BUILD_DIR]   (default build; needs gtkwave, xvfb, x11-apps, imagemagick)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=traces/screenshots
mkdir -p "$out"
for tool in gtkwave Xvfb xwd convert; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (apt-get install gtkwave xvfb x11-apps imagemagick)" >&2; exit 1; }
done

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1600x1000x24 >/dev/null 2>&1 &
xvfb_pid=$!
gtkwave_pid=
cleanup() {
  [ -n "$gtkwave_pid" ] && kill "$gtkwave_pid" 2>/dev/null || true
  kill "$xvfb_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
sleep 1

shoot() {  # name, then the run arguments
  local name=$1
  shift
  "$build/tlm4ml" run "$@" --quiet --vcd "traces/$name.vcd" >/dev/null
  DISPLAY=$display gtkwave "traces/$name.gtkw" >/dev/null 2>&1 &
  gtkwave_pid=$!
  sleep 4  # GTKWave draws asynchronously; there is no "drawn" event to wait on from outside
  DISPLAY=$display xwd -root | convert xwd:- "$out/$name.png"
  kill "$gtkwave_pid" 2>/dev/null || true
  wait "$gtkwave_pid" 2>/dev/null || true
  gtkwave_pid=
  echo "$out/$name.png"
}

m=testbenches/models
shoot jet_tagger "$m/jet_tagger.json" --inputs "$m/jet_tagger_inputs.dat"
shoot jet_tagger_binary "$m/jet_tagger_binary.json" --inputs "$m/jet_tagger_inputs.dat"
shoot svhn_cnn "$m/svhn_cnn.json" --inputs "$m/svhn_cnn_inputs.dat"
shoot resnet_block "$m/resnet_block.json" --inputs "$m/resnet_block_inputs.dat"
