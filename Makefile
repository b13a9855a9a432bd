# tokenflow: the two commands a new user runs are `make up` and `make test`.
# Everything is installed from Debian's packages by scripts/deps.sh (idempotent).

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=
FUZZ_SECONDS   ?= 60

.PHONY: all deps build build-asan up test test-unit bench fuzz clean help

all: build

help:
	@echo "make up         install dependencies, build, run the whole pipeline on the embedded cluster"
	@echo "make test       install, build (normal and ASan+UBSan, the benchmarks compiled), run every test"
	@echo "make bench      run the benchmarks and print their tables"
	@echo "make fuzz       fuzz every decoder of outside input for FUZZ_SECONDS (60) each, with clang's libFuzzer"
	@echo "make deps       install the Debian packages the build and tests need"
	@echo "make build      build into $(BUILD_DIR)/ (binary: $(BUILD_DIR)/tokenflow)"

deps:
	@./scripts/deps.sh

# The benchmarks are built by `make bench` only: they take a third of the build's time and
# nothing in `make test` runs them.
build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOKENFLOW_BENCHMARKS=OFF $(CMAKE_FLAGS) > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DTOKENFLOW_SANITIZE=ON -DTOKENFLOW_BENCHMARKS=OFF $(CMAKE_FLAGS) > /dev/null
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

# The whole pipeline in one process: embedded Kafka cluster, simulator, sink (SQLite unless
# DATABASE_URL names a PostgreSQL server). Ctrl-C stops it and prints a summary.
up: build
	./$(BUILD_DIR)/tokenflow up

# Every test, in the normal build and under AddressSanitizer + UndefinedBehaviorSanitizer.
# The integration tests start their own PostgreSQL and embedded Kafka cluster. The benchmarks
# are compiled too (not run): nothing else would notice one that no longer builds.
test: build build-asan
	cmake -S . -B $(BUILD_DIR) -DTOKENFLOW_BENCHMARKS=ON > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	./scripts/run-tests.sh $(BUILD_DIR)
	./scripts/run-tests.sh $(ASAN_BUILD_DIR)

test-unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure -j $(JOBS)

bench: build
	cmake -S . -B $(BUILD_DIR) -DTOKENFLOW_BENCHMARKS=ON > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	./scripts/run-benchmarks.sh $(BUILD_DIR)

# Every fuzzer of tests/fuzz/ for FUZZ_SECONDS, built with clang (installed if missing) into
# build-fuzz/; fails on any finding (tests/fuzz/README.md).
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) ./scripts/fuzz.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
