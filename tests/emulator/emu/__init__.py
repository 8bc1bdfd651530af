# SPDX-License-Identifier: ISC
"""The emulator's server, one module a job; sfemu.py starts it (see README.md, Files)."""
