#!/bin/sh
# SPDX-License-Identifier: ISC
# The EXAMPLES of sf-freebusy(1), run as they are written there (make check
# runs this through tests/integration/freebusy-examples.sh against the
# emulator, whose host users are 005Hs0000000003IAA and 005Hs0000000004IAA;
# use your own hosts' ids with a real org).  Settings come from the
# environment (SF_INSTANCE_URL, SF_CLIENT_ID, SF_USERNAME, SF_JWT_KEY_FILE...).
set -eu

# When are two hosts busy in the first week of December:
sf-freebusy --from 2026-12-01T00:00:00Z --to 2026-12-08T00:00:00Z \
    005Hs0000000003IAA 005Hs0000000004IAA

# Free 30-minute slots between 09:00 and 17:00, Monday to Friday, for a host in
# Oslo, the window given in Oslo time:
sf-freebusy --tz Europe/Oslo --from 2026-12-01 --to 2026-12-05 \
    --slots 30 --hours 09:00-17:00 005Hs0000000003IAA

# Hosts as JSON lines, each tagged with the booking that asks:
printf '%s\n' '{"user":"005Hs0000000003IAA","id":"bk-1042"}' |
    sf-freebusy --from 2026-12-01 --to 2026-12-02
