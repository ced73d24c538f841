#!/bin/sh
# Points per hour of `tlm4ml sweep`, locally (-j = cores) and through a single-node Slurm on the same machine
# (tests/support/slurm_fixture.sh, as root): the QKeras MNIST MLP over the 10,000 test images, 12 points.
# The Slurm figure runs from submission (which computes the reference predictions, as the local run does) to
# the merged results.
# Usage: bench/run_sweep_bench.sh [BUILD_DIR]   (needs ../shared/data; prints one line per way)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build}/tlm4ml
work=$(mktemp -d /tmp/sweepbench.XXXXXX)
trap 'sh "$root/tests/support/slurm_fixture.sh" stop "$work/c" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
args="$root/testbenches/models/configs/qkeras_mnist_dense.yml --mnist $root/../shared/data/mnist --precision ap_fixed<W,6> --widths 6..16:2 --reuse 1,4 --no-plots -q"
points=12
rate() { awk -v p=$points -v s="$1" 'BEGIN { printf "%.0f points/hour (%d points in %.1f s)", p * 3600 / s, p, s }'; }
now() { date +%s.%N; }

t0=$(now); "$bin" sweep $args -o "$work/local" >/dev/null; t1=$(now)
echo "local, -j $(nproc): $(rate "$(echo "$t1 - $t0" | bc)")"

mkdir -p "$work/c"
eval "$(sh "$root/tests/support/slurm_fixture.sh" start "$work/c")"
t0=$(now)
job=$("$bin" sweep $args -o "$work/slurm" --slurm --chunk 3 --slurm-cpus 1 2>/dev/null | sed -n 's/^submitted job \([0-9]*\):.*/\1/p')
# Polled here: sbatch --wait checks at growing intervals, which would be timed instead of the job.
while [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do sleep 0.1; done
"$bin" sweep --collect "$work/slurm" -q --no-plots 2>/dev/null
t1=$(now)
echo "slurm, $(nproc) one-CPU tasks of 3 points: $(rate "$(echo "$t1 - $t0" | bc)")"
cmp "$work/local/results.csv" "$work/slurm/results.csv" && echo "same results.csv both ways"
