# SPDX-License-Identifier: ISC
"""Key material in DIR: the test CA, the server certificate, the connected app's
key and certificate, its client id and secret; made once per DIR."""
import os
import secrets
import subprocess

SANS = ["*.my.salesforce.com", "login.salesforce.com", "test.salesforce.com",
        "*.my.site.com", "*.force.com", "*.lightning.force.com",
        "*.sandbox.my.salesforce.com", "localhost"]


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start_rsa_keygen(d):
    """Start making the connected app's RSA key and certificate in d unless they
    exist: the slow part of a cold start, so it runs while other work goes on.
    -> the openssl process, or None."""
    key, cert = os.path.join(d, "jwt_key.pem"), os.path.join(d, "jwt_cert.pem")
    if os.path.exists(key) and os.path.exists(cert):
        return None
    os.makedirs(d, exist_ok=True)
    old = os.umask(0o077)
    try:
        return subprocess.Popen(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-days", "3650", "-subj", "/O=sfpipe tests/CN=sfpipe connected app",
             "-out", cert], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        os.umask(old)


def make_material(d, rsa=None):
    """Test CA, server cert (ECDSA P-256) and the connected app's RSA key+cert.
    Cached in d: generated once per directory.  The RSA key, the slow part, is
    made in parallel with the EC chain (rsa: its openssl process if started)."""
    p = lambda n: os.path.join(d, n)  # noqa: E731
    if rsa is None:
        rsa = start_rsa_keygen(d)
    if not (os.path.exists(p("ca.pem")) and os.path.exists(p("server.pem"))):
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        run("openssl", "req", "-x509", *ec, "-keyout", p("ca.key"), "-days", "3650",
            "-subj", "/O=sfpipe tests/CN=sfpipe emulator test CA", "-out", p("ca.pem"),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        run("openssl", "req", "-new", *ec, "-keyout", p("server.key"), "-subj",
            "/O=sfpipe tests/CN=*.my.salesforce.com", "-out", p("server.csr"))
        with open(p("server.ext"), "w") as f:
            f.write("subjectAltName=%s,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                    % ",".join("DNS:" + h for h in SANS))
        run("openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"),
            "-CAkey", p("ca.key"), "-set_serial", str(secrets.randbits(63)),
            "-days", "825", "-extfile", p("server.ext"), "-out", p("server.pem"))
    if rsa is not None:
        _, err = rsa.communicate()
        if rsa.returncode != 0:
            raise subprocess.CalledProcessError(rsa.returncode, "openssl req rsa", stderr=err)
    os.chmod(p("jwt_key.pem"), 0o600)
    make_app_credentials(d)


def make_app_credentials(d):
    """The connected app's consumer key and secret in d (client_id,
    client_secret, owner-only), unless they exist."""
    os.makedirs(d, exist_ok=True)
    for name, gen in (("client_id", lambda: "3MVG9" + secrets.token_urlsafe(60)[:80]
                       .replace("-", "A").replace("_", "z")),
                      ("client_secret", lambda: secrets.token_hex(32).upper())):
        path = os.path.join(d, name)
        if not os.path.exists(path):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, gen().encode())
            os.close(fd)
        os.chmod(path, 0o600)


def write_secret(path, value):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, value.encode())
    os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
