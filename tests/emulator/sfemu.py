#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""sfemu: a local Salesforce REST API emulator over real TLS, for sfpipe's tests.

    sfemu.py --dir DIR [--port N]

Standard library only (the openssl command makes keys and certificates).  The
server is the package emu/ (README.md, Files, says which module does what);
this file starts it, and is what ./emuctl runs and looks for.
"""
import os
import sys

from emu import material


def main():
    # the connected app's RSA key is the slow part of a cold start: begin it
    # before the server's imports, so the two overlap
    rsa = None
    if "--dir" in sys.argv[:-1]:
        rsa = material.start_rsa_keygen(os.path.abspath(sys.argv[sys.argv.index("--dir") + 1]))
    from emu import server
    server.main(rsa)


if __name__ == "__main__":
    main()
