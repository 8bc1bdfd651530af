/* SPDX-License-Identifier: ISC */
/*
 * keyring: per-tenant HMAC secrets for hmac-sign and hmac-verify.
 *
 * The file (hmac-sign(1), FILES) maps each tenant to its keys, newest first:
 *   {"acme":[{"id":"2026-11","secret":"whsec_...","not_before":"...","not_after":"..."}]}
 * It must be mode 0600 (sfp_secret_check_fd), is read into guarded memory, and is
 * refused whole when anything is off: unknown members, a malformed secret, a
 * duplicate key id within a tenant, or one secret shared by two tenants (a
 * tenant must never be able to sign as another).  Times are RFC 3339 UTC
 * ("2026-12-01T00:00:00Z"); not_before and not_after are inclusive.  A
 * top-level member whose name starts with '_' and whose value is a string is
 * a comment and ignored.
 *
 * Ownership: sfp_keyring_load returns a new keyring freed (and wiped) by
 * sfp_keyring_free.  Tenant and key pointers it hands out are borrowed from it.
 */
#ifndef SFP_KEYRING_H
#define SFP_KEYRING_H

#include <stddef.h>
#include <stdint.h>
#include "fail.h"
#include "secret.h"

#define SFP_KEY_ID_MAX 64
#define SFP_TENANT_MAX 128

struct sfp_key {
	char id[SFP_KEY_ID_MAX];
	struct sfp_secret *key;   /* the decoded HMAC key bytes */
	int64_t not_before;       /* INT64_MIN when absent */
	int64_t not_after;        /* INT64_MAX when absent */
};

struct sfp_tenant {
	char name[SFP_TENANT_MAX + 1];
	struct sfp_key *keys;
	size_t nkeys;
};

struct sfp_keyring {
	struct sfp_tenant *tenants;
	size_t ntenants;
};

/* Load and check a keyring file.  SFP_E_INPUT with the reason (never a secret)
 * when it is unusable; SFP_E_INTERNAL when out of memory. */
enum sfp_status sfp_keyring_load(const char *path, struct sfp_keyring **out, struct sfp_fail *f);

/* Same from memory (the unit tests; the mode check is the caller's). */
enum sfp_status sfp_keyring_parse(const char *buf, size_t len, const char *source,
    struct sfp_keyring **out, struct sfp_fail *f);

void sfp_keyring_free(struct sfp_keyring *kr);

/* The tenant named name (exact bytes), or NULL. */
const struct sfp_tenant *sfp_keyring_tenant(const struct sfp_keyring *kr, const char *name);

/* 1 when key k may be used at Unix time t. */
int sfp_key_valid_at(const struct sfp_key *k, int64_t t);

/* The key that signs at time now: the first (newest) valid one, or NULL. */
const struct sfp_key *sfp_tenant_signing_key(const struct sfp_tenant *t, int64_t now);

/* Parse "YYYY-MM-DDThh:mm:ssZ" (fraction allowed and dropped).  1 on success. */
int sfp_rfc3339_parse(const char *s, int64_t *out);

/*
 * Put a fresh 32-byte random secret for tenant at the head of its key list in
 * the keyring at path (created 0600 when missing; an existing file must pass
 * the mode check and load cleanly).  key_id NULL picks one from the time now.
 * The secret is never returned or printed; the file is replaced atomically.
 * SFP_E_INPUT on a bad keyring or a key id already taken.
 */
enum sfp_status sfp_keyring_new_key(const char *path, const char *tenant, const char *key_id,
    int64_t now, char *id_out, size_t id_cap, struct sfp_fail *f);

#endif
