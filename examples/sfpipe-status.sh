#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of sfpipe-status(1) against a pipeline directory DIR, the one
# examples/pipeline.sh keeps (tests/integration/status.sh runs this against one
# the pipeline filled from the emulator, so the manual cannot rot).
#
#   sfpipe-status.sh DIR [ID]
set -eu
dir=${1:?usage: sfpipe-status.sh DIR [ID]}

# What an operator looks at in the morning: pending, what needs a person, last success.
sfpipe-status "$dir"

# For monitoring, the rejects waiting per tenant.
sfpipe-status --json "$dir" | jq -c '.tenants[] | {tenant, needs_person}'

# A reject dealt with (fixed and sent again, or judged harmless): marked handled.
if [ $# -ge 2 ]; then
	sfpipe-status --handled "$dir" "$2"
fi
