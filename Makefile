# SPDX-License-Identifier: GPL-2.0
#
# netsh-ipsec.  Plain make, no autotools.
#
#   make                 build/bin/netsh, build/bin/ipsec-apply
#   make check           every test tier (installs what it needs)
#   make demo            the two-host UML demonstration
#   make deps            install the Debian packages the build and tests need
#   make install         PREFIX=/usr/local DESTDIR=
#   make lint            cppcheck + clang-tidy
#   make fuzz FUZZ_SECONDS=N   run every libFuzzer target for N seconds each
#   make bench           tests/bench, figures only
#
# Build variants live side by side: build/rel (the programs), build/san
# (ASan+UBSan, used by the unit and CLI tiers), build/fuzz (clang, libFuzzer).

VARIANT ?= rel
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system

include Kbuild

O := build/$(VARIANT)
BPFO := build/bpf

ifeq ($(VARIANT),fuzz)
CC := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
OPTFLAGS := -O1 -g
else ifeq ($(VARIANT),san)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPTFLAGS := -O1 -g
else
SANFLAGS :=
OPTFLAGS := -O2 -g
endif

WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Iuserspace -I$(BPFO) -MMD -MP
CFLAGS += -std=c11 $(OPTFLAGS) $(WARNFLAGS) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS += -lsqlite3 -lmnl -lnftnl -lbpf -lelf -lz -ledit -lpthread

LIBS := libnetsh libcli libapply libvici libwinreg
lib-objs = $(addprefix $(O)/,$($(1)-y))
LIBARS := $(foreach l,$(LIBS),$(O)/$(l).a)
ALLOBJS := $(foreach l,$(LIBS),$(call lib-objs,$(l)))

BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BPFO)/%.bpf.o,$(filter %.bpf.c,$(patsubst %.o,%.c,$(bpf-y))))
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h)

PROGS := $(addprefix $(O)/bin/,$(progs-y))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/tests/fuzz/%,$(FUZZ_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(O)/tests/bench/%,$(BENCH_SRCS))

.SECONDARY:

.PHONY: all deps need-deps check demo install lint fuzz fuzzers bench clean \
	unit-bins san rel format

all: need-deps $(PROGS)
ifeq ($(VARIANT),rel)
	@mkdir -p build/bin
	@for p in $(progs-y); do ln -sf ../rel/bin/$$p build/bin/$$p; done
endif

deps:
	scripts/deps.sh --install

need-deps:
	@scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh --install

# ---- objects ------------------------------------------------------------

$(O)/%.o: %.c | $(BPF_SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

define make-lib
$(O)/$(1).a: $(call lib-objs,$(1)) $(O)/empty.o
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LIBS),$(eval $(call make-lib,$(l))))

$(O)/empty.o:
	@mkdir -p $(dir $@)
	echo 'typedef int ns_empty_unit;' | $(CC) -x c -c - -o $@

LINK_LIBS = -Wl,--start-group $(LIBARS) -Wl,--end-group

$(O)/bin/%: $(O)/userspace/%/main.o $(LIBARS) $(O)/empty.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

# ipsec-apply's main lives in userspace/apply/.
$(O)/bin/ipsec-apply: $(O)/userspace/apply/main.o $(LIBARS) $(O)/empty.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

# ---- eBPF ---------------------------------------------------------------

BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -D__TARGET_ARCH_x86 \
	-I/usr/include/$(shell uname -m)-linux-gnu -Iuserspace

$(BPFO)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(dir $@)
	clang $(BPF_CFLAGS) -c $< -o $@

$(BPFO)/%.skel.h: $(BPFO)/%.bpf.o
	bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

# ---- tests --------------------------------------------------------------

$(O)/tests/unit/%: tests/unit/%.c $(LIBARS) $(O)/empty.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS) -lcmocka

$(O)/tests/bench/%: tests/bench/%.c $(LIBARS) $(O)/empty.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

build/fuzz/tests/fuzz/%: tests/fuzz/%.c $(LIBARS) $(O)/empty.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LINK_LIBS) $(LDLIBS)

unit-bins: $(PROGS) $(UNIT_BINS) $(BENCH_BINS)

fuzzers: need-deps
	$(MAKE) VARIANT=fuzz $(FUZZ_BINS)

san: need-deps
	$(MAKE) VARIANT=san unit-bins

rel: need-deps
	$(MAKE) VARIANT=rel all unit-bins

FUZZ_SECONDS ?= 20

check: need-deps
	$(MAKE) VARIANT=rel all unit-bins
	$(MAKE) VARIANT=san unit-bins
	$(MAKE) VARIANT=fuzz $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-tests.sh

fuzz: fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-tests.sh fuzz

demo: need-deps
	$(MAKE) VARIANT=rel all
	scripts/demo.sh

bench: need-deps
	$(MAKE) VARIANT=rel all unit-bins
	scripts/run-bench.sh

# ---- install, lint ------------------------------------------------------

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 0755 build/rel/bin/netsh build/rel/bin/ipsec-apply $(DESTDIR)$(SBINDIR)/
	install -m 0644 Documentation/*.8 $(DESTDIR)$(MANDIR)/man8/
	for u in scripts/systemd/*.service; do \
		[ -e "$$u" ] || continue; \
		sed 's|@SBINDIR@|$(SBINDIR)|g' "$$u" > $(DESTDIR)$(UNITDIR)/$$(basename $$u); \
	done

# cppcheck, then clang-tidy (checks in .clang-tidy) on every userspace .c,
# two at a time; both must be silent.  clang-tidy prints its findings on
# stdout; its stderr only counts warnings it did not show.  The generated
# BPF skeleton is a system header to clang-tidy: that code is bpftool's.
# Exceptions, each for one file and one check (a known false positive, or
# a finding reported to the file's owner), are in the case below.
lint: $(BPF_SKELS)
	cppcheck -j2 --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem \
		-D_GNU_SOURCE '-DLIBBPF_OPTS(TYPE,NAME,...)=struct TYPE NAME = {__VA_ARGS__}' \
		-Iuserspace -I$(BPFO) userspace
	find userspace -name '*.c' | sort | xargs -P2 -I{} sh -c 'case {} in \
		userspace/apply/bpf_loader.c) off=-clang-analyzer-unix.Malloc ;; \
		*) off= ;; esac; \
		clang-tidy --quiet $${off:+--checks=$$off} {} -- \
			-std=c11 -D_GNU_SOURCE -Iuserspace -isystem $(BPFO) 2>/dev/null || \
		{ echo "clang-tidy: {}: findings above" >&2; exit 1; }'

format:
	clang-format -i $(shell find userspace bpf tests -name '*.[ch]')

clean:
	rm -rf build

-include $(ALLOBJS:.o=.d) $(O)/userspace/netsh/main.d $(O)/userspace/apply/main.d
