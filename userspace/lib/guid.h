/* SPDX-License-Identifier: GPL-2.0 */
/* GUIDs: generation, validation, comparison. */
#ifndef NETSH_IPSEC_GUID_H
#define NETSH_IPSEC_GUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A new random (version 4) GUID in canonical upper-case text. */
int ns_guid_new(char out[NS_GUID_LEN + 1]);
/* Accepts with or without braces, any case; writes the canonical form. */
bool ns_guid_parse(const char *in, char out[NS_GUID_LEN + 1]);
bool ns_guid_eq(const char *a, const char *b);
/* Binary form as Windows lays it out (mixed-endian, 16 bytes). */
void ns_guid_to_bin(const char *guid, uint8_t out[16]);
void ns_guid_from_bin(const uint8_t in[16], char out[NS_GUID_LEN + 1]);

#endif
