#!/usr/bin/env bash
# Runs every benchmark of one build directory in order and prints their tables (BENCHMARKS.md:
# each figure beside a reference measured in the same run, each answer checked first).
#
#   scripts/run-benchmarks.sh [BUILD_DIR]
#
# TOKENFLOW_BENCH_ROWS overrides the rows of the sink benchmark (default 1,000,000, which takes
# a few minutes on a 2-core machine); progress lines go to stderr, tables to stdout.
# seed_consumers_bench runs the Python consumers of bench/seed_consumers/ with Debian's
# /usr/bin/python3 (python3-kafka and python3-psycopg2, from scripts/deps.sh).
set -euo pipefail
build_dir=${1:-build}
rows=${TOKENFLOW_BENCH_ROWS:-1000000}

run() {
  local name=$1
  shift
  local binary="$build_dir/$name"
  if [[ ! -x "$binary" ]]; then
    echo "run-benchmarks: $binary is missing; build it first (make build)" >&2
    exit 1
  fi
  echo
  echo "== $name $* =="
  "$binary" "$@"
}

run decode_bench
run producer_bench
run sink_bench --rows "$rows"
run latency_bench
run stats_bench
# The README's comparison with the Python scripts: their consumers beside tokenflow's sink.
run seed_consumers_bench
# Any other benchmark of the build (e.g. copy_limit_bench), with its own defaults.
for binary in "$build_dir"/*_bench; do
  name=$(basename "$binary")
  case $name in
    decode_bench | producer_bench | sink_bench | latency_bench | stats_bench | seed_consumers_bench) ;;
    *)
      if [[ -x "$binary" ]]; then
        run "$name"
      fi
      ;;
  esac
done
