# The two commands of the README, and the steps they are made of.
#   make demo   install what is missing, build, run the product on the bundled emulator
#   make test   both builds (gcc -Werror; clang with ASan+UBSan), every test, formatting
JOBS ?= $(shell nproc)
GCC_DIR := build/gcc
ASAN_DIR := build/asan
FUZZ_DIR := build/fuzz
CTEST := ctest --output-on-failure --no-tests=error -j$(JOBS)
SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find lib agent tests -name '*.[ch]')

.PHONY: all deps build build-gcc build-asan test test-gcc test-asan format format-check \
	demo bench fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: build-gcc

build-gcc: deps
	cmake -S . -B $(GCC_DIR) -DDW_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(GCC_DIR) -j$(JOBS)

build-asan: deps
	CC=clang cmake -S . -B $(ASAN_DIR) -DDW_WERROR=ON -DDW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_DIR) -j$(JOBS)

test-gcc: build-gcc
	cd $(GCC_DIR) && $(CTEST)

test-asan: build-asan
	cd $(ASAN_DIR) && $(CTEST)

format-check: deps
	@clang-format --version | grep -q 'version 14' || { echo "clang-format 14 needed"; exit 1; }
	clang-format --dry-run -Werror $(SOURCES)
	@echo "format: ok"

format:
	clang-format -i $(SOURCES)

test: test-gcc test-asan format-check

demo: build-gcc
	bash scripts/demo.sh $(GCC_DIR)/agent/driftward

bench: build-gcc
	bash tests/bench/run-all.sh $(GCC_DIR)

# make fuzz [FUZZ_SECONDS=600]: each libFuzzer target in turn, new coverage merged into its corpus
FUZZ_SECONDS ?= 600
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz: deps
	for t in $(FUZZ_TARGETS); do BUILD_DIR=$(FUZZ_DIR) bash tests/fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; done

clean:
	rm -rf build
