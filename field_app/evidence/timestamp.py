"""RFC 3161 time-stamping of tree heads by a configured authority (TSA): request, send, check status.

The request is a fixed DER structure (version 1, a SHA-256 message imprint, a nonce, certReq true),
written out here rather than pulling in an ASN.1 library. The response is stored whole; anyone can
check it later with ``openssl ts -verify -digest HEX -in head.tsr -CAfile tsa-ca.pem``.
"""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request

SHA256_ALGORITHM = bytes.fromhex("300d06096086480165030402010500")  # AlgorithmIdentifier, NULL params


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def _integer(value: int) -> bytes:
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def request(digest: bytes, nonce: int) -> bytes:
    """A DER TimeStampReq for a SHA-256 digest."""
    imprint = _der(0x30, SHA256_ALGORITHM + _der(0x04, digest))
    return _der(0x30, _integer(1) + imprint + _integer(nonce) + _der(0x01, b"\xff"))


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of body, end of body) of the DER element at ``pos``."""
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def response_status(response: bytes) -> int:
    """PKIStatus of a TimeStampResp: 0 granted, 1 granted with modifications, 2+ refused."""
    tag, start, _end = _read(response, 0)
    status_tag, status_start, _ = _read(response, start)
    int_tag, int_start, int_end = _read(response, status_start)
    if tag != 0x30 or status_tag != 0x30 or int_tag != 0x02:
        raise ValueError("not a TimeStampResp")
    return int.from_bytes(response[int_start:int_end], "big")


def stamp(url: str, digest: bytes, timeout: float) -> bytes:
    """Ask the TSA at ``url`` to time-stamp ``digest``; the DER response, or ValueError/OSError saying why."""
    body = request(digest, secrets.randbits(63))
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/timestamp-query"})
    with urllib.request.urlopen(req, timeout=timeout) as answer:  # noqa: S310 (a configured https/http URL)
        response = answer.read()
    status = response_status(response)
    if status not in (0, 1):
        raise ValueError(f"the time-stamp authority refused the request (PKIStatus {status})")
    if digest not in response:  # the token's messageImprint carries the digest verbatim
        raise ValueError("the time-stamp token does not cover the tree head")
    return response
