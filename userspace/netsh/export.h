/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our own export format (exportpolicy/importpolicy), described in
 * Documentation/export-format.md.
 */
#ifndef NETSH_IPSEC_EXPORT_H
#define NETSH_IPSEC_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/model.h"

/* True when buf starts with our magic line. */
bool ns_export_detect(const char *buf, size_t len);
int ns_export_write(FILE *out, const struct ns_db *db, char *err, size_t errlen);
/* Strict: on error db is left empty and err names the line. */
int ns_export_read(const char *buf, size_t len, struct ns_db *db, char *err, size_t errlen);

/* Field-by-field equality of two dbs (GUIDs, order and times included):
 * what an export followed by an import must preserve. */
bool ns_db_equal(const struct ns_db *a, const struct ns_db *b);

#endif
