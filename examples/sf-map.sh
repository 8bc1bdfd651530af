#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of sf-map(1), run from the repository root (make check runs
# this through tests/integration/sf-map.sh, so the manual cannot rot).
# examples/describe.json is the integration user's catalog of the emulator's
# org; in production it comes from: sf-describe Lead Contact Event EventRelation Booking__c
set -eu
cd "$(dirname "$0")/.."

# Check the example mapping against the catalog: silent and exit 0 when valid.
sf-map --check --describe examples/describe.json examples/mapping.json

# Map the example booking into a plan for sf-create.
sf-map --describe examples/describe.json --mapping examples/mapping.json \
    < examples/booking.json
