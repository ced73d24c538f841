#!/usr/bin/env bash
# The performance figures of bench/README.md in one run (issue 15 item 4): per-inference times of the untimed
# pass and the clocked network for the shipped jet tagger, binary jet tagger, SVHN-style io_stream CNN and
# binary MNIST MLP, held against floors measured in the same run (a plain int16 dot product of the model's
# multiply-accumulates, SystemC's bare sc_clock with one posedge method), simulated cycles/s, and whole
# `predict` / `run` processes on 10^5 and 10^6 seeded random jet samples (text in, text out; per-sample time
# and max RSS from /usr/bin/time -v). Every measurement is repeated REPEATS times, the models interleaved
# within each repetition, and reported as a range (min-max): these machines are shared and noisy. Times are
# CPU time of the measured section (on an idle machine the same as the wall clock; on a loaded one it leaves
# out the time spent waiting for a core), ratios are taken within one repetition, so both sides saw the same
# load. The whole processes are given both ways.
#   bench/run_perf_bench.sh [BUILD_DIR] [REPEATS] [WHOLE_MAX]
# WHOLE_MAX: largest whole-process sample count (default 1000000; 100000 for a quick run).
set -euo pipefail
build=${1:-build}
reps=${2:-3}
whole_max=${3:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/bench/bench_network"
tlm="$build/tlm4ml"
for f in "$bin" "$tlm" /usr/bin/time; do
  [ -x "$f" ] || { echo "run_perf_bench.sh: $f not found (build the tlm4ml and bench_network targets)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/tlm4ml-perf-XXXXXX")
trap 'rm -rf "$work"' EXIT
raw="$work/raw.txt"

echo "## Performance run"
echo
echo "command: bench/run_perf_bench.sh $build $reps $whole_max"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1); nproc $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# model:samples for the per-inference figures (about a second of clocked simulation each on an idle machine)
models="jet_tagger:200000 jet_tagger_binary:100000 svhn_cnn:100 mnist_binary:5000"
for r in $(seq "$reps"); do
  for ms in $models; do
    m=${ms%%:*}
    n=${ms##*:}
    for mode in untimed timed dot; do
      echo "rep=$r $("$bin" "$here/testbenches/models/$m.json" "$mode" "$n")" >>"$raw"
    done
  done
  echo "rep=$r $("$bin" clock 2000000)" >>"$raw"
done

# Per-inference time (µs) of each model and mode, ratios within a repetition, ranges over repetitions.
awk '
function field(name,   i, a) { for (i = 1; i <= NF; ++i) if (index($i, name "=") == 1) { split($i, a, "="); return a[2] } return "" }
function span(key, v) { if (!(key in lo) || v < lo[key]) lo[key] = v; if (!(key in hi) || v > hi[key]) hi[key] = v }
function show(key, fmt) { return (lo[key] == hi[key]) ? sprintf(fmt, lo[key]) : sprintf(fmt "–" fmt, lo[key], hi[key]) }
{
  r = field("rep"); m = $2; mode = $3
  if (m == "systemc") { clock[r] = field("cycles") / field("cpu_seconds"); span("clock", clock[r] / 1e6); next }
  us[m, mode, r] = 1e6 * field("cpu_seconds") / field("samples")
  if (mode == "timed") cps[m, r] = field("cycles") / field("cpu_seconds")
  if (mode == "dot") macs[m] = field("macs")
  if (!(m in seen)) { seen[m] = 1; order[++n] = m }
  reps[r] = 1
}
END {
  printf "| model | MACs | untimed µs | clocked µs | clocked / untimed | clocked M cycles/s | dot µs | untimed / dot | clocked / dot | clocked cycles/s ÷ bare clock |\n"
  printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
  for (k = 1; k <= n; ++k) {
    m = order[k]
    for (r in reps) {
      span(m "u", us[m, "untimed", r]); span(m "t", us[m, "timed", r]); span(m "d", us[m, "dot", r])
      span(m "tu", us[m, "timed", r] / us[m, "untimed", r]); span(m "c", cps[m, r] / 1e6)
      span(m "ud", us[m, "untimed", r] / us[m, "dot", r]); span(m "td", us[m, "timed", r] / us[m, "dot", r])
      span(m "cc", cps[m, r] / clock[r])
    }
    printf "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", m, macs[m], show(m "u", "%.3g"), show(m "t", "%.3g"),
           show(m "tu", "%.2f"), show(m "c", "%.2f"), show(m "d", "%.3g"), show(m "ud", "%.1f"), show(m "td", "%.1f"),
           show(m "cc", "%.2f")
  }
  printf "\nSystemC bare clock (sc_clock + one posedge SC_METHOD): %s M cycles/s\n", show("clock", "%.1f")
}' "$raw"

# Whole processes: seeded random jet samples in [-4, 4), text in, text out.
echo
echo "| whole process, jet_tagger | samples | µs per sample, CPU (user + sys) | µs per sample, wall | max RSS MB |"
echo "|---|---:|---:|---:|---:|"
sizes=100000
[ "$whole_max" -gt 100000 ] && sizes="100000 $whole_max"
for n in $sizes; do
  awk -v n="$n" 'BEGIN { srand(1); for (i = 0; i < n; ++i) { s = ""; for (j = 0; j < 16; ++j) s = s sprintf(j ? " %.4f" : "%.4f", rand() * 8 - 4); print s } }' >"$work/in_$n.txt"
  for r in $(seq "$reps"); do
    for cmd in predict run; do
      if [ "$cmd" = predict ]; then
        args=(predict "$here/testbenches/models/jet_tagger.json" --inputs "$work/in_$n.txt" --outputs "$work/out.txt")
      else
        args=(run "$here/testbenches/models/jet_tagger.json" --inputs "$work/in_$n.txt" --quiet)
      fi
      /usr/bin/time -v "$tlm" "${args[@]}" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
      wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; print s }')
      rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
      cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$work/time.txt" | awk '{ s += $1 } END { print s }')
      echo "$cmd $n $wall $rss $cpu" >>"$work/whole.txt"
    done
  done
done
awk '
function span(key, v) { if (!(key in lo) || v < lo[key]) lo[key] = v; if (!(key in hi) || v > hi[key]) hi[key] = v }
function show(key) { return lo[key] == hi[key] ? sprintf("%.2f", lo[key]) : sprintf("%.2f–%.2f", lo[key], hi[key]) }
{ key = $1 " " $2; span(key " wall", 1e6 * $3 / $2); span(key " cpu", 1e6 * $5 / $2); span(key " rss", $4 / 1024)
  if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
END { for (k = 1; k <= n; ++k) { split(order[k], a, " ")
  printf "| `%s` | %d | %s | %s | %.0f |\n", a[1], a[2], show(order[k] " cpu"), show(order[k] " wall"), hi[order[k] " rss"] } }' "$work/whole.txt"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
