/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "testutil.h"

START_TEST(allowlist_hosts)
{
	static const char *const ok[] = {
		"login.salesforce.com", "test.salesforce.com", "acme.my.salesforce.com",
		"acme--dev.sandbox.my.salesforce.com", "acme.scratch.my.salesforce.com",
		"acme-dev-ed.develop.my.salesforce.com", "acme.lightning.force.com",
		"acme--dev.sandbox.lightning.force.com", "acme.my.site.com",
		"acme--dev.sandbox.my.site.com", "acme--c.vf.force.com", "na1.salesforce.com",
		"x.siteforce.com", "acme.my.salesforce-sites.com", "LOGIN.SALESFORCE.COM", NULL
	};
	static const char *const bad[] = {
		"evil.example", "login.salesforce.com.evil.example", "evilsalesforce.com",
		"salesforce.com.", "acme.my.salesforce.com.", "force.com.evil", "my-site.com",
		"xforce.com", "", "acme.my.salesforce.com:443", "a b.salesforce.com",
		"acme.my.salesforce.com/x", NULL
	};
	size_t i;

	for (i = 0; ok[i] != NULL; i++)
		ck_assert_msg(sfp_http_host_allowed(ok[i]), "should allow %s", ok[i]);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!sfp_http_host_allowed(bad[i]), "should refuse %s", bad[i]);
	ck_assert(!sfp_http_host_allowed(NULL));
}
END_TEST

START_TEST(allowlist_urls)
{
	struct sfp_fail f;

	ck_assert_int_eq(sfp_http_check_url("https://acme.my.salesforce.com:8443/services/data/", &f),
	    SFP_OK);
	ck_assert_int_eq(sfp_http_check_url("http://login.salesforce.com/", &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "host-refused");
	ck_assert_int_eq(sfp_http_check_url("https://evil.example/", &f), SFP_E_INPUT);
	ck_assert_ptr_nonnull(strstr(f.message, "evil.example"));
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com.evil.example/", &f),
	    SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("https://user:pw@login.salesforce.com/", &f), SFP_E_INPUT);
	ck_assert_ptr_null(strstr(f.message, "pw"));
	ck_assert_int_eq(sfp_http_check_url("HTTPS://login.salesforce.com/", &f), SFP_OK);
	ck_assert_int_eq(sfp_http_check_url("ftp://login.salesforce.com/", &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("https://evilsalesforce.com/", &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("", &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com@evil.example/", &f),
	    SFP_E_INPUT);
}
END_TEST

START_TEST(limit_info)
{
	long u = -1, m = -1;

	ck_assert(sfp_http_parse_limit_info("api-usage=22/15000", &u, &m));
	ck_assert_int_eq(u, 22);
	ck_assert_int_eq(m, 15000);
	ck_assert(sfp_http_parse_limit_info("api-usage=18/5000, per-app-api-usage=17/250(appName=x)",
	    &u, &m));
	ck_assert_int_eq(u, 18);
	ck_assert_int_eq(m, 5000);
	u = m = -1;
	ck_assert(!sfp_http_parse_limit_info("per-app-api-usage=17/250(appName=x)", &u, &m));
	ck_assert(!sfp_http_parse_limit_info("api-usage=x/1", &u, &m));
	ck_assert(!sfp_http_parse_limit_info("api-usage=1", &u, &m));
	ck_assert(!sfp_http_parse_limit_info(NULL, &u, &m));
	ck_assert_int_eq(u, -1);
}
END_TEST

START_TEST(backoff)
{
	int i;

	ck_assert_int_eq(sfp_http_backoff_ms(1, 500, 30000, 3), 3000);
	ck_assert_int_eq(sfp_http_backoff_ms(1, 500, 30000, 100), 30000);
	ck_assert_int_eq(sfp_http_backoff_ms(1, 500, 30000, 0), 0);
	for (i = 0; i < 200; i++) {
		long w1 = sfp_http_backoff_ms(1, 500, 30000, -1);
		long w3 = sfp_http_backoff_ms(3, 500, 30000, -1);
		long w20 = sfp_http_backoff_ms(20, 500, 30000, -1);
		ck_assert(w1 >= 0 && w1 <= 500);
		ck_assert(w3 >= 0 && w3 <= 2000);
		ck_assert(w20 >= 0 && w20 <= 30000);
	}
}
END_TEST

/* A listening socket on 127.0.0.1; returns its fd and port. */
static int
listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

START_TEST(refused_urls_send_nothing)
{
	static const char *const urls[] = {
		"http://login.salesforce.com:", "https://evil.example:",
		"https://login.salesforce.com.evil.example:", NULL
	};
	struct sfp_http_opts o;
	struct sfp_http *h;
	struct sfp_http_resp r;
	struct sfp_http_req q;
	struct sfp_fail f;
	char resolve[128], url[128];
	int port, fd, i;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fd = listener(&port);
	(void)snprintf(resolve, sizeof(resolve), "login.salesforce.com:%d:127.0.0.1", port);
	sfp_http_opts_default(&o);
	o.resolve = resolve;
	o.ca_file = "";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_OK);
	sfp_http_resp_init(&r);
	for (i = 0; urls[i] != NULL; i++) {
		(void)snprintf(url, sizeof(url), "%s%d/services/oauth2/token", urls[i], port);
		memset(&q, 0, sizeof(q));
		q.method = "POST";
		q.url = url;
		q.body = "grant_type=x";
		q.body_len = strlen(q.body);
		ck_assert_int_eq(sfp_http_do(h, &q, &r, &f), SFP_E_INPUT);
		ck_assert_str_eq(f.code, "host-refused");
		ck_assert_int_eq(r.attempts, 0);
	}
	/* Nobody knocked. */
	ck_assert_int_eq(accept(fd, NULL, NULL), -1);
	ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
	sfp_http_resp_fini(&r);
	sfp_http_free(h);
	close(fd);
}
END_TEST

START_TEST(resolve_must_name_salesforce_hosts)
{
	struct sfp_http_opts o;
	struct sfp_http *h = NULL;
	struct sfp_fail f;

	sfp_http_opts_default(&o);
	o.ca_file = "";
	o.resolve = "evil.example:443:127.0.0.1";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	ck_assert_ptr_null(h);
	o.resolve = "login.salesforce.com";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	o.resolve = "login.salesforce.com::127.0.0.1";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	o.resolve = "login.salesforce.com:443:";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	o.resolve = "login.salesforce.com:443:127.0.0.1, acme.my.salesforce.com:443:127.0.0.1";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_OK);
	sfp_http_free(h);
	o.resolve = "";
	o.ca_file = "/nonexistent/ca.pem";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.place, "SF_CA_FILE");
}
END_TEST

START_TEST(connection_refused_is_retried_then_network)
{
	struct sfp_http_opts o;
	struct sfp_http *h;
	struct sfp_http_resp r;
	struct sfp_http_req q;
	struct sfp_fail f;
	char resolve[128], url[128];
	int port, fd;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fd = listener(&port);
	close(fd);                      /* now nothing listens there */
	(void)snprintf(resolve, sizeof(resolve), "login.salesforce.com:%d:127.0.0.1", port);
	(void)snprintf(url, sizeof(url), "https://login.salesforce.com:%d/x", port);
	sfp_http_opts_default(&o);
	o.resolve = resolve;
	o.ca_file = "";
	o.max_retries = 2;
	o.backoff_base_ms = 1;
	o.backoff_max_ms = 5;
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_OK);
	sfp_http_resp_init(&r);
	memset(&q, 0, sizeof(q));
	q.method = "POST";              /* nothing was sent, so even a POST is retried */
	q.url = url;
	ck_assert_int_eq(sfp_http_do(h, &q, &r, &f), SFP_E_TEMP);
	ck_assert_str_eq(f.code, "NETWORK");
	ck_assert_int_eq(r.attempts, 3);
	ck_assert_int_eq(r.status, 0);
	{
		struct sfp_http_req qs[2];
		struct sfp_http_resp rs[2];
		struct sfp_fail fs[2];
		enum sfp_status sts[2];
		qs[0] = q;
		qs[1] = q;
		qs[1].url = "https://evil.example/";
		sfp_http_resp_init(&rs[0]);
		sfp_http_resp_init(&rs[1]);
		ck_assert_int_eq(sfp_http_do_many(h, qs, rs, fs, sts, 2, 2), SFP_OK);
		ck_assert_int_eq(sts[0], SFP_E_TEMP);
		ck_assert_str_eq(fs[0].code, "NETWORK");
		ck_assert_int_eq(rs[0].attempts, 3);
		ck_assert_int_eq(sts[1], SFP_E_INPUT);
		ck_assert_str_eq(fs[1].code, "host-refused");
		sfp_http_resp_fini(&rs[0]);
		sfp_http_resp_fini(&rs[1]);
	}
	sfp_http_resp_fini(&r);
	sfp_http_free(h);
}
END_TEST


/* ---- a scripted TLS server in a child process, by a Salesforce name ---- */

enum act { CUT_AFTER_READ, ANSWER_503_RETRY0, ANSWER_201, ANSWER_302_EVIL };

static char ca_path[256];

/* A self-signed certificate for login.salesforce.com, its key, written as the
 * trust anchor the client is given. */
static SSL_CTX *
make_server_ctx(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	SSL_CTX *ctx;
	FILE *fp;
	int fd;

	ck_assert_ptr_nonnull(k);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"login.salesforce.com", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:login.salesforce.com");
	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	fd = tu_tmpfile(ca_path, sizeof(ca_path), "http-ca");
	fp = fdopen(fd, "w");
	PEM_write_X509(fp, x);
	fclose(fp);
	ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(ctx, x);
	SSL_CTX_use_PrivateKey(ctx, k);
	X509_free(x);
	EVP_PKEY_free(k);
	return ctx;
}

/* Serve one connection per entry of script, then exit. */
static pid_t
serve(int lfd, const enum act *script, int n)
{
	SSL_CTX *ctx = make_server_ctx();
	pid_t pid = fork();
	int i;

	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		SSL_CTX_free(ctx);
		return pid;
	}
	(void)fcntl(lfd, F_SETFL, 0);
	for (i = 0; i < n; i++) {
		char buf[8192];
		size_t got = 0;
		int c = accept(lfd, NULL, NULL), r;
		SSL *ssl;
		const char *ans = NULL;

		if (c < 0)
			_exit(1);
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, c);
		if (SSL_accept(ssl) != 1)
			_exit(2);
		/* Read the request head and whatever body is in flight. */
		while (got + 1 < sizeof(buf) && (r = SSL_read(ssl, buf + got,
		    (int)(sizeof(buf) - 1 - got))) > 0) {
			got += (size_t)r;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL)
				break;
		}
		switch (script[i]) {
		case CUT_AFTER_READ:
			break;
		case ANSWER_503_RETRY0:
			ans = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
			    "Content-Length: 0\r\nConnection: close\r\n\r\n";
			break;
		case ANSWER_201:
			ans = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
			    "Sforce-Limit-Info: api-usage=7/15000\r\nContent-Length: 11\r\n"
			    "Connection: close\r\n\r\n{\"id\":\"x\"}\n";
			break;
		case ANSWER_302_EVIL:
			ans = "HTTP/1.1 302 Found\r\nLocation: https://evil.example/x\r\n"
			    "Content-Length: 0\r\nConnection: close\r\n\r\n";
			break;
		}
		if (ans != NULL) {
			(void)SSL_write(ssl, ans, (int)strlen(ans));
			(void)SSL_shutdown(ssl);
		} else {
			struct linger lg = { 1, 0 };   /* reset: the answer never comes */
			(void)setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		SSL_free(ssl);
		close(c);
	}
	_exit(0);
}

static struct sfp_http *
client_for(int port, int retries)
{
	struct sfp_http_opts o;
	struct sfp_http *h = NULL;
	struct sfp_fail f;
	char resolve[128];

	(void)snprintf(resolve, sizeof(resolve), "login.salesforce.com:%d:127.0.0.1", port);
	sfp_http_opts_default(&o);
	o.resolve = resolve;
	o.ca_file = ca_path;
	o.max_retries = retries;
	o.backoff_base_ms = 1;
	o.backoff_max_ms = 5;
	o.timeout_ms = 5000;
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_OK);
	return h;
}

static void
finish_server(pid_t pid)
{
	int status = 0;

	/* The server leaves by itself once its script is played. */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	(void)unlink(ca_path);
}

/* One scripted TLS server and a client pointed at it by a Salesforce host
 * name: what every transport test below starts from. */
struct scripted {
	int lfd, port;
	pid_t pid;
	struct sfp_http *h;
	char url[160];
	struct sfp_http_req q;
};

static void
scripted_start(struct scripted *s, const enum act *script, int n, int retries,
    const char *method, const char *path, const char *body)
{
	memset(s, 0, sizeof(*s));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s->lfd = listener(&s->port);
	s->pid = serve(s->lfd, script, n);
	s->h = client_for(s->port, retries);
	(void)snprintf(s->url, sizeof(s->url), "https://login.salesforce.com:%d%s", s->port, path);
	s->q.method = method;
	s->q.url = s->url;
	s->q.body = body;
	s->q.body_len = body != NULL ? strlen(body) : 0;
}

static void
scripted_stop(struct scripted *s)
{
	sfp_http_free(s->h);
	finish_server(s->pid);
	close(s->lfd);
}

START_TEST(post_cut_after_send_is_outcome_unknown)
{
	static const enum act script[] = { CUT_AFTER_READ };
	struct scripted s;
	struct sfp_http_resp r;
	struct sfp_fail f;

	scripted_start(&s, script, 1, 3, "POST", "/services/data/v62.0/sobjects/Lead",
	    "{\"LastName\":\"Lee\"}");
	sfp_http_resp_init(&r);
	ck_assert_int_eq(sfp_http_do(s.h, &s.q, &r, &f), SFP_E_TEMP);
	ck_assert_str_eq(f.code, "OUTCOME_UNKNOWN");
	ck_assert_int_eq(r.attempts, 1);            /* never resent */
	sfp_http_resp_fini(&r);
	scripted_stop(&s);
}
END_TEST

START_TEST(get_cut_is_retried)
{
	static const enum act script[] = { CUT_AFTER_READ, ANSWER_201 };
	struct scripted s;
	struct sfp_http_resp r;
	struct sfp_fail f;
	long used, max;

	scripted_start(&s, script, 2, 3, "GET", "/services/data/v62.0/limits", NULL);
	sfp_http_resp_init(&r);
	ck_assert_int_eq(sfp_http_do(s.h, &s.q, &r, &f), SFP_OK);
	ck_assert_int_eq(r.status, 201);
	ck_assert_int_eq(r.attempts, 2);
	ck_assert_str_eq(r.body, "{\"id\":\"x\"}\n");
	ck_assert_int_eq(r.api_used, 7);
	sfp_http_usage(s.h, &used, &max);
	ck_assert_int_eq(used, 7);
	ck_assert_int_eq(max, 15000);
	sfp_http_resp_fini(&r);
	scripted_stop(&s);
}
END_TEST

START_TEST(post_503_retry_after_then_created)
{
	static const enum act script[] = { ANSWER_503_RETRY0, ANSWER_201 };
	struct scripted s;
	struct sfp_http_resp r;
	struct sfp_fail f;

	scripted_start(&s, script, 2, 3, "POST", "/x", "{}");
	sfp_http_resp_init(&r);
	ck_assert_int_eq(sfp_http_do(s.h, &s.q, &r, &f), SFP_OK);
	ck_assert_int_eq(r.status, 201);
	ck_assert_int_eq(r.attempts, 2);
	sfp_http_resp_fini(&r);
	scripted_stop(&s);
}
END_TEST

START_TEST(redirect_is_returned_not_followed)
{
	static const enum act script[] = { ANSWER_302_EVIL };
	struct scripted s;
	struct sfp_http_resp r;
	struct sfp_fail f;

	scripted_start(&s, script, 1, 0, "GET", "/x", NULL);
	sfp_http_resp_init(&r);
	ck_assert_int_eq(sfp_http_do(s.h, &s.q, &r, &f), SFP_OK);
	ck_assert_int_eq(r.status, 302);
	ck_assert_str_eq(r.location, "https://evil.example/x");
	ck_assert_int_eq(r.attempts, 1);
	/* Following it is the caller's call, and the allowlist says no. */
	s.q.url = r.location;
	{
		struct sfp_http_resp r2;
		sfp_http_resp_init(&r2);
		ck_assert_int_eq(sfp_http_do(s.h, &s.q, &r2, &f), SFP_E_INPUT);
		sfp_http_resp_fini(&r2);
	}
	sfp_http_resp_fini(&r);
	scripted_stop(&s);
}
END_TEST

static void
test_mode_on(void)
{
	ck_assert_int_eq(setenv(SFP_HTTP_TEST_SWITCH, "1", 1), 0);
}

/* Issue 16: outside test mode nothing may change whom we trust or where a name
 * leads, and only port 443 is reached. */
START_TEST(production_refuses_test_settings)
{
	struct sfp_http_opts o;
	struct sfp_http *h = NULL;
	struct sfp_fail f;

	ck_assert_int_eq(unsetenv(SFP_HTTP_TEST_SWITCH), 0);
	ck_assert(!sfp_http_test_mode());
	sfp_http_opts_default(&o);
	o.resolve = "login.salesforce.com:443:127.0.0.1";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	ck_assert_ptr_null(h);
	ck_assert_str_eq(f.code, "test-setting");
	ck_assert_str_eq(f.place, "SF_RESOLVE");
	o.resolve = NULL;
	o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "test-setting");
	ck_assert_str_eq(f.place, "SF_CA_FILE");
	/* A switch set to anything but "1" is off. */
	ck_assert_int_eq(setenv(SFP_HTTP_TEST_SWITCH, "yes", 1), 0);
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_E_INPUT);
	/* Control: with neither setting, a handle is made. */
	o.ca_file = "";
	o.resolve = "";
	ck_assert_int_eq(sfp_http_new(&o, &h, &f), SFP_OK);
	sfp_http_free(h);
}
END_TEST

START_TEST(production_port_443_only)
{
	struct sfp_fail f;

	ck_assert_int_eq(unsetenv(SFP_HTTP_TEST_SWITCH), 0);
	ck_assert_int_eq(sfp_http_check_url("https://acme.my.salesforce.com:8443/services/data/", &f),
	    SFP_E_INPUT);
	ck_assert_str_eq(f.code, "host-refused");
	ck_assert_ptr_nonnull(strstr(f.message, "8443"));
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com:80/", &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com:4430/", &f), SFP_E_INPUT);
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com:443/", &f), SFP_OK);
	ck_assert_int_eq(sfp_http_check_url("https://login.salesforce.com/", &f), SFP_OK);
	/* Control: the same URL passes in test mode. */
	test_mode_on();
	ck_assert_int_eq(sfp_http_check_url("https://acme.my.salesforce.com:8443/services/data/", &f),
	    SFP_OK);
}
END_TEST

/* In test mode SF_RESOLVE points Salesforce names at loopback, nowhere else. */
START_TEST(resolve_loopback_only)
{
	static const char *const bad[] = {
		"login.salesforce.com:443:10.0.0.1", "login.salesforce.com:443:203.0.113.9",
		"login.salesforce.com:443:[2001:db8::1]", "login.salesforce.com:443:localhost",
		"login.salesforce.com:443:0.0.0.0", "login.salesforce.com:443:128.0.0.1", NULL
	};
	static const char *const good[] = {
		"login.salesforce.com:443:127.0.0.1", "login.salesforce.com:8443:127.1.2.3",
		"login.salesforce.com:443:[::1]", "login.salesforce.com:443:::1", NULL
	};
	struct sfp_fail f;
	size_t i;

	test_mode_on();
	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(sfp_http_check_test_settings(NULL, bad[i], NULL, &f) == SFP_E_INPUT,
		    "should refuse %s", bad[i]);
		ck_assert_str_eq(f.place, "SF_RESOLVE");
	}
	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(sfp_http_check_test_settings(NULL, good[i], NULL, &f) == SFP_OK,
		    "should accept %s: %s", good[i], f.message);
}
END_TEST

/* In test mode the CA file must be one nobody else may write. */
START_TEST(ca_file_must_be_safe)
{
	char path[256];
	struct sfp_fail f;
	int fd = tu_tmpfile(path, sizeof(path), "ca");

	close(fd);
	test_mode_on();
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(sfp_http_check_test_settings(path, NULL, NULL, &f), SFP_OK);
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(sfp_http_check_test_settings(path, NULL, NULL, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	ck_assert_int_eq(chmod(path, 0646), 0);
	ck_assert_int_eq(sfp_http_check_test_settings(path, NULL, NULL, &f), SFP_E_INPUT);
	ck_assert_str_eq(f.code, "unsafe-file");
	unlink(path);
}
END_TEST

Suite *
suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, allowlist_hosts);
	tcase_add_test(tc, allowlist_urls);
	tcase_add_test(tc, limit_info);
	tcase_add_test(tc, backoff);
	tcase_add_test(tc, refused_urls_send_nothing);
	tcase_add_test(tc, resolve_must_name_salesforce_hosts);
	tcase_add_test(tc, connection_refused_is_retried_then_network);
	tcase_add_test(tc, post_cut_after_send_is_outcome_unknown);
	tcase_add_test(tc, get_cut_is_retried);
	tcase_add_test(tc, post_503_retry_after_then_created);
	tcase_add_test(tc, redirect_is_returned_not_followed);
	tcase_add_test(tc, resolve_loopback_only);
	tcase_add_test(tc, ca_file_must_be_safe);
	/* The emulator-style tests reach a local server: test mode on. */
	tcase_add_checked_fixture(tc, test_mode_on, NULL);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("production");
	tcase_add_test(tc, production_refuses_test_settings);
	tcase_add_test(tc, production_port_443_only);
	suite_add_tcase(s, tc);
	return s;
}
