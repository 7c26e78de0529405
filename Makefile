# tpmrun — declarative TPM 2.0 scenario runner
#   make            build ./tpmrun
#   make deps       install the Debian packages that are missing
#   make run        deps + build + run every scenario on private swtpms
#   make check      deps + build + the pytest suite
#   make SAN=1 ...  the same with ASan + UBSan (separate build directory)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX  ?= /usr/local
DESTDIR ?=
PYTHON  ?= /usr/bin/python3
PKGS     = tss2-esys tss2-fapi tss2-mu tss2-rc tss2-tctildr libcrypto yaml-0.1 jansson
DEB_PKGS = build-essential pkg-config libtss2-dev libssl-dev libyaml-dev libjansson-dev \
           swtpm swtpm-tools tpm2-tools tpm2-openssl openssl strace valgrind \
           python3-pytest python3-jsonschema python3-yaml python3-tpm2-pytss

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
else
BUILD   := build/rel
BIN     := tpmrun
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# engine/ layers (base, tpm, load, run, report; main.c on top) and steps/ families
ENGINE_SRC = $(wildcard engine/*.c engine/*/*.c)
STEPS_SRC  = $(wildcard steps/*.c)
OBJS = $(patsubst %.c,$(BUILD)/%.o,$(ENGINE_SRC) $(STEPS_SRC))
LIB_OBJS = $(filter-out $(BUILD)/engine/main.o,$(OBJS))

UNIT_SRC  = $(wildcard tests/unit/*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
BENCH_SRC  = $(wildcard tests/bench/*.c)
BENCH_BINS = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all deps run check unit install clean schema docs bench valgrind
all: $(BIN)

# V=1 shows the full commands
Q = $(if $(V),,@)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(PKG_CFLAGS) -c -o $@ $<

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

check: deps
	$(MAKE) $(BIN) unit
	TPMRUN=$(abspath $(BIN)) TPMRUN_BUILD_DIR=$(abspath $(BUILD)) TPMRUN_UNIT_DIR=$(abspath $(BUILD)/unit) $(SAN_ENV) $(PYTHON) -m pytest -q tests

# Where the time goes: every scenario 5 times, one at a time, TPM vs engine per
# step type; then what the TPM proxy costs per command.
bench: $(BIN) $(BENCH_BINS)
	./$(BIN) --results build/bench-results --repeat 5 --timings scenarios
	$(BUILD)/bench/bench_proxy
	$(PYTHON) tests/bench/loader_scale.py ./$(BIN)

# Every scenario under valgrind (memcheck; definite leaks and memory errors fail).
valgrind: $(BIN)
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	  --suppressions=tests/valgrind.supp ./$(BIN) --results build/valgrind-results -j 2 scenarios

schema: $(BIN)
	./$(BIN) --schema > schemas/scenario.schema.json

docs: $(BIN)
	./$(BIN) --list-steps --markdown > docs/steps.md

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tpmrun
	install -D -m 0644 schemas/scenario.schema.json $(DESTDIR)$(PREFIX)/share/tpmrun/scenario.schema.json
	install -D -m 0644 schemas/results.schema.json $(DESTDIR)$(PREFIX)/share/tpmrun/results.schema.json

clean:
	rm -rf build tpmrun
