#!/usr/bin/env bash
# Simulation speed of the shipped example models in one run: the untimed reference, the clocked network with
# VCD off, and with VCD on (the default trace set of `--vcd`: handshakes, occupancies, busy/stall and the real
# values of 4 elements per channel). Each figure is the best of three runs (these shared
# 2-core machines are noisy; interference only ever slows a run down); ratios come from the same run.
#   bench/run_network_bench.sh [BUILD_DIR] [SAMPLES]
set -euo pipefail
build=${1:-build}
n=${2:-100000}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/bench/bench_network"

best() {  # best <args...>: the output line of the fastest of three runs
  for _ in 1 2 3; do "$bin" "$@"; done | awk '{ for (i = 1; i <= NF; ++i) if ($i ~ /^seconds=/) { split($i, a, "="); print a[2], $0 } }' |
    sort -g | head -1 | cut -d' ' -f2-
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

printf '%-20s %14s %14s %14s %14s %12s %13s %13s\n' model untimed_inf/s timed_inf/s timed_cyc/s timed/untimed vcd_cyc/s vcd/timed vcd/untimed
for m in jet_tagger jet_tagger_binary jet_tagger_ternary mnist_binary svhn_cnn; do
  model="$here/testbenches/models/$m.json"
  samples=$n
  vcd_div=5
  [ "$m" = mnist_binary ] && samples=$((n / 20))
  # io_stream CNN: ~1156 cycles and 1.3 million MACs per image
  [ "$m" = svhn_cnn ] && samples=$((n / 300)) && vcd_div=10
  u=$(field inferences_per_s "$(best "$model" untimed "$samples")")
  t=$(best "$model" timed "$samples")
  ti=$(field inferences_per_s "$t")
  tc=$(field cycles_per_s "$t")
  v=$(best "$model" timed-vcd "$((samples / vcd_div))")
  vc=$(field cycles_per_s "$v")
  vi=$(field inferences_per_s "$v")
  # vcd/timed: the waveform's own cost; vcd/untimed: a traced run against the untimed reference (time per inference)
  awk -v m="$m" -v u="$u" -v ti="$ti" -v tc="$tc" -v vc="$vc" -v vi="$vi" \
    'BEGIN { printf "%-20s %14.0f %14.0f %14.0f %14.2f %12.0f %12.1fx %12.1fx\n", m, u, ti, tc, ti / u, vc, tc / vc, u / vi }'
done
rm -f /tmp/tlm4ml_bench.vcd
