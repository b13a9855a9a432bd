#!/usr/bin/env bash
# Runs every test of one build directory with ctest: the unit tests in parallel, then the
# integration tests three at a time (each starts its own PostgreSQL and embedded Kafka cluster
# on free loopback ports and stops them when it ends; most of their time is spent waiting
# for paced producers and group joins (the embedded coordinator waits 3 s before a first
# join), so three share two cores well).
set -euo pipefail
build_dir=${1:-build}
cd "$build_dir"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "== tests of $build_dir =="
ctest --output-on-failure --timeout 900 -j "$(nproc)" -L unit
ctest --output-on-failure --timeout 900 -j "${TOKENFLOW_INTEGRATION_JOBS:-3}" -L integration
