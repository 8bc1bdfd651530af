/* SPDX-License-Identifier: ISC */
/* The keyring file: parse, look tenants up, choose signing keys. */
#include "fuzz.h"
#include "keyring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfp_fail f;
	struct sfp_keyring *kr = NULL;
	fz_dir();
	if (sfp_keyring_parse((const char *)data, size, "keys.json", &kr, &f) == SFP_OK) {
		const char *names[] = { "acme", "globex", "", "a\"b" };
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			const struct sfp_tenant *t = sfp_keyring_tenant(kr, names[i]);
			if (t != NULL) {
				(void)sfp_tenant_signing_key(t, 0);
				(void)sfp_tenant_signing_key(t, 1795412345);
				(void)sfp_tenant_signing_key(t, INT64_MAX);
			}
		}
		sfp_keyring_free(kr);
	} else if (f.message[0] == '\0' || strchr(f.message, '\n') != NULL) {
		abort();   /* every refusal says why, on one line */
	}
	char *s = fz_strdup(data, size);
	int64_t t;
	(void)sfp_rfc3339_parse(s, &t);
	free(s);
	return 0;
}
