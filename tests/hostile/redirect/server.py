#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""A TLS server that answers every request with a redirect, for the hostile
tests: python3 server.py CERT KEY LOGFILE PORTFILE LOCATION.  It serves on a
free port (written to PORTFILE), logs "METHOD PATH" per request to LOGFILE."""
import http.server, ssl, sys

cert, key, logfile, portfile, location = sys.argv[1:6]

class H(http.server.BaseHTTPRequestHandler):
    def _any(self):
        with open(logfile, "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any
    def log_message(self, *a):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile, "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
