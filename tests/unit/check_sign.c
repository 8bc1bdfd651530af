/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"
#include "testutil.h"

static size_t
unhex(const char *h, unsigned char *out, size_t cap)
{
	size_t n = 0;

	ck_assert_int_eq(sodium_hex2bin(out, cap, h, strlen(h), NULL, &n, NULL), 0);
	return n;
}

static void
key_of(const char *secret, unsigned char key[64], size_t *keylen)
{
	struct sfp_fail f;

	ck_assert_int_eq(sfp_sw_secret_decode(secret, strlen(secret), key, 64, keylen, &f), SFP_OK);
}

struct sw_vec {
	const char *secret, *id;
	int64_t ts;
	const char *body, *sig;
};

static const struct sw_vec sw_vecs[] = {
	{ "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	  "{\"test\": 2432232314}", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" },
	{ "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553,
	  "{\"email\":\"test@example.com\",\"username\":\"test_user\"}",
	  "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=" },
	{ "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	  "", "v1,v48jdbgvh29KJz2Qc+ghw8G6vG3nAKnujWBg8oM/62A=" },
	{ "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	  "{\"name\":\"Zo\xc3\xab \xf0\x9f\x98\x80\"}", "v1,5dE+xCmDRCTT6qQMUoXsLn7BV/TeIxgDgZbwmC3tErE=" },
	{ "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	  "{\"test\": 2432232314}", "v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw44=" },
};

START_TEST(test_sw_vectors)
{
	const struct sw_vec *v = &sw_vecs[_i];
	unsigned char key[64];
	size_t keylen;
	char sig[SFP_SW_SIG_CHARS];

	key_of(v->secret, key, &keylen);
	sfp_sw_sign(key, keylen, v->id, v->ts, v->body, strlen(v->body), sig);
	ck_assert_str_eq(sig, v->sig);
	ck_assert_int_eq(sfp_sw_verify(key, keylen, v->id, v->ts, v->body, strlen(v->body), v->sig,
	    strlen(v->sig)), 1);
	/* the wrong timestamp or id never verifies */
	ck_assert_int_eq(sfp_sw_verify(key, keylen, v->id, v->ts + 1, v->body, strlen(v->body),
	    v->sig, strlen(v->sig)), 0);
	ck_assert_int_eq(sfp_sw_verify(key, keylen, "msg_other", v->ts, v->body, strlen(v->body),
	    v->sig, strlen(v->sig)), 0);
}
END_TEST

/* V3-V5: large payloads of 'a'. */
START_TEST(test_sw_large)
{
	static const struct { size_t n; const char *sig; } big[] = {
		{ 1048576, "v1,txpEUxqWZJ5nteTnymUVa+7C4NHpBeXJ6CsBAW0c3/A=" },
		{ 262144, "v1,Mw4Pe2WgApuT7NSqnSq0PQPV9gbLdggCl9B865x5Xh0=" },
		{ 262143, "v1,NTItnqyWMoFhk2Bbe5V/BMdcFRWgcSQaTgqLHX7FC7c=" },
	};
	unsigned char key[64];
	size_t keylen, i;
	char sig[SFP_SW_SIG_CHARS];
	char *body = malloc(1048576);

	ck_assert_ptr_nonnull(body);
	memset(body, 'a', 1048576);
	key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &keylen);
	for (i = 0; i < 3; i++) {
		sfp_sw_sign(key, keylen, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, big[i].n,
		    sig);
		ck_assert_str_eq(sig, big[i].sig);
	}
	free(body);
}
END_TEST

START_TEST(test_sw_negative)
{
	const struct sw_vec *v = &sw_vecs[0];
	unsigned char key[64];
	size_t keylen, i;
	static const char *bad[] = {
		"v1,dawfeoifkpqwoekfpqoekf", "v1,", "v1,g0hM9Ss", "",
		"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		"v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",     /* padding dropped */
		"v1,x,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"V1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=\n",
	};
	const char *good = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	    "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
	    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

	key_of(v->secret, key, &keylen);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(sfp_sw_verify(key, keylen, v->id, v->ts, v->body, strlen(v->body), bad[i],
		    strlen(bad[i])) == 0, "accepted %s", bad[i]);
	ck_assert_int_eq(sfp_sw_verify(key, keylen, v->id, v->ts, v->body, strlen(v->body), good,
	    strlen(good)), 1);
}
END_TEST

/* D4: a rotation header verifies with either key. */
START_TEST(test_sw_rotation)
{
	const char *hdr = "v1,78nXHjpFP0tVJQW5D0SBwmVyyW87BV/rL6MgfM/Bw44= "
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	unsigned char k1[64], k2[64], k3[32];
	size_t l1, l2;

	key_of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", k1, &l1);
	key_of("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", k2, &l2);
	memset(k3, 7, sizeof k3);
	ck_assert_int_eq(sfp_sw_verify(k1, l1, sw_vecs[0].id, sw_vecs[0].ts, sw_vecs[0].body,
	    strlen(sw_vecs[0].body), hdr, strlen(hdr)), 1);
	ck_assert_int_eq(sfp_sw_verify(k2, l2, sw_vecs[0].id, sw_vecs[0].ts, sw_vecs[0].body,
	    strlen(sw_vecs[0].body), hdr, strlen(hdr)), 1);
	ck_assert_int_eq(sfp_sw_verify(k3, sizeof k3, sw_vecs[0].id, sw_vecs[0].ts, sw_vecs[0].body,
	    strlen(sw_vecs[0].body), hdr, strlen(hdr)), 0);
}
END_TEST

/* Every bit of every byte of the body flipped is refused (and the unflipped
 * body, the control, verifies). */
START_TEST(test_sw_bitflip)
{
	const struct sw_vec *v = &sw_vecs[1];
	unsigned char key[64];
	size_t keylen, i, n = strlen(v->body);
	char body[128];
	int bit;

	key_of(v->secret, key, &keylen);
	/* Positive control: the same copy, key and signature, unflipped, verify;
	 * without it a verifier that refused everything would pass this test. */
	ck_assert_uint_lt(n, sizeof(body));
	memcpy(body, v->body, n);
	ck_assert_int_eq(sfp_sw_verify(key, keylen, v->id, v->ts, body, n, v->sig,
	    strlen(v->sig)), 1);
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(body, v->body, n);
			body[i] = (char)(body[i] ^ (1 << bit));
			ck_assert_int_eq(sfp_sw_verify(key, keylen, v->id, v->ts, body, n, v->sig,
			    strlen(v->sig)), 0);
		}
	}
}
END_TEST

START_TEST(test_sw_secret_decode)
{
	unsigned char key[64];
	size_t keylen;
	struct sfp_fail f;
	char enc[128];

	ck_assert_int_eq(sfp_sw_secret_decode("whsec_", 6, key, 64, &keylen, &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_sw_secret_decode("", 0, key, 64, &keylen, &f), SFP_E_INPUT);
	/* 31 characters: the JS library is lenient, we are not */
	ck_assert_int_eq(sfp_sw_secret_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", 37, key, 64,
	    &keylen, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "malformed");
	ck_assert_ptr_null(strstr(f.message, "MfKQ"));
	ck_assert_int_eq(sfp_sw_secret_decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 32, key, 64,
	    &keylen, &f), SFP_OK);
	ck_assert_uint_eq(keylen, 24);
	ck_assert_int_eq(sfp_sw_secret_encode(key, keylen, enc, sizeof enc, &f), SFP_OK);
	ck_assert_str_eq(enc, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	ck_assert_int_eq(sfp_sw_secret_decode("whsec_AAAA", 10, key, 64, &keylen, &f), SFP_E_INPUT);
}
END_TEST

START_TEST(test_sw_parse)
{
	int64_t ts;

	ck_assert_int_eq(sfp_sw_ts_parse("1614265330", 10, &ts), 1);
	ck_assert_int_eq(ts, 1614265330);
	ck_assert_int_eq(sfp_sw_ts_parse("0", 1, &ts), 1);
	ck_assert_int_eq(sfp_sw_ts_parse("01614265330", 11, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("1614265330abc", 13, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("1614265330.9", 12, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("hello", 5, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("", 0, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("-1", 2, &ts), 0);
	ck_assert_int_eq(sfp_sw_ts_parse("9999999999999999999", 19, &ts), 0);
	ck_assert_int_eq(sfp_sw_id_ok("msg_1", 5), 1);
	ck_assert_int_eq(sfp_sw_id_ok("x.1614265330", 12), 0);
	ck_assert_int_eq(sfp_sw_id_ok("a b", 3), 0);
	ck_assert_int_eq(sfp_sw_id_ok("", 0), 0);
}
END_TEST

struct rfc4231 {
	const char *key, *data, *mac;
};

static const struct rfc4231 rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ NULL, NULL, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
	  "a3b6167473100ee06e0c796c2955552bfa6f7c0a6a8aef8b93f860aab0cd20c5" },
	{ NULL, "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048"
	  "617368204b6579204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ NULL, "5468697320697320612074657374207573696e672061206c6172676572207468"
	  "616e20626c6f636b2d73697a65206b657920616e642061206c61726765722074"
	  "68616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565"
	  "647320746f20626520686173686564206265666f7265206265696e6720757365"
	  "642062792074686520484d414320616c676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

START_TEST(test_rfc4231)
{
	const struct rfc4231 *v = &rfc4231[_i];
	unsigned char key[200], data[200], want[32], got[32];
	size_t keylen, datalen;
	struct sfp_part part, halves[2];

	if (v->key != NULL) {
		keylen = unhex(v->key, key, sizeof key);
	} else {
		keylen = _i == 2 ? 20 : 131;
		memset(key, 0xaa, keylen);
	}
	if (v->data != NULL) {
		datalen = unhex(v->data, data, sizeof data);
	} else {
		datalen = 50;
		memset(data, _i == 2 ? 0xdd : 0xcd, datalen);
	}
	(void)unhex(v->mac, want, sizeof want);
	part.p = data;
	part.len = datalen;
	sfp_hmac_sha256(key, keylen, &part, 1, got);
	ck_assert_mem_eq(got, want, 32);
	/* the same MAC over the data given in two parts */
	halves[0].p = data;
	halves[0].len = datalen / 2;
	halves[1].p = data + datalen / 2;
	halves[1].len = datalen - datalen / 2;
	sfp_hmac_sha256(key, keylen, halves, 2, got);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

START_TEST(test_content_digest)
{
	char d[SFP_DIGEST_CHARS];

	sfp_content_digest("{\"hello\": \"world\"}", 18, d);
	ck_assert_str_eq(d, "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
	sfp_content_digest("{\"hello\": \"world\"}\n", 19, d);
	ck_assert_str_eq(d, "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:");
	sfp_content_digest("", 0, d);
	ck_assert_str_eq(d, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
}
END_TEST

static const char b15_secret[] =
    "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";

static size_t
b15_key(unsigned char key[64])
{
	size_t n = 0;

	ck_assert_int_eq(sodium_base642bin(key, 64, b15_secret, strlen(b15_secret), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL), 0);
	ck_assert_uint_eq(n, 64);
	return n;
}

static const struct sfp_http_field b2_fields[] = {
	{ "Host", "example.com" },
	{ "Date", "Tue, 20 Apr 2021 02:07:55 GMT" },
	{ "Content-Type", "application/json" },
	{ "Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYll"
	  "u7BNNyealdVLvRwEmTHWXvJwew==:" },
	{ "Content-Length", "18" },
};

/* RFC 9421 Appendix B.2.5, verbatim. */
START_TEST(test_rfc9421_b25)
{
	struct sfp_signed_req req = { "POST", "https://example.com/foo?param=Value&Pet=dog",
	    b2_fields, 5 };
	const char *si = "sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473"
	    ";keyid=\"test-shared-secret\"";
	const char *sig = "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:";
	const char *want = "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
	    "\"@authority\": example.com\n"
	    "\"content-type\": application/json\n"
	    "\"@signature-params\": (\"date\" \"@authority\" \"content-type\");created=1618884473"
	    ";keyid=\"test-shared-secret\"";
	struct sfp_rfc9421_sig s;
	struct sfp_fail f;
	unsigned char key[64], other[64];
	size_t keylen = b15_key(key), len;
	char base[2048];

	ck_assert_int_eq(sfp_rfc9421_parse(si, sig, "sig-b25", &s, &f), SFP_OK);
	ck_assert_int_eq(s.created, 1618884473);
	ck_assert_str_eq(s.keyid, "test-shared-secret");
	ck_assert_int_eq(sfp_rfc9421_base(&s, &req, base, sizeof base, &len, &f), SFP_OK);
	ck_assert_str_eq(base, want);
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_OK);
	memcpy(other, key, 64);
	other[0] ^= 1;
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, other, keylen, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "bad-signature");
	/* the first member is picked when no label is named */
	ck_assert_int_eq(sfp_rfc9421_parse(si, sig, NULL, &s, &f), SFP_OK);
	ck_assert_str_eq(s.label, "sig-b25");
	ck_assert_int_eq(sfp_rfc9421_parse(si, sig, "sig1", &s, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "malformed");
}
END_TEST

/* The derived vector for our profile (RFC 9421 section 3.3.3, hmac-sha256; https://www.rfc-editor.org/rfc/rfc9421) and our signer. */
START_TEST(test_rfc9421_profile)
{
	const struct sfp_http_field fields[] = {
		{ "Content-Type", "application/json" },
		{ "Content-Digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:" },
	};
	struct sfp_signed_req req = { "POST", "https://example.com/foo?param=Value&Pet=dog", fields, 2 };
	const char *si = "sig1=(\"@method\" \"@target-uri\" \"content-type\" \"content-digest\")"
	    ";created=1618884473;expires=1618884773;nonce=\"b3k2pp5k7z-50gnwp.yemd\""
	    ";keyid=\"test-shared-secret\";alg=\"hmac-sha256\";tag=\"sfpipe\"";
	const char *sig = "sig1=:O3Zx0OuIE1SENnC75e8u34aOKBqnPe16XlHFOacOQn4=:";
	struct sfp_rfc9421_sig s;
	struct sfp_fail f;
	unsigned char key[64];
	size_t keylen = b15_key(key);
	char in[1024], out[128];

	ck_assert_int_eq(sfp_rfc9421_parse(si, sig, "sig1", &s, &f), SFP_OK);
	ck_assert_str_eq(s.nonce, "b3k2pp5k7z-50gnwp.yemd");
	ck_assert_int_eq(s.expires, 1618884773);
	ck_assert_str_eq(s.tag, "sfpipe");
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_OK);
	/* another method, URI or body digest is refused */
	req.method = "PUT";
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_E_ITEM);
	req.method = "POST";
	req.target_uri = "https://example.com/foo?param=Value&Pet=cat";
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_E_ITEM);
	req.target_uri = "https://example.com/foo?param=Value&Pet=dog";

	/* our signer round-trips and covers method, target URI and digest */
	ck_assert_int_eq(sfp_rfc9421_sign(&req, NULL, 1618884473, "n-1", "k1", key, keylen, in,
	    sizeof in, out, sizeof out, &f), SFP_OK);
	ck_assert_str_eq(in, "sig1=(\"@method\" \"@target-uri\" \"content-digest\");created=1618884473"
	    ";nonce=\"n-1\";keyid=\"k1\";alg=\"hmac-sha256\"");
	ck_assert_int_eq(sfp_rfc9421_parse(in, out, "sig1", &s, &f), SFP_OK);
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_OK);
	req.nfields = 1;   /* no content-digest: refused, not signed over nothing */
	ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, keylen, &f), SFP_E_ITEM);
	ck_assert_str_eq(f.code, "malformed");
}
END_TEST

START_TEST(test_rfc9421_malformed)
{
	struct sfp_rfc9421_sig s;
	struct sfp_fail f;
	static const char *bad_inputs[] = {
		"sig1=\"@method\"", "sig1=(\"@method\";created=1", "sig1=(\"@method\" \"@method\x01\")",
		"=(\"@method\")", "sig1=(\"@method\");created=abc", "sig1=(\"@method\";req)",
	};
	size_t i;
	const char *sig = "sig1=:O3Zx0OuIE1SENnC75e8u34aOKBqnPe16XlHFOacOQn4=:";

	for (i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++)
		ck_assert_msg(sfp_rfc9421_parse(bad_inputs[i], sig, NULL, &s, &f) == SFP_E_ITEM,
		    "accepted %s", bad_inputs[i]);
	ck_assert_int_eq(sfp_rfc9421_parse("sig1=(\"@method\")", "sig1=:AAAA:", NULL, &s, &f),
	    SFP_E_ITEM);
	ck_assert_int_eq(sfp_rfc9421_parse("sig1=(\"@method\")", "sig2=:AAAA:", NULL, &s, &f),
	    SFP_E_ITEM);
	/* an alg other than hmac-sha256 is refused even with the right MAC */
	ck_assert_int_eq(sfp_rfc9421_parse("sig1=(\"@method\");alg=\"rsa-pss-sha512\"", sig, NULL,
	    &s, &f), SFP_OK);
	{
		struct sfp_signed_req req = { "POST", "https://a.example/", NULL, 0 };
		unsigned char key[32] = { 0 };
		ck_assert_int_eq(sfp_rfc9421_verify(&s, &req, key, 32, &f), SFP_E_ITEM);
		ck_assert_str_eq(f.code, "malformed");
	}
}
END_TEST

Suite *
suite_sign(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("standard-webhooks");

	tcase_add_loop_test(tc, test_sw_vectors, 0, (int)(sizeof sw_vecs / sizeof sw_vecs[0]));
	tcase_add_test(tc, test_sw_large);
	tcase_add_test(tc, test_sw_negative);
	tcase_add_test(tc, test_sw_rotation);
	tcase_add_test(tc, test_sw_bitflip);
	tcase_add_test(tc, test_sw_secret_decode);
	tcase_add_test(tc, test_sw_parse);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("rfc4231");
	tcase_add_loop_test(tc, test_rfc4231, 0, 7);
	suite_add_tcase(s, tc);
	tc = tcase_create("rfc9421");
	tcase_add_test(tc, test_content_digest);
	tcase_add_test(tc, test_rfc9421_b25);
	tcase_add_test(tc, test_rfc9421_profile);
	tcase_add_test(tc, test_rfc9421_malformed);
	suite_add_tcase(s, tc);
	return s;
}
