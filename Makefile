# tpmrun — declarative TPM 2.0 scenario runner
#   make            build ./tpmrun
#   make deps       install the Debian packages that are missing
#   make run        deps + build + run every scenario on private swtpms
#   make check      deps + build + the pytest suite
#   make SAN=1 ...  the same with ASan + UBSan (separate build directory)
#   make fuzz       the loader and checker under libFuzzer (clang, ASan + UBSan), FUZZ_SECONDS=30
#   make fuzz-coverage  line coverage of engine/ by the fuzz corpus (llvm-cov)
#   make bench      time, memory and the speed goals per example scenario (PYTSS_EXAMPLES=DIR)
#   make install    PREFIX=/usr/local DESTDIR=   (make uninstall)
#   make man        regenerate man/tpmrun-steps.7 (like make schema)
#   make schema-lines  the yaml-language-server line atop scenario files lacking it
#   make package    a Debian package in build/package/ (make package-check: and run it)

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
DATADIR  = $(PREFIX)/share/tpmrun
DOCDIR   = $(PREFIX)/share/doc/tpmrun
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
# the one place the version is written: engine/main.c (debian/changelog agrees)
VERSION := $(shell sed -n 's/^\#define TPMRUN_VERSION "\(.*\)"$$/\1/p' engine/main.c)
PYTHON  ?= /usr/bin/python3
PKGS     = tss2-esys tss2-fapi tss2-mu tss2-rc tss2-tctildr libcrypto yaml-0.1 jansson
DEB_PKGS = build-essential pkg-config libtss2-dev libssl-dev libyaml-dev libjansson-dev \
           swtpm swtpm-tools tpm2-tools tpm2-openssl openssl strace valgrind chromium \
           python3-pytest python3-pytest-xdist python3-jsonschema python3-yaml python3-tpm2-pytss clang llvm
# the man pages' check (man), the Debian package (make package, package-check)
DEB_PKGS += man-db debhelper lintian

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers -Iengine -I.
# each object lists the headers it included (build/*/**.d): touching one header
# rebuilds only the objects that include it
DEPFLAGS = -MMD -MP
ifeq ($(SAN),1)
BUILD   := build/san
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BIN     := $(BUILD)/tpmrun
# full stacks, so tests/lsan.supp can name the FAPI functions that leak
SAN_ENV  = ASAN_OPTIONS=fast_unwind_on_malloc=0 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp)
else ifeq ($(FUZZ),cov)
# the same target built for llvm-cov (no sanitizers): what the corpus reaches
CC      := clang
BUILD   := build/fuzzcov
CFLAGS  += -O1 -fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping
LDFLAGS += -fsanitize=fuzzer -fprofile-instr-generate
BIN     := $(BUILD)/tpmrun
else ifeq ($(FUZZ),1)
# libFuzzer: every object instrumented, the fuzzer's main linked in at the end
CC      := clang
BUILD   := build/fuzz
CFLAGS  += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=fuzzer,address,undefined
BIN     := $(BUILD)/tpmrun
else
BUILD   := build/rel
BIN     := tpmrun
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libtss2-fapi is not linked: engine/run/fapi_lazy.c loads it when a
# scenario uses FAPI (it pulls in some forty libraries every run would pay for)
PKG_LIBS   = $(shell pkg-config --libs $(filter-out tss2-fapi,$(PKGS)) 2>/dev/null) -ldl
# results and reports name the tpm2-tss tpmrun was built with
TSS_VERSION = $(shell pkg-config --modversion tss2-esys 2>/dev/null)

# engine/ layers (base, tpm, load, run, report; main.c on top) and steps/ families
ENGINE_SRC = $(wildcard engine/*.c engine/*/*.c)
STEPS_SRC  = $(wildcard steps/*.c)
OBJS = $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(STEPS_SRC))
LIB_OBJS = $(filter-out $(BUILD)/engine/main.o,$(OBJS))

UNIT_SRC  = $(wildcard tests/unit/*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
BENCH_SRC  = $(wildcard tests/bench/*.c)
BENCH_BINS = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all deps run check unit install uninstall clean schema schema-lines man docs bench valgrind package package-check fuzz fuzz-coverage
all: $(BIN)

# V=1 shows the full commands
Q = $(if $(V),,@)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/engine/main.o: CFLAGS += -DTPMRUN_TSS_VERSION='"$(TSS_VERSION)"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) -lm

$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) -lm

unit: $(UNIT_BINS)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(BENCH_BINS:=.d)

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

run: deps
	$(MAKE) $(BIN)
	./$(BIN) --results results scenarios

# the test files spread over one worker per CPU (pytest-xdist), each file's
# tests on one worker (their module fixtures run once)
PYTEST_FLAGS ?= -n auto --dist loadfile --durations=10
check: deps
	$(MAKE) $(BIN) unit
	TPMRUN=$(abspath $(BIN)) TPMRUN_BUILD_DIR=$(abspath $(BUILD)) TPMRUN_UNIT_DIR=$(abspath $(BUILD)/unit) $(SAN_ENV) $(PYTHON) -m pytest -q $(PYTEST_FLAGS) tests

# Where the time goes (tests/bench/bench.py): per example scenario the whole
# run (-j 1) split into TPM, engine, programs and start-up, the scenario
# process's peak memory, the tpm2-pytss scripts of PYTSS_EXAMPLES=DIR in turns
# with tpmrun, -j 1 against -j 2, and the goals; then what the TPM proxy costs
# per command.  BENCH_ARGS=... goes to bench.py (-n 3, -k PATTERN, --no-scaling).
PYTSS_EXAMPLES ?=
BENCH_ARGS ?=
bench: $(BIN) $(BENCH_BINS)
	$(PYTHON) tests/bench/bench.py --tpmrun ./$(BIN) $(if $(PYTSS_EXAMPLES),--pytss $(PYTSS_EXAMPLES)) $(BENCH_ARGS)
	$(BUILD)/bench/bench_proxy
	$(PYTHON) tests/bench/loader_scale.py ./$(BIN)

# Every scenario under valgrind (memcheck; definite leaks and memory errors fail).
valgrind: $(BIN)
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	  --suppressions=tests/valgrind.supp ./$(BIN) --results build/valgrind-results -j 2 scenarios

# The loader and checker under libFuzzer: FUZZ_SECONDS from the seeds in
# tests/fuzz/corpus (new inputs go to build/fuzz/corpus, not the repository).
FUZZ_SECONDS ?= 30
fuzz:
	$(MAKE) FUZZ=1 build/fuzz/fuzz_load
	@mkdir -p build/fuzz/corpus
	ASAN_OPTIONS=detect_leaks=1 build/fuzz/fuzz_load -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build/fuzz/ build/fuzz/corpus tests/fuzz/corpus

# Runs the seeds and what `make fuzz` found once each, then a table per file.
fuzz-coverage:
	$(MAKE) FUZZ=cov build/fuzzcov/fuzz_load
	@mkdir -p build/fuzz/corpus
	rm -f build/fuzzcov/*.profraw
	LLVM_PROFILE_FILE=build/fuzzcov/fuzz.profraw build/fuzzcov/fuzz_load -runs=0 build/fuzz/corpus tests/fuzz/corpus
	llvm-profdata merge -o build/fuzzcov/fuzz.profdata build/fuzzcov/fuzz.profraw
	llvm-cov report build/fuzzcov/fuzz_load -instr-profile=build/fuzzcov/fuzz.profdata \
	  engine/load engine/base/node.c engine/base/confine.c engine/tpm/policy_node.c engine/tpm/policy_json.c

build/fuzz/fuzz_load build/fuzzcov/fuzz_load: tests/fuzz/fuzz_load.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CC+LD   $@"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) -lm

schema: $(BIN)
	./$(BIN) --schema > schemas/scenario.schema.json

docs: $(BIN)
	./$(BIN) --list-steps --markdown > docs/steps.md

man: $(BIN)
	./$(BIN) --list-steps --man > man/tpmrun-steps.7

# Gives every YAML scenario that lacks it the first line the YAML language
# server reads (editors: hover help, completion, errors as you type).
schema-lines:
	@find scenarios -name '*.yaml' -o -name '*.yml' | while read -r f; do \
	  head -n 1 "$$f" | grep -q '^# yaml-language-server: ' && continue; \
	  rel=$$(realpath -m --relative-to="$$(dirname "$$f")" schemas/scenario.schema.json); \
	  sed -i "1i # yaml-language-server: \$$schema=$$rel" "$$f" && echo "  $$f"; done

# The binary, man pages, bash completion, schemas, docs, and scenarios/ as
# examples (with the files they read); docs/.../schemas points at the schemas
# so that the examples' yaml-language-server lines still resolve.
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/tpmrun
	install -D -m 0644 man/tpmrun.1 $(DESTDIR)$(MANDIR)/man1/tpmrun.1
	install -D -m 0644 man/tpmrun-scenario.5 $(DESTDIR)$(MANDIR)/man5/tpmrun-scenario.5
	install -D -m 0644 man/tpmrun-steps.7 $(DESTDIR)$(MANDIR)/man7/tpmrun-steps.7
	install -D -m 0644 completion/tpmrun.bash $(DESTDIR)$(BASHCOMPDIR)/tpmrun
	install -D -m 0644 -t $(DESTDIR)$(DATADIR) schemas/scenario.schema.json schemas/results.schema.json
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR) README.md docs/*.md
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/ci docs/ci/*.yml
	cd scenarios && find . -type f | while read -r f; do \
	  install -D -m 0644 "$$f" "$(DESTDIR)$(DOCDIR)/examples/$$f" || exit 1; done
	ln -sfn $$(realpath -m --relative-to=$(DOCDIR) $(DATADIR)) $(DESTDIR)$(DOCDIR)/schemas

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tpmrun $(DESTDIR)$(BASHCOMPDIR)/tpmrun
	rm -f $(DESTDIR)$(MANDIR)/man1/tpmrun.1 $(DESTDIR)$(MANDIR)/man5/tpmrun-scenario.5 $(DESTDIR)$(MANDIR)/man7/tpmrun-steps.7
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

# The Debian package, built from a copy of the tree (dpkg-buildpackage writes
# to the parent directory): $(PKG_DIR)/tpmrun_<version>_<arch>.deb.
PKG_DIR ?= build/package
package:
	rm -rf $(PKG_DIR) && mkdir -p $(PKG_DIR)/src
	git ls-files -z --cached --others --exclude-standard | \
	  tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(PKG_DIR)/src
	cd $(PKG_DIR)/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(PKG_DIR)/tpmrun_$(VERSION)_*.deb

# Builds the package, unpacks it and runs the unpacked tpmrun on an example.
package-check:
	$(PYTHON) -m pytest -q -m slow tests/test_distribution.py

clean:
	rm -rf build tpmrun
