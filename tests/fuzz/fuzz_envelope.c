/* SPDX-License-Identifier: ISC */
/* hmac-verify over a stream of envelopes (first byte even), or one request in
 * the headers form (first byte odd: header lines, a "--" line, the body),
 * with a fixed keyring, clock and replay store.  Also the UTF-8 check. */
#include "fuzz.h"
#include "envelope.h"
#include "stream.h"
#include "sign.h"

static char keyring[256], store[256], headers[256];

static void setup(void)
{
	unsigned char k1[32], k2[32];
	char s1[64], s2[64], buf[512];
	struct sfp_fail f;
	memset(k1, 0x11, sizeof k1);
	memset(k2, 0x22, sizeof k2);
	if (sfp_sw_secret_encode(k1, 32, s1, sizeof s1, &f) != SFP_OK ||
	    sfp_sw_secret_encode(k2, 32, s2, sizeof s2, &f) != SFP_OK)
		abort();
	int n = snprintf(buf, sizeof buf,
	    "{\"acme\":[{\"id\":\"k1\",\"secret\":\"%s\"}],"
	    "\"globex\":[{\"id\":\"k2\",\"secret\":\"%s\",\"not_after\":\"2027-01-01T00:00:00Z\"}]}",
	    s1, s2);
	snprintf(keyring, sizeof keyring, "%s", fz_file("keys.json", buf, (size_t)n));
	snprintf(store, sizeof store, "%s/replay.db", fz_dir());
	snprintf(headers, sizeof headers, "%s/headers", fz_dir());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (keyring[0] == '\0')
		setup();
	struct sfp_hverify_opts o;
	struct sfp_hverify_stats st;
	struct sfp_fail f;
	memset(&o, 0, sizeof o);
	memset(&st, 0, sizeof st);
	o.shared.keyring = keyring;
	o.shared.replay_store = store;
	o.now = 1795412345;
	o.batch = 4;
	FILE *null = fopen("/dev/null", "w");
	int fd;
	if (size > 0 && (data[0] & 1)) {
		char *h, *b;
		size_t hl, bl;
		fz_split(data + 1, size - 1, &h, &hl, &b, &bl);
		fz_file("headers", h, hl);
		fd = fz_fd(b ? b : "", b ? bl : 0);
		o.headers = headers;
		o.tenant = "acme";
		o.rfc9421 = (data[0] & 2) != 0;
		o.method = "POST";
		o.url = "https://hooks.example/booking";
		(void)sfp_hmac_verify_run(&o, fd, null, &st, &f);
		free(h);
		free(b);
	} else {
		fd = fz_fd(data, size);
		o.envelope = size > 1 && (data[1] & 1);
		(void)sfp_hmac_verify_run(&o, fd, null, &st, &f);
	}
	close(fd);
	fclose(null);
	(void)sfp_utf8_valid((const char *)data, size);
	return 0;
}
