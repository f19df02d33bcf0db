"""Fixtures for presence tests: liveness bursts from real photos, tags that behave like NTAG 424 DNA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from field_app.demo.static_attacks import shifted
from field_app.verification import ntag424
from field_app.verification.liveness import TURN_LEFT
from tests import factories as f

MASTER_HEX = "00112233445566778899AABBCCDDEEFF"
MASTER = bytes.fromhex(MASTER_HEX)


@pytest.fixture
def now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def w(app, client):
    """The API world (caregiver 'obama' enrolled from obama/1.jpg), with a fixed tag master key."""
    app.config["TAG_MASTER_KEY"] = MASTER_HEX
    return f.world(app, client)


def challenge(client, kind="check_in", visit="visit-0001", caregiver_id=None, w=None):
    body = {"caregiver_id": caregiver_id if caregiver_id is not None else w.caregiver_id, "kind": kind}
    return client.post(f"/api/v1/visits/{visit}/challenge", json=body)


def honest_burst(actions: list[str]) -> list[bytes]:
    """One person, frontal then turned as asked: obama/5 (yaw -0.00), obama/2 (-0.21: nose to the
    image's left), obama/4 (+0.18: to its right)."""
    turned = {TURN_LEFT: f.photo("obama", 1)}
    turned["turn_right"] = f.photo("obama", 3)
    start = f.photo("obama", 4)
    return [start, shifted(start, 0.02), *(turned[a] for a in actions)]


def burst(client, challenge_id: str, frames: list[bytes]):
    return client.post(
        f"/api/v1/challenges/{challenge_id}/burst", json={"frames": [f.b64(x) for x in frames]}
    )


class FakeTag:
    """An NTAG 424 DNA tag personalised with this installation's keys: each read bumps its counter."""

    def __init__(self, uid_hex: str, master: bytes = MASTER, counter: int = 0):
        self.uid = bytes.fromhex(uid_hex)
        self.meta_key = ntag424.meta_read_key(master)
        self.file_key = ntag424.diversify_key(master, b"SDMFileRead", self.uid)
        self.counter = counter

    def tap(self, at: datetime, counter: int | None = None) -> dict:
        if counter is None:
            self.counter += 1
            counter = self.counter
        picc = ntag424.encrypt_picc_data(self.meta_key, self.uid, counter, bytes.fromhex("A1B2C3D4E5"))
        mac = ntag424.sdm_mac(self.file_key, self.uid, counter)
        return {"picc_data": picc.hex().upper(), "cmac": mac.hex().upper(), "tapped_at": at.isoformat()}


def attempt(client, w, kind, attempt_id, selfie, at, visit="visit-0001", fix_kw=None, **extra):
    """A check-in or check-out with presence fields (challenge_id, tag) besides the selfie and fix."""
    body = f.attempt_body(w, attempt_id, selfie, at, with_client=kind == "check-in", **(fix_kw or {}))
    body.update(extra)
    return client.post(f"/api/v1/visits/{visit}/{kind}", json=body)
