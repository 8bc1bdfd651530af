/* SPDX-License-Identifier: ISC */
/* The org settings file (ours, or `sf org display --json`), then the
 * allowlist and flow checks of sfp_org_complete; and URLs as the transport
 * checks them. */
#include "fuzz.h"
#include "org.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sfp_org o;
	struct sfp_fail f;
	const char *path = fz_file("org.json", data, size);
	sfp_org_init(&o);
	if (sfp_org_from_file(&o, path, &f) == SFP_OK)
		(void)sfp_org_complete(&o, &f);
	sfp_org_fini(&o);

	char *s = fz_strdup(data, size);
	(void)sfp_http_check_url(s, &f);
	(void)sfp_http_host_allowed(s);
	enum sfp_flow fl;
	(void)sfp_flow_parse(s, &fl);
	sfp_org_init(&o);
	(void)sfp_org_set(&o, "SF_INSTANCE_URL", s, &f);
	(void)sfp_org_set(&o, "SF_LOGIN_URL", s, &f);
	(void)sfp_org_set(&o, "SF_API_VERSION", s, &f);
	sfp_org_fini(&o);
	free(s);
	return 0;
}
