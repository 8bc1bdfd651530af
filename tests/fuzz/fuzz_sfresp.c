/* SPDX-License-Identifier: ISC */
/* Salesforce responses as the client reads them: error bodies at any HTTP
 * status, describe results turned into catalog lines, composite graph
 * responses read back into plan outcomes, and the Sforce-Limit-Info header.
 * The first byte picks the HTTP status. */
#include "fuzz.h"
#include "stream.h"
#include "sfapi.h"
#include "http.h"
#include "describe.h"
#include "plan.h"

static const long statuses[] = { 200, 201, 204, 300, 400, 401, 403, 404, 409, 412, 420, 500, 502, 503 };
static cJSON *plans[3];

static void setup(void)
{
	const char *p[3] = {
		"{\"id\":\"bk-1\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"upsert\":{\"field\":\"Booking_Key__c\",\"value\":\"bk-1\"},\"fields\":{\"LastName\":\"Lee\",\"Company\":\"Acme\"}},{\"ref\":\"event\",\"sobject\":\"Event\",\"fields\":{\"WhoId\":\"@{lead.id}\",\"Subject\":\"Demo\"}}]}",
		"{\"id\":\"bk-2\",\"records\":[{\"ref\":\"lead\",\"sobject\":\"Lead\",\"fields\":{\"LastName\":\"Ng\",\"Company\":\"Globex\"}}]}",
		"{\"id\":\"bk-3\",\"records\":[{\"ref\":\"c\",\"sobject\":\"Contact\",\"fields\":{\"LastName\":\"Ode\"}}]}",
	};
	struct sfp_fail f;
	for (int i = 0; i < 3; i++)
		if (sfp_json_parse(p[i], strlen(p[i]), "plan", 0, &plans[i], &f) != SFP_OK ||
		    sfp_plan_check(plans[i], &f) != SFP_OK) {
			fprintf(stderr, "fuzz_sfresp: plan %d: %s\n", i, f.message);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (plans[0] == NULL)
		setup();
	if (size == 0)
		return 0;
	long status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	const char *body = (const char *)data + 1;
	size_t blen = size - 1;
	struct sfp_fail f;
	cJSON *json = NULL;
	(void)sfp_sf_fail_from(status, NULL, body, blen, &f);
	if (strchr(f.message, '\n') != NULL || strchr(f.message, '\r') != NULL)
		abort();   /* an error message is always one line */
	if (sfp_json_parse(body, blen, "response", 0, &json, &f) == SFP_OK) {
		(void)sfp_sf_fail_from(status, json, body, blen, &f);
		if (strchr(f.message, '\n') != NULL)
			abort();
		cJSON *line = NULL;
		if (sfp_catalog_from_describe(json, &line, &f) == SFP_OK) {
			struct sfp_catalog *c = sfp_catalog_new();
			if (sfp_catalog_add_take(c, line, &f) == SFP_OK) {
				struct sfp_field fld;
				(void)sfp_catalog_field(c, "Lead", "LastName", &fld);
			}
			sfp_catalog_free(c);
		}
		const cJSON *const pl[3] = { plans[0], plans[1], plans[2] };
		size_t num[3] = { 1, 2, 7 };
		enum sfp_outcome out[3];
		cJSON *recs[3] = { NULL, NULL, NULL };
		struct sfp_fail fails[3];
		(void)sfp_graph_read(json, pl, num, 3, out, recs, fails);
		for (int i = 0; i < 3; i++)
			cJSON_Delete(recs[i]);
		cJSON_Delete(json);
	}
	char *s = fz_strdup(data + 1, blen);
	long used, max;
	(void)sfp_http_parse_limit_info(s, &used, &max);
	(void)sfp_graph_is_daily_limit("REQUEST_LIMIT_EXCEEDED", s);
	free(s);
	return 0;
}
