#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of sf-describe(1), run as they are written there (make check runs
# this through tests/integration/describe-examples.sh against the emulator).
# Settings come from the environment (SF_INSTANCE_URL, SF_CLIENT_ID,
# SF_USERNAME, SF_JWT_KEY_FILE...); files are written in the current directory.
set -eu

# The sObjects the integration user can create:
sf-describe --createable

# The daily catalog that sf-map checks mappings against:
sf-describe Lead Event EventRelation > describe.json

# Later the same day, from the cache without a request:
sf-describe --offline Lead Event EventRelation > describe.json

# A starting mapping for a Lead and its Event:
sf-describe --template Lead Event > mapping.json
