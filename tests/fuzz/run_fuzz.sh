#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan + float-cast-overflow) and runs each one for a bounded
# time from its committed corpus, tests/fuzz/corpus/<target>/.
#   tests/fuzz/run_fuzz.sh [seconds per target (30)] [build folder (build-fuzz)]
# Inputs the fuzzer finds go to <build>/findings/<target>/new, not into the repo. A crash, leak, timeout
# or out-of-memory fails the script and leaves the input beside the log in <build>/findings/<target>/:
# fix it, then commit that input to the corpus as a regression seed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
build=${2:-build-fuzz}
targets=(fuzz_model_file fuzz_yaml_config fuzz_sample_file fuzz_npy)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# A folder already configured with TLM4ML_FUZZ (.ci/run's sanitizer build, which also holds the tests) is
# used as it is; otherwise it is configured for the fuzz targets alone.
if ! grep -qs '^TLM4ML_FUZZ:BOOL=ON$' "$build/CMakeCache.txt"; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DTLM4ML_FUZZ=ON -DTLM4ML_BUILD_TESTS=OFF -DTLM4ML_BUILD_BENCH=OFF -DTLM4ML_NATIVE=OFF "${launcher[@]}" >/dev/null
fi
cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null

status=0
for t in "${targets[@]}"; do
  work="$build/findings/$t"
  rm -rf "$work"
  mkdir -p "$work/new"
  # Model files are the largest inputs (the shipped jet tagger is 57 kB).
  max_len=4096
  [ "$t" = fuzz_model_file ] && max_len=65536
  # Keys and class names, so that mutations reach the validation behind the JSON / YAML syntax.
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
  if UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
     "$build/tests/fuzz/$t" "$work/new" "tests/fuzz/corpus/$t" -max_total_time="$seconds" -max_len="$max_len" \
       -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/" "${dict[@]}" >"$work/log.txt" 2>&1; then
    echo "$t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$work/log.txt" | tail -1)," \
         "corpus $(ls "tests/fuzz/corpus/$t" | wc -l) seeds + $(ls "$work/new" | wc -l) found"
  else
    echo "$t: FAILED; the input and the log are in $work" >&2
    grep -E 'ERROR|SUMMARY|runtime error|==[0-9]+==' "$work/log.txt" | head -20 >&2 || true
    status=1
  fi
done
exit $status
