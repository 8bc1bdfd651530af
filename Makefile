# SPDX-License-Identifier: ISC
# sfpipe: one static library, one program per bin/*.c, tests run by `make check`.
# Modules and programs are found by wildcard, so adding lib/foo.c or bin/bar.c
# needs no edit here.

# One version, in one place: the file VERSION.  Built from a git checkout, the
# programs say which revision too ("0.2.0 (git abc1234)"); a tarball has no .git.
VERSION  := $(shell cat VERSION)
GITREV   := $(shell [ -e .git ] && git rev-parse --short HEAD 2>/dev/null)
FULLVERSION = $(VERSION)$(if $(GITREV), (git $(GITREV)))

PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
LIBDIR        ?= $(PREFIX)/lib
MANPREFIX     ?= $(PREFIX)/share/man
COMPDIR       ?= $(PREFIX)/share/bash-completion/completions
DOCDIR        ?= $(PREFIX)/share/doc/sfpipe
SYSCONFDIR    ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
LOCALSTATEDIR ?= $(if $(filter /usr,$(PREFIX)),/var,$(PREFIX)/var)
UNITDIR       ?= $(LIBDIR)/systemd/system
DESTDIR       ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=

# Debian packages the build, the tests and the demo need; `make deps` installs
# whichever are missing.
DEBS = build-essential pkg-config libcurl4-openssl-dev libcjson-dev libsodium-dev \
       libssl-dev libsqlite3-dev libhiredis-dev check mandoc python3 openssl curl \
       redis-server redis-tools jq sqlite3 tzdata libmicrohttpd-dev clang llvm libclang-rt-14-dev valgrind strace

# What tests/package.sh (the Debian package's test, run by .ci/run) needs besides.
PACKAGE_DEBS = debhelper dpkg-dev lintian fakeroot adduser

PKGS = libcurl libcjson libsodium openssl sqlite3 hiredis libmicrohttpd
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
ALLCFLAGS = $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(PKGCF) -Ilib -MMD -MP
ALLLDFLAGS = $(LDFLAGS) $(SANFLAGS)

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = lib/libsfpipe.a
PROG_SRC = $(wildcard bin/*.c)
PROGS    = $(PROG_SRC:.c=)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/testutil.o
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

# The version is compiled into one object; build/<mode>/version remembers the
# string it was built with, so a new commit rebuilds lib/version.o alone.
$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(FULLVERSION)" ] || echo "$(FULLVERSION)" > $@

$(BUILD)/lib/version.o: lib/version.c $(BUILD)/version
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -DSFP_VERSION_STRING='"$(FULLVERSION)"' -c -o $@ $<

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

# The suites include tests/unit/testutil.h, which declares them from suites.h.
$(UNIT_OBJ): $(BUILD)/tests/unit/suites.h
$(UNIT_OBJ): CHECKCF += -I$(BUILD)/tests/unit

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

# Build the Debian package and install, upgrade and purge it here (root; CI).
package: deps
	@sh tests/deps.sh $(PACKAGE_DEBS)
	@bash tests/package.sh

bench: deps all
	@sh tests/bench/run-all

fuzz:
	@sh tests/fuzz/run $(FUZZ_SECONDS)

lint:
	@sh tests/lint.sh

# Paths in the example files and units follow the directories given here.
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@LOCALSTATEDIR@|$(LOCALSTATEDIR)|g'
UNITS = $(wildcard examples/systemd/*.service examples/systemd/*.timer)
# Example configuration under SYSCONFDIR/sfpipe: *.example files only, and an
# existing one is never overwritten (it may be the operator's edited copy).
CONF_EXAMPLES = env org.json mapping.json

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man7 $(DESTDIR)$(COMPDIR) \
	    $(DESTDIR)$(LIBDIR)/sfpipe $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(SYSCONFDIR)/sfpipe
	for p in $(PROGS); do install -m 755 $$p $(DESTDIR)$(BINDIR)/; done
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANPREFIX)/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(MANPREFIX)/man7/
	for p in $(PROGS); do install -m 644 examples/completion.bash $(DESTDIR)$(COMPDIR)/$${p#bin/}; done
	sed -e '1s|^#!/usr/bin/env bash|#!/bin/bash|' examples/pipeline.sh > $(DESTDIR)$(LIBDIR)/sfpipe/pipeline
	chmod 755 $(DESTDIR)$(LIBDIR)/sfpipe/pipeline
	install -m 755 examples/provision-receive.sh $(DESTDIR)$(LIBDIR)/sfpipe/provision-receive
	for u in $(UNITS); do $(SUBST) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	$(SUBST) examples/crontab > $(DESTDIR)$(DOCDIR)/examples/crontab
	for f in booking.json bookings.jsonl describe.json keyring.json mapping.json org.json \
	    provision.json provision-request.json provision-send.sh; do \
	    install -m 644 examples/$$f $(DESTDIR)$(DOCDIR)/examples/; done
	install -m 644 README.md NEWS $(DESTDIR)$(DOCDIR)/
	for f in $(CONF_EXAMPLES); do t=$(DESTDIR)$(SYSCONFDIR)/sfpipe/$$f.example; \
	    [ -e $$t ] || { $(SUBST) examples/$$f > $$t && chmod 644 $$t; }; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/} $(DESTDIR)$(COMPDIR)/$${p#bin/}; done
	for m in $(MANS); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/} $(DESTDIR)$(MANPREFIX)/man7/$${m#man/}; done
	rm -f $(DESTDIR)$(LIBDIR)/sfpipe/pipeline $(DESTDIR)$(LIBDIR)/sfpipe/provision-receive
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	rm -rf $(DESTDIR)$(DOCDIR)
	# An example the operator has edited is theirs: only unchanged ones go.
	for f in $(CONF_EXAMPLES); do t=$(DESTDIR)$(SYSCONFDIR)/sfpipe/$$f.example; \
	    $(SUBST) examples/$$f | cmp -s - $$t && rm -f $$t; done; true
	-rmdir $(DESTDIR)$(LIBDIR)/sfpipe $(DESTDIR)$(SYSCONFDIR)/sfpipe 2>/dev/null

# A reproducible source tarball of the committed tree: git archive stamps each
# file with the commit's time, gzip -n leaves out its own name and time.
dist:
	git archive --format=tar --prefix=sfpipe-$(VERSION)/ HEAD | gzip -n -9 > sfpipe-$(VERSION).tar.gz
	@echo sfpipe-$(VERSION).tar.gz

clean:
	rm -rf build $(LIB) $(PROGS)

FORCE:
.PHONY: all check unit demo bench fuzz lint install uninstall dist package clean deps FORCE
.PRECIOUS: $(BUILD)/%.o

-include $(shell find build -name '*.d' 2>/dev/null)
