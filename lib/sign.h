/* SPDX-License-Identifier: ISC */
/*
 * sign: the two signing schemes of hmac-sign and hmac-verify.
 *
 * 1. Standard Webhooks v1: base64(HMAC-SHA256(key, id "." timestamp "." body)),
 *    written "v1,<base64>", several signatures space-separated.  The key is the
 *    base64-decoded part of a "whsec_" secret.  Everything is computed over the
 *    exact bytes given, never over re-serialized JSON.
 * 2. RFC 9421 HTTP Message Signatures with hmac-sha256, and the RFC 9530
 *    Content-Digest (sha-256) that lets a signature cover the body.
 *
 * Parsing is stricter than the npm standardwebhooks library: ids are printable
 * ASCII without '.', timestamps are digits without a leading zero, a signature
 * must decode to exactly 32 bytes; what we sign still verifies there.  MACs are
 * compared with sodium_memcmp after a length check.
 *
 * Ownership: every function works on caller-owned buffers; nothing here keeps a
 * pointer or allocates except sfp_rfc9421_* (documented there).  Keys are
 * borrowed; callers keep them in sodium memory (secret.h).
 */
#ifndef SFP_SIGN_H
#define SFP_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "fail.h"

#define SFP_MAC_BYTES      32
#define SFP_SW_SIG_CHARS   48     /* "v1," + 44 base64 characters + NUL */
#define SFP_SW_ID_MAX      256    /* longest message id accepted */
#define SFP_SW_TOLERANCE   300    /* seconds, either side of now */
#define SFP_DIGEST_CHARS   64     /* "sha-256=:" + 44 + ":" + NUL fits */

/* HMAC-SHA256 over the concatenation of n parts (any key length: RFC 4231). */
struct sfp_part {
	const void *p;
	size_t len;
};
void sfp_hmac_sha256(const unsigned char *key, size_t keylen, const struct sfp_part *parts,
    size_t n, unsigned char out[SFP_MAC_BYTES]);

/*
 * Decode a Standard Webhooks secret ("whsec_" + base64, or bare base64) into
 * key (cap bytes).  Standard base64 with padding, strict.  Keys of 16 to 64
 * bytes are accepted (the spec says 24-64; 16 is allowed for old peers).
 * SFP_E_INPUT on a malformed or empty secret; the message never quotes it.
 */
enum sfp_status sfp_sw_secret_decode(const char *secret, size_t len, unsigned char *key,
    size_t cap, size_t *keylen, struct sfp_fail *f);

/* Encode key as "whsec_<base64>" into out (cap >= 6 + 4*ceil(keylen/3) + 1). */
enum sfp_status sfp_sw_secret_encode(const unsigned char *key, size_t keylen, char *out,
    size_t cap, struct sfp_fail *f);

/* 1 when id is acceptable as a message id: 1..SFP_SW_ID_MAX printable ASCII
 * characters, no '.', no space, no '"' or '\\'. */
int sfp_sw_id_ok(const char *id, size_t len);

/* Parse a timestamp as Standard Webhooks text: ^[0-9]{1,19}$ without a leading
 * zero (except "0") and within int64.  Returns 1 and *out, or 0. */
int sfp_sw_ts_parse(const char *s, size_t len, int64_t *out);

/* Sign: out receives "v1,<base64>" (NUL-terminated). */
void sfp_sw_sign(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const void *body, size_t bodylen, char out[SFP_SW_SIG_CHARS]);

/*
 * Verify a webhook-signature value (space-separated "version,base64" items) with
 * one key.  Returns 1 when some "v1" item carries the right MAC, else 0.  Items
 * of other versions and malformed items are skipped, as the spec asks.  Every
 * v1 item is compared (no early exit on the first wrong one).
 */
int sfp_sw_verify(const unsigned char *key, size_t keylen, const char *id, int64_t ts,
    const void *body, size_t bodylen, const char *sigs, size_t sigslen);

/* 1 when sigs holds at least one syntactically valid "v1,<base64 of 32>" item. */
int sfp_sw_sigs_wellformed(const char *sigs, size_t len);

/* RFC 9530 Content-Digest of body: "sha-256=:<base64>:". */
void sfp_content_digest(const void *body, size_t len, char out[SFP_DIGEST_CHARS]);

/*
 * RFC 9421 (hmac-sha256).
 *
 * A request as the signature base sees it: method and absolute target URI,
 * and header fields (names compared case-insensitively, values trimmed).
 * Everything is borrowed.
 */
struct sfp_http_field {
	const char *name;
	const char *value;
};
struct sfp_signed_req {
	const char *method;
	const char *target_uri;
	const struct sfp_http_field *fields;
	size_t nfields;
};

/* One signature as read from Signature-Input and Signature (parsed from them
 * by sfp_rfc9421_parse; strings point into its own storage). */
#define SFP_RFC9421_MAXCOMP 16
struct sfp_rfc9421_sig {
	char label[64];
	char *components[SFP_RFC9421_MAXCOMP];   /* identifiers without quotes */
	size_t ncomponents;
	char value[1024];        /* the member's value as sent: ("@method" ...);created=...
				  * (the @signature-params line reuses these exact bytes) */
	int64_t created;         /* -1 when absent */
	int64_t expires;         /* -1 when absent */
	char nonce[SFP_SW_ID_MAX + 1];
	char keyid[128];
	char alg[32];
	char tag[64];
	unsigned char mac[SFP_MAC_BYTES];
	char store[1024];        /* holds the component strings */
};

/*
 * Parse the Signature-Input and Signature field values and pick the member
 * named label (or, when label is NULL or "", the first member of
 * Signature-Input).  SFP_E_ITEM with code "malformed" on anything off:
 * unknown syntax, a member missing from either field, a signature that is not
 * 32 bytes, an identifier with parameters (not supported here).
 */
enum sfp_status sfp_rfc9421_parse(const char *sig_input, const char *signature,
    const char *label, struct sfp_rfc9421_sig *out, struct sfp_fail *f);

/*
 * Build the signature base for s over req into out (cap bytes, NUL-terminated;
 * *len without the NUL).  Supported derived components: @method, @target-uri,
 * @authority, @scheme, @path, @query.  SFP_E_ITEM "malformed" when a component
 * is unknown, duplicated, missing from the request, or holds a newline or a
 * non-ASCII byte; SFP_E_INTERNAL when out is too small.
 */
enum sfp_status sfp_rfc9421_base(const struct sfp_rfc9421_sig *s, const struct sfp_signed_req *req,
    char *out, size_t cap, size_t *len, struct sfp_fail *f);

/* Check s against req with key: builds the base, computes the MAC, compares in
 * constant time.  SFP_OK when it matches, SFP_E_ITEM "bad-signature" when not,
 * "malformed" when no base can be built or alg names another algorithm. */
enum sfp_status sfp_rfc9421_verify(const struct sfp_rfc9421_sig *s, const struct sfp_signed_req *req,
    const unsigned char *key, size_t keylen, struct sfp_fail *f);

/*
 * Sign req with our profile: components ("@method" "@target-uri"
 * "content-digest"), parameters created, nonce, keyid, alg="hmac-sha256".  req
 * must carry the content-digest field.  Writes the two field values (without
 * names) into sig_input and signature.  label is "sig1" when NULL.
 */
enum sfp_status sfp_rfc9421_sign(const struct sfp_signed_req *req, const char *label,
    int64_t created, const char *nonce, const char *keyid, const unsigned char *key,
    size_t keylen, char *sig_input, size_t sig_input_cap, char *signature, size_t signature_cap,
    struct sfp_fail *f);

#endif
