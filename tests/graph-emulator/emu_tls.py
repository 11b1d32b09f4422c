"""Throwaway certificate authority for the emulator, made with the openssl CLI.

Creates ca.pem/ca.key and a server certificate for 127.0.0.1 and localhost
signed by it.  Clients trust only ca.pem, so TLS is verified end to end as it
would be against graph.microsoft.com.  An existing, complete set in the
directory is reused (several emulators may share one --ca-dir).
"""

import os
import ssl
import subprocess
import tempfile

FILES = ("ca.pem", "ca.key", "server.pem", "server.key")

_SERVER_EXT = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
"""


def _openssl(*args, cwd):
    subprocess.run(("openssl",) + args, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _generate(work):
    """Write a CA and a server certificate into the directory work."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "30", "-subj", "/CN=driftward Graph emulator test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=work)
    _openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=localhost", cwd=work)
    with open(os.path.join(work, "server.ext"), "w") as f:
        f.write(_SERVER_EXT)
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "30",
             "-extfile", "server.ext", cwd=work)


def ensure_ca(ca_dir):
    """Make sure ca_dir holds the CA and server files; return their paths."""
    os.makedirs(ca_dir, exist_ok=True)
    paths = {name: os.path.join(ca_dir, name) for name in FILES}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    with tempfile.TemporaryDirectory(dir=ca_dir) as work:
        _generate(work)
        # Server files first, ca.pem last: a reader that sees ca.pem sees a full set.
        for name in ("ca.key", "server.key", "server.pem", "ca.pem"):
            os.replace(os.path.join(work, name), paths[name])
    return paths


def server_context(paths):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(paths["server.pem"], paths["server.key"])
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
