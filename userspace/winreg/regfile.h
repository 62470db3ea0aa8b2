/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text format of regedit exports (.reg): a reader that turns a file
 * into keys and typed values, and a writer.  Only the syntax lives here;
 * what the IPsec keys mean is winreg.c's business.
 *
 * Strings are UTF-8 once read, whatever the file's encoding (UTF-16LE with
 * BOM for version 5, the ANSI code page for REGEDIT4, taken as UTF-8 when it
 * is valid UTF-8 and as Latin-1 otherwise).
 */
#ifndef NETSH_IPSEC_REGFILE_H
#define NETSH_IPSEC_REGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Registry value types as Windows numbers them. */
#define NS_REG_SZ	 1u
#define NS_REG_EXPAND_SZ 2u
#define NS_REG_BINARY	 3u
#define NS_REG_DWORD	 4u
#define NS_REG_MULTI_SZ	 7u

struct ns_reg_value {
	char *name;    /* "" for the default value (@) */
	uint32_t type; /* NS_REG_*, or any other number for hex(N) */
	bool deleted;  /* "name"=- */
	char *str;     /* SZ, EXPAND_SZ: UTF-8 */
	char **strs;   /* MULTI_SZ: UTF-8 strings */
	size_t n_strs;
	uint32_t dword; /* DWORD */
	uint8_t *data;	/* BINARY and unknown types: raw bytes */
	size_t len;
	size_t line; /* 1-based line of the value in the file */
};

struct ns_reg_key {
	char *path;   /* as written, without the brackets */
	bool deleted; /* [-path] */
	struct ns_reg_value *values;
	size_t n_values;
	size_t line;
};

struct ns_reg_file {
	int version; /* 4 (REGEDIT4) or 5 */
	bool utf16;  /* the file was UTF-16LE */
	struct ns_reg_key *keys;
	size_t n_keys;
};

/* "REGEDIT4" or "Windows Registry Editor Version 5.00" at the start, in
 * UTF-16LE (with or without BOM) or UTF-8 (with or without BOM). */
bool ns_reg_detect(const uint8_t *buf, size_t len);

/* Strict on syntax: on error f is left empty and err names the line. */
int ns_reg_parse(const uint8_t *buf, size_t len, struct ns_reg_file *f, char *err, size_t errlen);
void ns_reg_file_free(struct ns_reg_file *f);

/* Look-ups, names case-insensitive as in the registry. */
const struct ns_reg_value *ns_reg_key_value(const struct ns_reg_key *k, const char *name);

/* UTF-16LE <-> UTF-8.  Invalid sequences become U+FFFD.  The result is
 * NUL terminated; NULL only when out of memory. */
char *ns_utf16le_to_utf8(const uint8_t *in, size_t len, size_t *outlen);
/* Returns the byte length (no terminator) in *outlen. */
uint8_t *ns_utf8_to_utf16le(const char *in, size_t *outlen);

/* Writer: collects UTF-8 text, converts once at the end. */
struct ns_reg_writer {
	char *buf;
	size_t len, cap;
	bool regedit4; /* REGEDIT4 text instead of version 5 UTF-16LE */
	bool oom;
};

void ns_regw_init(struct ns_reg_writer *w, bool regedit4);
void ns_regw_key(struct ns_reg_writer *w, const char *path);
void ns_regw_sz(struct ns_reg_writer *w, const char *name, const char *val);
void ns_regw_dword(struct ns_reg_writer *w, const char *name, uint32_t val);
void ns_regw_binary(struct ns_reg_writer *w, const char *name, const uint8_t *data, size_t len);
void ns_regw_multi_sz(struct ns_reg_writer *w, const char *name, const char *const *strs, size_t n);
/* Writes the file and frees the writer. */
int ns_regw_finish(struct ns_reg_writer *w, FILE *out, char *err, size_t errlen);
void ns_regw_free(struct ns_reg_writer *w);

#endif
