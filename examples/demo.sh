#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: the whole booking-to-CRM flow against the bundled emulator.
echo "demo: not yet: the programs are being built (see README.md)"
