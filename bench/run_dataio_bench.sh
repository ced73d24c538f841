#!/usr/bin/env bash
# Files in and out (bench/README.md, "Files in and out"): max RSS of `run` at 10^4 and 10^6 jet samples
# (random inputs made on demand, and inputs / expected / labels files read alongside with --outputs written),
# and `predict` of 10^6 jet samples, text in / text out and .npy in / .npy out, against predict's own compute
# (bench_network predict-compute: the forward pass and the overflow profile, no files). CPU (user + sys)
# seconds, best of three runs (the machine is shared; interference only slows a run down).
#   bench/run_dataio_bench.sh [BUILD_DIR] [WORK_DIR]
set -euo pipefail
build=${1:-build}
work=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
tlm=$build/tlm4ml
model=$here/testbenches/models/jet_tagger.json
mkdir -p "$work"

# Seeded inputs (16 values in [-4, 4), 6 decimals), labels, and the same inputs as a float32 .npy.
python3 - "$work" <<'PY'
import random, struct, sys, array
work = sys.argv[1]
random.seed(7)
rows = 1000000
vals = array.array('f')
with open(f'{work}/jet_1e6.dat', 'w') as f:
    for _ in range(rows):
        r = [random.uniform(-4, 4) for _ in range(16)]
        f.write(' '.join('%.6f' % v for v in r) + '\n')
        vals.extend(float('%.6f' % v) for v in r)
with open(f'{work}/labels_1e6.dat', 'w') as f:
    f.write(''.join('%d\n' % random.randrange(5) for _ in range(rows)))
d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 16), }" % rows
d += ' ' * ((64 - (10 + len(d) + 1) % 64) % 64) + '\n'
with open(f'{work}/jet_1e6.npy', 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(d)) + d.encode())
    vals.tofile(f)
PY
head -10000 "$work/jet_1e6.dat" >"$work/jet_1e4.dat"
head -10000 "$work/labels_1e6.dat" >"$work/labels_1e4.dat"

# measure <label> <command...>: "label max_rss_MB cpu_s" of the best of three runs (by CPU time).
measure() {
  local label=$1; shift
  for _ in 1 2 3; do
    /usr/bin/time -f '%M %U %S' -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt"; exit 1; }
    awk '{ printf "%.1f %.2f\n", $1 / 1024, $2 + $3 }' "$work/time.txt"
  done | sort -k2 -g | head -1 | sed "s/^/$label /"
}

echo "# run: max RSS (MB), CPU s"
for n in 10000 1000000; do
  measure "run_random_$n" "$tlm" run "$model" --samples "$n" --quiet
done
"$tlm" predict "$model" --inputs "$work/jet_1e6.dat" --outputs "$work/expected_1e6.dat" 2>/dev/null
head -10000 "$work/expected_1e6.dat" >"$work/expected_1e4.dat"
for n in 1e4 1e6; do
  measure "run_files_$n" "$tlm" run "$model" --inputs "$work/jet_$n.dat" --expected "$work/expected_$n.dat" \
    --labels "$work/labels_$n.dat" --outputs "$work/run_out.dat" --quiet
done

echo "# predict, 10^6 samples: max RSS (MB), CPU s"
measure predict_compute "$build/bench/bench_network" "$model" predict-compute 1000000
measure predict_text_text "$tlm" predict "$model" --inputs "$work/jet_1e6.dat" --outputs "$work/out.dat"
measure predict_npy_npy "$tlm" predict "$model" --inputs "$work/jet_1e6.npy" --outputs "$work/out.npy"
