/* SPDX-License-Identifier: ISC */
#include "compat.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"

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

Suite *suite_http(void);
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
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
