"""The contract a phone team relies on: base64 as phones send it, body fields the token already carries,
one shape for a failed verification, and every answered error code documented by its operation."""

from __future__ import annotations

import base64

import pytest

from field_app.domain.views import AttemptResultOut
from tests import factories as f
from tests.api.shapes import assert_shape


def _post(client, w, selfie_b64: str, now, attempt_id="att-00000001", **drop):
    body = f.attempt_body(w, attempt_id, b"", now)
    body["selfie"] = selfie_b64
    for key in drop:
        body.pop(key)
    return client.post("/api/v1/visits/visit-0001/check-in", json=body)


def _android_default(photo: bytes, newline: str = "\n") -> str:
    """android.util.Base64.DEFAULT: padded, a line break every 76 characters and at the end."""
    text = base64.b64encode(photo).decode()
    return "".join(text[i : i + 76] + newline for i in range(0, len(text), 76))


@pytest.mark.parametrize(
    "encode",
    [
        lambda p: base64.b64encode(p).decode(),
        _android_default,
        lambda p: _android_default(p, "\r\n"),
        lambda p: base64.urlsafe_b64encode(p).decode(),
        lambda p: base64.urlsafe_b64encode(p).decode().rstrip("="),  # URL_SAFE | NO_PADDING
        lambda p: "data:image/jpeg;base64," + base64.b64encode(p).decode(),
    ],
    ids=["standard", "line-wrapped", "line-wrapped-crlf", "url-safe", "url-safe-unpadded", "data-url"],
)
def test_selfies_in_every_base64_a_phone_sends_are_verified(client, w, now, same_person, encode):
    encoded = encode(same_person)
    resp = _post(client, w, encoded, now)
    body = assert_shape(resp, AttemptResultOut)
    assert resp.status_code == 200 and body["attempt"]["face"]["matched"] is True


def test_url_safe_base64_of_these_bytes_really_differs_from_standard(same_person):
    """The variants above are not all the same string (else the test would prove nothing)."""
    standard, url_safe = (
        base64.b64encode(same_person).decode(),
        base64.urlsafe_b64encode(same_person).decode(),
    )
    assert standard != url_safe and ("-" in url_safe or "_" in url_safe)


def test_standard_and_url_safe_alphabets_mixed_are_refused(client, w, now, same_person):
    text = base64.b64encode(same_person).decode()
    mixed = "-_" + text[2:] if "+" in text or "/" in text else None
    assert mixed is not None
    resp = _post(client, w, mixed, now)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_base64"


def test_caregiver_id_and_device_id_may_be_left_to_the_token(client, w, now, same_person):
    resp = _post(client, w, base64.b64encode(same_person).decode(), now, caregiver_id=1, device_id=1)
    body = assert_shape(resp, AttemptResultOut)
    assert resp.status_code == 200
    assert body["attempt"]["device_id"] == "phone-1" and body["visit"]["caregiver_id"] == w.caregiver_id


def test_body_fields_that_contradict_the_token_are_still_refused(client, w, now, same_person):
    selfie = base64.b64encode(same_person).decode()
    body = f.attempt_body(w, "att-00000001", same_person, now)
    wrong_caregiver = client.post(
        "/api/v1/visits/visit-0001/check-in", json={**body, "caregiver_id": w.caregiver_id + 1}
    )
    assert (
        wrong_caregiver.status_code == 403 and wrong_caregiver.get_json()["error"]["code"] == "not_yourself"
    )
    other_phone = client.post("/api/v1/visits/visit-0001/check-in", json={**body, "device_id": "phone-9"})
    assert other_phone.status_code == 403 and other_phone.get_json()["error"]["code"] == "device_mismatch"
    assert _post(client, w, selfie, now, device_id=1).status_code == 200
