/* SPDX-License-Identifier: ISC */
/*
 * provision_stream: what sf-provision does, as a library call.  Reads every
 * tagged request of stdin (hmac-verify --tagged), provisions each tenant's
 * requests in its org (sfp_prov_run), writes one result line per request in
 * input order.  Returns SFP_OK, SFP_E_ITEM (some requests failed, each line
 * says why) or the failure that stopped the run (then results of the tenants
 * not reached are not written).
 */
#ifndef SFP_PROVISION_STREAM_H
#define SFP_PROVISION_STREAM_H

#include "fail.h"
#include "provision.h"

struct sfp_writer;

struct sfp_prov_opts {
	const char *org_file;     /* --org (single org; with tenant) */
	const char *tenant;       /* --tenant: the one tenant whose requests are served */
	const char *tenants_dir;  /* --tenants: each tenant's own org and config */
	const char *config;       /* --config: the provisioning rules (else the tenant's) */
};

enum sfp_status sfp_prov_stream(const struct sfp_prov_opts *o, struct sfp_writer *w,
    struct sfp_fail *f);

#endif
