// SPDX-License-Identifier: GPL-2.0
#include "guid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

int ns_guid_new(char out[NS_GUID_LEN + 1])
{
	uint8_t b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	/* By hand rather than snprintf: a 100k-filter batch makes 100k GUIDs. */
	{
		static const char hex[] = "0123456789ABCDEF";
		char *o = out;

		*o++ = '{';
		for (int i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				*o++ = '-';
			*o++ = hex[b[i] >> 4];
			*o++ = hex[b[i] & 15];
		}
		*o++ = '}';
		*o = '\0';
	}
	return 0;
}

bool ns_guid_parse(const char *in, char out[NS_GUID_LEN + 1])
{
	static const int dash[] = {8, 13, 18, 23};
	size_t len = strlen(in);
	const char *p = in;
	char buf[NS_GUID_LEN + 1];

	if (len == NS_GUID_LEN) {
		if (in[0] != '{' || in[NS_GUID_LEN - 1] != '}')
			return false;
		p = in + 1;
	} else if (len != NS_GUID_LEN - 2) {
		return false;
	}
	buf[0] = '{';
	for (int i = 0, d = 0; i < 36; i++) {
		if (d < 4 && i == dash[d]) {
			if (p[i] != '-')
				return false;
			buf[i + 1] = '-';
			d++;
			continue;
		}
		if (!isxdigit((unsigned char)p[i]))
			return false;
		buf[i + 1] = (char)toupper((unsigned char)p[i]);
	}
	buf[37] = '}';
	buf[38] = '\0';
	memcpy(out, buf, sizeof(buf));
	return true;
}

bool ns_guid_eq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

static unsigned hexval(char c)
{
	return isdigit((unsigned char)c) ? (unsigned)(c - '0')
					 : (unsigned)(toupper((unsigned char)c) - 'A' + 10);
}

void ns_guid_to_bin(const char *guid, uint8_t out[16])
{
	/* Text byte order: Data1 (4) Data2 (2) Data3 (2) Data4 (8).
	 * Windows stores Data1..3 little-endian. */
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t text[16] = {0};
	const char *p = guid[0] == '{' ? guid + 1 : guid;
	int n = 0;

	for (int i = 0; p[i] && n < 16; i++) {
		if (p[i] == '-' || p[i] == '}')
			continue;
		/* Malformed input: stop rather than read past the terminator. */
		if (!p[i + 1])
			break;
		text[n++] = (uint8_t)(hexval(p[i]) << 4 | hexval(p[i + 1]));
		i++;
	}
	for (int i = 0; i < 16; i++)
		out[order[i]] = text[i];
}

void ns_guid_from_bin(const uint8_t in[16], char out[NS_GUID_LEN + 1])
{
	snprintf(out, NS_GUID_LEN + 1,
		 "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}", in[3],
		 in[2], in[1], in[0], in[5], in[4], in[7], in[6], in[8], in[9], in[10], in[11],
		 in[12], in[13], in[14], in[15]);
}
