#!/usr/bin/env bash
# Simulation speed of the shipped example models in one run: the untimed reference, the clocked network with
# VCD off, and with VCD on (every signal, the default). Ratios are computed from the same run.
#   bench/run_network_bench.sh [BUILD_DIR] [SAMPLES]
set -euo pipefail
build=${1:-build}
n=${2:-20000}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/bench/bench_network"
printf '%-12s %14s %14s %14s %12s %12s %14s\n' model untimed_inf/s timed_inf/s timed_cyc/s timed/untimed vcd_cyc/s vcd_slowdown
for m in jet_tagger jet_tagger_binary jet_tagger_ternary mnist_binary; do
  model="$here/testbenches/models/$m.json"
  samples=$n
  [ "$m" = mnist_binary ] && samples=$((n / 10))
  u=$("$bin" "$model" untimed "$samples" | sed -n 's/.*inferences_per_s=\([0-9.]*\).*/\1/p')
  t=$("$bin" "$model" timed "$samples")
  ti=$(sed -n 's/.*inferences_per_s=\([0-9.]*\).*/\1/p' <<<"$t")
  tc=$(sed -n 's/.*cycles_per_s=\([0-9.]*\).*/\1/p' <<<"$t")
  vc=$("$bin" "$model" timed-vcd "$samples" | sed -n 's/.*cycles_per_s=\([0-9.]*\).*/\1/p')
  awk -v m="$m" -v u="$u" -v ti="$ti" -v tc="$tc" -v vc="$vc" \
    'BEGIN { printf "%-12s %14.0f %14.0f %14.0f %12.2f %12.0f %13.1fx\n", m, u, ti, tc, ti / u, vc, tc / vc }'
done
rm -f /tmp/tlm4ml_bench.vcd
