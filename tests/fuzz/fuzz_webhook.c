/* SPDX-License-Identifier: ISC */
/* Standard Webhooks headers: webhook-id, webhook-timestamp and
 * webhook-signature as they arrive, one per line, then the body; and the
 * "whsec_" secret form. */
#include "fuzz.h"
#include "sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const char *p[3];
	size_t len[3];
	size_t at = 0;
	fz_dir();
	for (int i = 0; i < 3; i++) {
		p[i] = (const char *)data + at;
		const uint8_t *nl = at < size ? memchr(data + at, '\n', size - at) : NULL;
		len[i] = nl ? (size_t)(nl - (data + at)) : size - at;
		at += len[i] + (nl ? 1 : 0);
	}
	const char *body = (const char *)data + at;
	size_t bodylen = size - at;
	char *id = fz_strdup((const uint8_t *)p[0], len[0]);
	int64_t ts = 0;
	int ok_id = sfp_sw_id_ok(p[0], len[0]);
	int ok_ts = sfp_sw_ts_parse(p[1], len[1], &ts);
	(void)sfp_sw_sigs_wellformed(p[2], len[2]);
	if (ok_id && ok_ts) {
		char sig[SFP_SW_SIG_CHARS];
		if (sfp_sw_verify(key, sizeof key, id, ts, body, bodylen, p[2], len[2]) &&
		    memchr(p[2], ',', len[2]) == NULL)
			abort();   /* a signature list with no "v1," accepted */
		sfp_sw_sign(key, sizeof key, id, ts, body, bodylen, sig);
		if (!sfp_sw_verify(key, sizeof key, id, ts, body, bodylen, sig, strlen(sig)))
			abort();   /* our own signature refused */
	}
	struct sfp_fail f;
	unsigned char k[512];
	size_t klen;
	char enc[1024];
	if (sfp_sw_secret_decode((const char *)data, size, k, sizeof k, &klen, &f) == SFP_OK) {
		if (klen > sizeof k)
			abort();
		(void)sfp_sw_secret_encode(k, klen, enc, sizeof enc, &f);
	}
	char dig[SFP_DIGEST_CHARS];
	sfp_content_digest(data, size, dig);
	free(id);
	return 0;
}
