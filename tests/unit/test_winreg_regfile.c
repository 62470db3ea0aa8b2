// SPDX-License-Identifier: GPL-2.0
/* The .reg text reader and writer: encodings, continuation lines,
 * multi-strings, comments, line endings, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "winreg/regfile.h"

/* UTF-8 text -> UTF-16LE with BOM. */
static uint8_t *to_utf16(const char *s, size_t *n, bool bom)
{
	size_t l;
	uint8_t *u = ns_utf8_to_utf16le(s, &l);
	uint8_t *o = malloc(l + 2);

	assert_non_null(u);
	assert_non_null(o);
	if (bom) {
		o[0] = 0xFF;
		o[1] = 0xFE;
		memcpy(o + 2, u, l);
		*n = l + 2;
	} else {
		memcpy(o, u, l);
		*n = l;
	}
	free(u);
	return o;
}

static const char sample5[] = "Windows Registry Editor Version 5.00\r\n"
			      "\r\n"
			      "; a comment\r\n"
			      "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test]\r\n"
			      "\"Str\"=\"a \\\"quoted\\\" \\\\ back\"\r\n"
			      "@=\"default\"\r\n"
			      "\"Dw\"=dword:00000100\r\n"
			      "\"Bin\"=hex:01,02,03,\\\r\n"
			      "  04,05,\\\r\n"
			      "  ff\r\n"
			      "\r\n"
			      "   ; indented comment\r\n"
			      "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Test\\Sub]\r\n"
			      /* "ab" "c" as UTF-16LE multi-string */
			      "\"Multi\"=hex(7):61,00,62,00,00,00,63,00,00,00,00,00\r\n"
			      "\"Empty\"=hex:\r\n"
			      "\"Gone\"=-\r\n"
			      "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n";

static void check_sample(const struct ns_reg_file *f)
{
	const struct ns_reg_key *k;
	const struct ns_reg_value *v;

	assert_int_equal(f->version, 5);
	assert_int_equal(f->n_keys, 3);
	k = &f->keys[0];
	assert_string_equal(k->path, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Test");
	v = ns_reg_key_value(k, "str"); /* names are case-insensitive */
	assert_non_null(v);
	assert_int_equal(v->type, NS_REG_SZ);
	assert_string_equal(v->str, "a \"quoted\" \\ back");
	v = ns_reg_key_value(k, "");
	assert_non_null(v);
	assert_string_equal(v->str, "default");
	v = ns_reg_key_value(k, "Dw");
	assert_int_equal(v->type, NS_REG_DWORD);
	assert_int_equal(v->dword, 0x100);
	v = ns_reg_key_value(k, "Bin");
	assert_int_equal(v->type, NS_REG_BINARY);
	assert_int_equal(v->len, 6);
	assert_memory_equal(v->data, "\x01\x02\x03\x04\x05\xff", 6);
	k = &f->keys[1];
	v = ns_reg_key_value(k, "Multi");
	assert_int_equal(v->type, NS_REG_MULTI_SZ);
	assert_int_equal(v->n_strs, 2);
	assert_string_equal(v->strs[0], "ab");
	assert_string_equal(v->strs[1], "c");
	v = ns_reg_key_value(k, "Empty");
	assert_int_equal(v->len, 0);
	assert_null(ns_reg_key_value(k, "Gone"));
	assert_true(f->keys[2].deleted);
	assert_string_equal(f->keys[2].path, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Old");
}

static void t_utf16_bom(void **state)
{
	struct ns_reg_file f;
	char err[256];
	size_t n;
	uint8_t *b = to_utf16(sample5, &n, true);

	(void)state;
	assert_true(ns_reg_detect(b, n));
	assert_int_equal(ns_reg_parse(b, n, &f, err, sizeof(err)), 0);
	assert_true(f.utf16);
	check_sample(&f);
	ns_reg_file_free(&f);
	free(b);
}

static void t_utf16_nobom(void **state)
{
	struct ns_reg_file f;
	char err[256];
	size_t n;
	uint8_t *b = to_utf16(sample5, &n, false);

	(void)state;
	assert_true(ns_reg_detect(b, n));
	assert_int_equal(ns_reg_parse(b, n, &f, err, sizeof(err)), 0);
	check_sample(&f);
	ns_reg_file_free(&f);
	free(b);
}

static char *replace_eol(const char *s, const char *eol)
{
	size_t cap = strlen(s) * 2 + 1, o = 0;
	char *r = malloc(cap);

	for (const char *c = s; *c; c++) {
		if (c[0] == '\r' && c[1] == '\n') {
			for (const char *e = eol; *e; e++)
				r[o++] = *e;
			c++;
		} else {
			r[o++] = *c;
		}
	}
	r[o] = '\0';
	return r;
}

/* Version 5 text re-saved as UTF-8 by an editor, with Unix, old Mac or
 * no consistent line endings. */
static void t_utf8_line_endings(void **state)
{
	static const char *const eols[] = {"\n", "\r", "\r\n"};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct ns_reg_file f;
		char err[256], *t = replace_eol(sample5, eols[i]);
		size_t tl = strlen(t);
		uint8_t *b = malloc(tl + 3);

		memcpy(b, "\xEF\xBB\xBF", 3);
		memcpy(b + 3, t, tl);
		assert_true(ns_reg_detect(b, tl + 3));
		assert_int_equal(ns_reg_parse(b, tl + 3, &f, err, sizeof(err)), 0);
		check_sample(&f);
		ns_reg_file_free(&f);
		/* without the BOM */
		assert_int_equal(ns_reg_parse((uint8_t *)t, tl, &f, err, sizeof(err)), 0);
		check_sample(&f);
		ns_reg_file_free(&f);
		free(b);
		free(t);
	}
}

/* REGEDIT4: ANSI strings, hex(7) single-byte. */
static void t_regedit4(void **state)
{
	static const char txt[] = "REGEDIT4\n\n[HKEY_LOCAL_MACHINE\\X]\n"
				  "\"M\"=hex(7):61,62,00,63,00,00\n"
				  "\"S\"=hex(1):68,69,00\n"
				  "\"L\"=\"caf\xe9\"\n" /* Latin-1 */
				  "\"B\"=hex:0a,\\\n"
				  "; comment inside a continuation\n"
				  "  0b\n";
	struct ns_reg_file f;
	char err[256];
	const struct ns_reg_value *v;

	(void)state;
	assert_true(ns_reg_detect((const uint8_t *)txt, sizeof(txt) - 1));
	assert_int_equal(ns_reg_parse((const uint8_t *)txt, sizeof(txt) - 1, &f, err, sizeof(err)),
			 0);
	assert_int_equal(f.version, 4);
	v = ns_reg_key_value(&f.keys[0], "M");
	assert_int_equal(v->n_strs, 2);
	assert_string_equal(v->strs[0], "ab");
	assert_string_equal(v->strs[1], "c");
	v = ns_reg_key_value(&f.keys[0], "S");
	assert_string_equal(v->str, "hi");
	v = ns_reg_key_value(&f.keys[0], "L");
	assert_string_equal(v->str, "caf\xc3\xa9");
	v = ns_reg_key_value(&f.keys[0], "B");
	assert_int_equal(v->len, 2);
	assert_memory_equal(v->data, "\x0a\x0b", 2);
	ns_reg_file_free(&f);
}

static void expect_error(const char *txt, const char *needle)
{
	struct ns_reg_file f;
	char err[256] = "";

	assert_true(ns_reg_parse((const uint8_t *)txt, strlen(txt), &f, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, needle));
	assert_int_equal(f.n_keys, 0);
}

static void t_errors(void **state)
{
	(void)state;
	assert_false(ns_reg_detect((const uint8_t *)"hello", 5));
	assert_false(ns_reg_detect((const uint8_t *)"", 0));
	expect_error("hello\n", "not a registry file");
	expect_error("REGEDIT4\n\"a\"=\"b\"\n", "line 2: value before any key");
	expect_error("REGEDIT4\n[K]\n\"a\"=hex:01,zz\n", "line 3");
	expect_error("REGEDIT4\n[K]\n\"a\"=dword:123456789\n", "dword");
	expect_error("REGEDIT4\n[K]\n\"a\"=\"unterminated\n", "unterminated");
	expect_error("REGEDIT4\n[K\n", "closing");
	expect_error("REGEDIT4\n[K]\n\"a\"=hex:01,\\\n  02,\\\n  03 04\n", "line 3");
	expect_error("REGEDIT4\n[K]\n\"a\"=qword:1\n", "unknown value type");
}

static uint8_t *write_mem(struct ns_reg_writer *w, size_t *n)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, n);
	char err[128];

	assert_non_null(m);
	assert_int_equal(ns_regw_finish(w, m, err, sizeof(err)), 0);
	fclose(m);
	return (uint8_t *)buf;
}

static void t_writer_roundtrip(void **state)
{
	(void)state;
	for (int v4 = 0; v4 <= 1; v4++) {
		struct ns_reg_writer w;
		struct ns_reg_file f;
		const char *multi[] = {"SOFTWARE\\A\\b{1}", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x94\x92"};
		uint8_t bin[300];
		char err[256];
		uint8_t *b;
		size_t n;
		const struct ns_reg_value *v;

		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (uint8_t)i;
		ns_regw_init(&w, v4);
		ns_regw_key(&w, "HKEY_LOCAL_MACHINE\\K");
		ns_regw_sz(&w, "S", "q\"uo\\te");
		ns_regw_sz(&w, "NL", "two\r\nlines");
		ns_regw_dword(&w, "D", 0xdeadbeef);
		ns_regw_binary(&w, "B", bin, sizeof(bin));
		ns_regw_multi_sz(&w, "M", multi, 2);
		ns_regw_key(&w, "HKEY_LOCAL_MACHINE\\K\\L");
		ns_regw_binary(&w, "E", bin, 0);
		b = write_mem(&w, &n);
		if (!v4) {
			assert_int_equal(b[0], 0xFF);
			assert_int_equal(b[1], 0xFE);
		} else {
			assert_memory_equal(b, "REGEDIT4\r\n", 10);
		}
		assert_int_equal(ns_reg_parse(b, n, &f, err, sizeof(err)), 0);
		assert_int_equal(f.n_keys, 2);
		assert_string_equal(ns_reg_key_value(&f.keys[0], "S")->str, "q\"uo\\te");
		assert_string_equal(ns_reg_key_value(&f.keys[0], "NL")->str, "two\r\nlines");
		assert_int_equal(ns_reg_key_value(&f.keys[0], "D")->dword, 0xdeadbeef);
		v = ns_reg_key_value(&f.keys[0], "B");
		assert_int_equal(v->len, sizeof(bin));
		assert_memory_equal(v->data, bin, sizeof(bin));
		v = ns_reg_key_value(&f.keys[0], "M");
		assert_int_equal(v->n_strs, 2);
		assert_string_equal(v->strs[0], multi[0]);
		assert_string_equal(v->strs[1], multi[1]);
		assert_int_equal(ns_reg_key_value(&f.keys[1], "E")->len, 0);
		ns_reg_file_free(&f);
		/* lines wrap before 80 columns, as regedit does */
		{
			size_t tl;
			char *t =
				v4 ? strndup((char *)b, n) : ns_utf16le_to_utf8(b + 2, n - 2, &tl);
			size_t col = 0;

			for (char *c = t; *c; c++) {
				if (*c == '\n' || *c == '\r')
					col = 0;
				else
					assert_true(++col <= 80);
			}
			assert_non_null(strstr(t, "\\\r\n  "));
			free(t);
		}
		free(b);
	}
}

static void t_utf16_convert(void **state)
{
	/* lone surrogate -> U+FFFD, pair -> 4-byte UTF-8 */
	static const uint8_t in[] = {0x41, 0x00, 0x00, 0xD8, 0x42, 0x00, 0x3D, 0xD8, 0x12, 0xDD};
	char *s = ns_utf16le_to_utf8(in, sizeof(in), NULL);

	(void)state;
	assert_string_equal(s, "A\xef\xbf\xbd"
			       "B\xf0\x9f\x94\x92");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_utf16_bom),
		cmocka_unit_test(t_utf16_nobom),
		cmocka_unit_test(t_utf8_line_endings),
		cmocka_unit_test(t_regedit4),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_writer_roundtrip),
		cmocka_unit_test(t_utf16_convert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
