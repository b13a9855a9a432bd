#!/usr/bin/env bash
# `make fuzz`: fuzzes every decoder of outside input with clang's libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer. Installs clang and its libFuzzer runtime
# from Debian's packages if missing (here, not in deps.sh: `make test` does not need clang),
# builds tests/fuzz/*_fuzz.cpp into build-fuzz/, and runs each for FUZZ_SECONDS on a copy of
# its corpus (new inputs stay out of the repository). Fails if any fuzzer finds a crash, a
# hang, a leak or a sanitizer report; the input is kept in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
CLANG_VERSION=14

# libclang-rt-14-dev holds libclang_rt.fuzzer (and the sanitizers' runtimes) on Debian 12.
./scripts/install-packages.sh fuzz "clang-$CLANG_VERSION" "libclang-rt-$CLANG_VERSION-dev" \
  cmake libsimdjson-dev libboost-dev

cmake -S . -B "$BUILD_DIR" -DTOKENFLOW_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="clang++-$CLANG_VERSION" > /dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"

artifacts="$BUILD_DIR/artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for source in tests/fuzz/*_fuzz.cpp; do
  fuzzer=$(basename "$source" .cpp)
  name=${fuzzer%_fuzz}
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$name"/* "$work/$name"/
  log="$BUILD_DIR/$name.log"
  echo "fuzz: $name for ${FUZZ_SECONDS}s ($(ls "$work/$name" | wc -l) seeds; log $log)"
  # -timeout: 5 s on one input is a hang for a decoder of one message (they take microseconds).
  if "$BUILD_DIR/tests/fuzz/$fuzzer" "$work/$name" -max_total_time="$FUZZ_SECONDS" \
       -timeout=5 -dict=tests/fuzz/json.dict -artifact_prefix="$artifacts/$name-" \
       -print_final_stats=1 > "$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$log" | tr '\n' ' ' | \
      sed 's/^/fuzz:   /'; echo
  else
    failed+=("$name")
    echo "fuzz: $name FAILED; the report:"
    grep -E -A25 'ERROR:|runtime error:|deadly signal|Test unit written' "$log" | head -60
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${failed[*]} found inputs that break their promise (in $artifacts/)."
  echo "fuzz: fix the decoder, then copy the input into tests/fuzz/corpus/<name>/ (tests/fuzz/README.md)."
  exit 1
fi
echo "fuzz: every fuzzer ran ${FUZZ_SECONDS}s without a finding"
