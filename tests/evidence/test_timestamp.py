"""RFC 3161 time-stamping of tree heads against a real local TSA: ``openssl ts -reply`` behind HTTP."""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from field_app.evidence import service, timestamp
from field_app.timeutil import now_utc

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")

TS_CONFIG = """
[ req ]
distinguished_name = dn
[ dn ]
[ tsa_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {dir}/serial
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory):
    """A CA, a time-stamping certificate it issued, and an HTTP server answering with openssl ts -reply."""
    d = tmp_path_factory.mktemp("tsa")
    (d / "ts.cnf").write_text(TS_CONFIG.format(dir=d))
    (d / "serial").write_text("01\n")
    cnf = ["-config", "ts.cnf"]
    _run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
         "-subj", "/CN=Test TSA CA", *cnf, "-extensions", "ca_ext", cwd=d)  # fmt: skip
    _run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
         "-subj", "/CN=Test TSA", *cnf, cwd=d)  # fmt: skip
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.crt",
         "-days", "2", "-extfile", "ts.cnf", "-extensions", "tsa_ext", cwd=d)  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            query = self.rfile.read(int(self.headers["Content-Length"]))
            reply = subprocess.run(
                ["openssl", "ts", "-reply", "-queryfile", "/dev/stdin", "-inkey", "tsa.key", "-signer", "tsa.crt",
                 "-config", "ts.cnf", "-out", "/dev/stdout"],
                input=query, cwd=d, capture_output=True, check=True,
            ).stdout  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield d, f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_a_tree_head_is_time_stamped_and_openssl_verifies_the_token(app, tsa, tmp_path):
    folder, url = tsa
    app.config["EVIDENCE_TSA_URL"] = url
    with app.app_context():
        from field_app.evidence.heads import head_json
        from field_app.extensions import db

        head = head_json(service.sign_head(now_utc()))
        db.session.commit()
    assert "rfc3161_response" in head
    (tmp_path / "head.tsr").write_bytes(base64.b64decode(head["rfc3161_response"]))
    verify = subprocess.run(
        ["openssl", "ts", "-verify", "-digest", head["rfc3161_digest"], "-in", str(tmp_path / "head.tsr"),
         "-CAfile", str(folder / "ca.crt"), "-untrusted", str(folder / "tsa.crt")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert verify.returncode == 0 and "Verification: OK" in verify.stdout, verify.stdout + verify.stderr
    wrong = subprocess.run(
        ["openssl", "ts", "-verify", "-digest", "00" * 32, "-in", str(tmp_path / "head.tsr"),
         "-CAfile", str(folder / "ca.crt"), "-untrusted", str(folder / "tsa.crt")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0  # the token is bound to this head's digest


def test_an_unreachable_tsa_leaves_the_head_signed_and_records_why(app):
    app.config["EVIDENCE_TSA_URL"] = "http://127.0.0.1:9/nothing-listens-here"
    app.config["EVIDENCE_TSA_TIMEOUT_SECONDS"] = 2.0
    with app.app_context():
        head = service.sign_head(now_utc())
        assert head.signature and head.tsa_response is None and head.tsa_error


def test_a_refusing_response_is_read_as_refused():
    refused = bytes.fromhex("3005300302 0102".replace(" ", ""))  # TimeStampResp{status: rejection(2)}
    assert timestamp.response_status(refused) == 2
