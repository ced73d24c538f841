#!/usr/bin/env bash
# Untimed forward-pass time per inference of the binary and ternary example models (bench_network ... untimed),
# best of five runs by CPU time (this machine is shared: CPU time moves far less than wall time under load).
# With a second bench_network binary (e.g. one built from an earlier commit), both run alternately, one
# after the other, and the ratio comes from the same minute.
#   bench/run_binary_bench.sh [BUILD_DIR] [BASELINE_BENCH_NETWORK]
# MNIST_SAMPLES (default 10000) sets mnist_binary's sample count (the jet taggers run 100 000).
set -euo pipefail
build=${1:-build}
base=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/bench/bench_network"

field() { sed -n "s/.* $1=\(-\{0,1\}[0-9.]*\).*/\1/p" <<<"$2"; }

printf '%-20s %8s %14s %14s %14s %14s %9s\n' model samples cpu_us/inf wall_us/inf base_cpu_us base_wall_us speedup
for m in jet_tagger_binary jet_tagger_ternary mnist_binary; do
  model="$here/testbenches/models/$m.json"
  samples=100000
  [ "$m" = mnist_binary ] && samples=${MNIST_SAMPLES:-10000}
  best_cpu=; best_wall=; base_cpu=; base_wall=
  for _ in 1 2 3 4 5; do
    out=$("$bin" "$model" untimed "$samples")
    sum=$(field checksum "$out")
    c=$(field cpu_us_per_inference "$out"); w=$(field us_per_inference "$out")
    best_cpu=$(awk -v a="${best_cpu:-1e30}" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
    best_wall=$(awk -v a="${best_wall:-1e30}" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
    if [ -n "$base" ]; then
      out=$("$base" "$model" untimed "$samples")
      # Same seeded samples: the outputs' checksum must agree.
      [ "$(field checksum "$out")" = "$sum" ] || { echo "$m: checksums differ: $sum against $out" >&2; exit 1; }
      c=$(field cpu_us_per_inference "$out"); w=$(field us_per_inference "$out")
      base_cpu=$(awk -v a="${base_cpu:-1e30}" -v b="$c" 'BEGIN { print (b < a) ? b : a }')
      base_wall=$(awk -v a="${base_wall:-1e30}" -v b="$w" 'BEGIN { print (b < a) ? b : a }')
    fi
  done
  if [ -n "$base" ]; then
    awk -v m="$m" -v n="$samples" -v c="$best_cpu" -v w="$best_wall" -v bc="$base_cpu" -v bw="$base_wall" \
      'BEGIN { printf "%-20s %8d %14.3f %14.3f %14.3f %14.3f %8.1fx\n", m, n, c, w, bc, bw, bc / c }'
  else
    awk -v m="$m" -v n="$samples" -v c="$best_cpu" -v w="$best_wall" \
      'BEGIN { printf "%-20s %8d %14.3f %14.3f %14s %14s %9s\n", m, n, c, w, "-", "-", "-" }'
  fi
done
