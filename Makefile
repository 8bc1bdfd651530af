# SPDX-License-Identifier: ISC
# sfpipe: one static library, one program per bin/*.c, tests run by `make check`.
# Modules and programs are found by wildcard, so adding lib/foo.c or bin/bar.c
# needs no edit here.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man
COMPDIR   ?= $(PREFIX)/share/bash-completion/completions
DESTDIR   ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# Debian packages the build, the tests and the demo need; `make deps` installs
# whichever are missing.
DEBS = build-essential pkg-config libcurl4-openssl-dev libcjson-dev libsodium-dev \
       libssl-dev libsqlite3-dev libhiredis-dev check mandoc python3 openssl curl \
       redis-server redis-tools jq sqlite3 tzdata clang llvm libclang-rt-14-dev valgrind strace

PKGS = libcurl libcjson libsodium openssl sqlite3 hiredis
WARN = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
       -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Werror

ifeq ($(SANITIZE),1)
MODE     = san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
MODE     = rel
SANFLAGS =
endif

BUILD   = build/$(MODE)
PKGCF  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIB := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECKCF  := $(shell pkg-config --cflags check 2>/dev/null)
CHECKLIB := $(shell pkg-config --libs check 2>/dev/null)
ALLCFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) $(PKGCF) -Ilib -MMD -MP
ALLLDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = lib/libsfpipe.a
PROG_SRC = $(wildcard bin/*.c)
PROGS    = $(PROG_SRC:.c=)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT     = $(BUILD)/tests/unit/runner
MANS     = $(wildcard man/*.1 man/*.7)

all: $(PROGS)

# The programs and lib/libsfpipe.a sit outside build/<mode>, so switching between
# SANITIZE=1 and a plain build must rebuild them: build/mode remembers the last.
build/mode: FORCE
	@mkdir -p build
	@[ "$$(cat $@ 2>/dev/null)" = "$(MODE)" ] || echo $(MODE) > $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(CHECKCF) -c -o $@ $<

$(LIB): $(LIB_OBJ) build/mode
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

bin/%: $(BUILD)/bin/%.o $(LIB) build/mode
	$(CC) $(ALLLDFLAGS) -o $@ $< $(LIB) $(PKGLIB)

# One Check runner for every tests/unit/check_<module>.c: each exports
# Suite *suite_<module>(void); the list is generated from the file names.
$(BUILD)/tests/unit/suites.h: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(patsubst tests/unit/check_%.c,'SUITE(%)',$(UNIT_SRC)) > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/tests/unit/runner.o: tests/unit/runner.c $(BUILD)/tests/unit/suites.h
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(CHECKCF) -I$(BUILD)/tests/unit -c -o $@ $<

$(UNIT): $(BUILD)/tests/unit/runner.o $(UNIT_OBJ) $(LIB)
	$(CC) $(ALLLDFLAGS) -o $@ $(BUILD)/tests/unit/runner.o $(UNIT_OBJ) $(LIB) $(PKGLIB) $(CHECKLIB)

deps:
	@sh tests/deps.sh $(DEBS)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT)
	@SFP_UNIT=$(UNIT) SANITIZE=$(SANITIZE) sh tests/run-all

unit: all $(UNIT)
	$(UNIT)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash examples/demo.sh

bench: deps all
	@sh tests/bench/run-all

fuzz:
	@sh tests/fuzz/run $(FUZZ_SECONDS)

lint:
	@sh tests/lint.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7 $(DESTDIR)$(COMPDIR)
	for p in $(PROGS); do cp -f $$p $(DESTDIR)$(BINDIR)/ && chmod 755 $(DESTDIR)$(BINDIR)/$${p#bin/}; done
	for m in $(wildcard man/*.1); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man1/ && chmod 644 $(DESTDIR)$(MANPREFIX)/man1/$${m#man/}; done
	for m in $(wildcard man/*.7); do cp -f $$m $(DESTDIR)$(MANPREFIX)/man7/ && chmod 644 $(DESTDIR)$(MANPREFIX)/man7/$${m#man/}; done
	if [ -f examples/completion.bash ]; then for p in $(PROGS); do cp -f examples/completion.bash $(DESTDIR)$(COMPDIR)/$${p#bin/}; done; fi

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/} $(DESTDIR)$(COMPDIR)/$${p#bin/}; done
	for m in $(MANS); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/} $(DESTDIR)$(MANPREFIX)/man7/$${m#man/}; done

clean:
	rm -rf build $(LIB) $(PROGS)

FORCE:
.PHONY: all check unit demo bench fuzz lint install uninstall clean deps FORCE
.PRECIOUS: $(BUILD)/%.o

-include $(shell find build -name '*.d' 2>/dev/null)
