// SPDX-License-Identifier: GPL-2.0
/*
 * The .reg reader and the blob decoders on arbitrary bytes.
 *
 * Input whose first byte is 'B' goes to the five blob decoders (the rest of
 * the input is the blob); anything else is a whole .reg file.  A file that
 * imports must export and import again to the same number of objects.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guid.h"
#include "lib/model.h"
#include "winreg/blob.h"
#include "winreg/winreg.h"

static void blobs(const uint8_t *b, size_t n)
{
	struct ns_winreg_report rep = {0};
	const struct ns_blob_diag d = {.rep = &rep, .key = "fuzz", .value = "ipsecData"};
	char err[256];
	uint32_t sec;
	struct ns_blob_isakmp ik;
	struct ns_rule r = {0};
	struct ns_filteraction fa = {0};
	struct ns_filterlist fl = {0};
	uint8_t *c = malloc(n + 16);

	if (!c)
		return;
	/* Each decoder checks the class GUID first: give every one a chance
	 * by stamping its GUID over a copy. */
	static const char *const cls[] = {NS_CLASS_POLICY, NS_CLASS_ISAKMP, NS_CLASS_NFA,
					  NS_CLASS_NEGPOL, NS_CLASS_FILTER};
	for (int i = 0; i < 5; i++) {
		size_t m = n < 16 ? 16 : n;

		memset(c, 0, m);
		memcpy(c, b, n);
		if (n >= 16)
			ns_guid_to_bin(cls[i], c);
		switch (i) {
		case 0:
			(void)ns_blob_policy_decode(c, n, &sec, &d, err, sizeof(err));
			break;
		case 1:
			if (!ns_blob_isakmp_decode(c, n, &ik, &d, err, sizeof(err)))
				free(ik.methods);
			break;
		case 2:
			(void)ns_blob_nfa_decode(c, n, &r, &d, err, sizeof(err));
			ns_rule_free(&r);
			break;
		case 3:
			(void)ns_blob_negpol_decode(c, n, &fa, &d, err, sizeof(err));
			ns_filteraction_free(&fa);
			break;
		default:
			(void)ns_blob_filter_decode(c, n, &fl, &d, err, sizeof(err));
			ns_filterlist_free(&fl);
			break;
		}
	}
	free(c);
	ns_winreg_report_free(&rep);
}

static void regfile(const uint8_t *b, size_t n)
{
	struct ns_winreg_report rep = {0};
	struct ns_db db, back;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)ns_winreg_detect(b, n);
	if (ns_winreg_read(b, n, &db, &rep, err, sizeof(err)))
		goto out;
	m = open_memstream(&buf, &len);
	if (!m) {
		ns_db_free(&db);
		goto out;
	}
	if (ns_winreg_write(m, &db, NS_STORE_LOCAL, err, sizeof(err)) == 0) {
		fclose(m);
		m = NULL;
		ns_winreg_report_free(&rep);
		if (ns_winreg_read((uint8_t *)buf, len, &back, &rep, err, sizeof(err)))
			abort(); /* our own export must read back */
		if (back.n_policies != db.n_policies || back.n_filterlists != db.n_filterlists)
			abort();
		ns_db_free(&back);
	}
	if (m)
		fclose(m);
	free(buf);
	ns_db_free(&db);
out:
	ns_winreg_report_free(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && data[0] == 'B')
		blobs(data + 1, size - 1);
	else
		regfile(data, size);
	return 0;
}
