/* SPDX-License-Identifier: ISC */
/* RFC 9421: Signature-Input and Signature as received, then the signature
 * base over a request whose method, target URI and fields come from the
 * input too.  Lines: signature-input, signature, method, target-uri, then
 * "name: value" fields; after a "--" line, nothing (the body is not signed
 * here; content-digest is a field). */
#include "fuzz.h"
#include "sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[32] = { 9, 8, 7 };
	char *s = fz_strdup(data, size);
	char *line[24];
	size_t n = 0;
	char *cur = s;
	fz_dir();
	while (n < 24) {
		line[n++] = cur;
		char *nl = strchr(cur, '\n');
		if (nl == NULL)
			break;
		*nl = '\0';
		cur = nl + 1;
	}
	while (n < 4)
		line[n++] = (char *)"";
	struct sfp_http_field fields[20];
	size_t nf = 0;
	for (size_t i = 4; i < n && nf < 20; i++) {
		char *c = strchr(line[i], ':');
		if (c == NULL)
			continue;
		*c = '\0';
		fields[nf].name = line[i];
		fields[nf].value = c[1] == ' ' ? c + 2 : c + 1;
		nf++;
	}
	struct sfp_signed_req req = { line[2], line[3], fields, nf };
	struct sfp_rfc9421_sig *sig = malloc(sizeof *sig);
	struct sfp_fail f;
	if (sig == NULL)
		abort();
	if (sfp_rfc9421_parse(line[0], line[1], NULL, sig, &f) == SFP_OK) {
		char base[8192];
		size_t blen = 0;
		if (sfp_rfc9421_base(sig, &req, base, sizeof base, &blen, &f) == SFP_OK && blen > sizeof base)
			abort();
		(void)sfp_rfc9421_verify(sig, &req, key, sizeof key, &f);
	}
	if (sfp_rfc9421_parse(line[0], line[1], "sig1", sig, &f) == SFP_OK)
		(void)sfp_rfc9421_verify(sig, &req, key, sizeof key, &f);
	free(sig);
	free(s);
	return 0;
}
