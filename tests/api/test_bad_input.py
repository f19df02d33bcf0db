"""Every malformed request answers a 4xx JSON error with a stable code, and stores nothing."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import AuditEntry, TrailPoint, Visit, VisitAttempt
from tests import factories as f
from tests.api.shapes import assert_shape


def huge_png_header(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG file that claims 900 MP: a decompression bomb must be refused before decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def stored(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m)) for m in (Visit, VisitAttempt, TrailPoint)
        )


def post_check_in(client, body, visit="visit-0001"):
    return client.post(f"/api/v1/visits/{visit}/check-in", json=body)


@pytest.fixture
def body(w, now, same_person):
    return f.attempt_body(w, "att-00000001", same_person, now)


def with_fix(body, **changes):
    return {**body, "fix": {**body["fix"], **changes}}


CASES = {
    "missing field": (lambda b: {k: v for k, v in b.items() if k != "fix"}, 422, "missing_field", "fix"),
    "unknown field": (lambda b: {**b, "colour": "red"}, 422, "unknown_field", "colour"),
    "latitude out of range": (lambda b: with_fix(b, lat=91.0), 422, "coordinates_out_of_range", "fix"),
    "longitude out of range": (lambda b: with_fix(b, lng=-181.0), 422, "coordinates_out_of_range", "fix"),
    "accuracy zero": (lambda b: with_fix(b, accuracy_m=0), 422, "invalid_accuracy", "fix"),
    "accuracy negative": (lambda b: with_fix(b, accuracy_m=-5), 422, "invalid_accuracy", "fix"),
    "latitude as text": (lambda b: with_fix(b, lat="north"), 422, "invalid_field", "fix.lat"),
    "unknown datum": (lambda b: with_fix(b, datum="ED50"), 422, "invalid_field", "fix.datum"),
    "fix time in the future": (
        lambda b: with_fix(b, time="2099-01-01T08:00:00+08:00"),
        422,
        "timestamp_in_future",
        "fix.time",
    ),
    "fix time without offset": (
        lambda b: with_fix(b, time="2026-11-20T08:00:00"),
        422,
        "invalid_field",
        "fix.time",
    ),
    "fix time years ago": (
        lambda b: with_fix(b, time="2020-01-01T08:00:00+08:00"),
        422,
        "timestamp_too_old",
        "fix.time",
    ),
    "selfie not base64": (lambda b: {**b, "selfie": "%%%not-base64%%%"}, 422, "invalid_base64", "selfie"),
    "selfie not an image": (
        lambda b: {**b, "selfie": f.b64(b"hello, I am not a JPEG" * 10)},
        422,
        "image_invalid",
        "selfie",
    ),
    "selfie truncated": (
        lambda b: {**b, "selfie": f.b64(f.photo("obama", 1)[:3000])},
        422,
        "image_invalid",
        "selfie",
    ),
    "decompression bomb": (
        lambda b: {**b, "selfie": f.b64(huge_png_header())},
        413,
        "image_too_large",
        "selfie",
    ),
    "attempt id with spaces": (
        lambda b: {**b, "attempt_id": "a b c d e f g"},
        422,
        "invalid_field",
        "attempt_id",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_check_in_is_a_clear_4xx_and_stores_nothing(client, app, body, name):
    mutate, status, code, field = CASES[name]
    resp = post_check_in(client, mutate(body))
    err = assert_shape(resp)["error"]
    assert (resp.status_code, err["code"], err["field"]) == (status, code, field), err
    assert stored(app) == (0, 0, 0)


def test_nan_coordinates_are_refused(client, app, body):
    text = json.dumps({**body, "fix": {**body["fix"], "lat": float("nan")}})  # Python writes NaN, not null
    assert '"lat": NaN' in text
    resp = client.post("/api/v1/visits/visit-0001/check-in", data=text, content_type="application/json")
    assert resp.status_code == 422 and assert_shape(resp)["error"]["field"] == "fix.lat"
    assert stored(app) == (0, 0, 0)


def test_malformed_json_is_400(client, app, w):
    resp = client.post(
        "/api/v1/visits/visit-0001/check-in", data="{not json", content_type="application/json"
    )
    assert resp.status_code == 400 and assert_shape(resp)["error"]["code"] == "malformed_json"
    resp = client.post("/api/v1/visits/visit-0001/check-in", data="[1, 2]", content_type="application/json")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_body"


def test_a_body_that_is_not_json_is_415(client, w):
    resp = client.post("/api/v1/visits/visit-0001/check-in", data="lat=1", content_type="text/plain")
    assert resp.status_code == 415 and assert_shape(resp)["error"]["code"] == "json_required"


def test_a_body_over_the_size_limit_is_413(client, app, body):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    resp = post_check_in(client, {**body, "selfie": f.b64(b"\xff" * 100_000)})
    assert resp.status_code == 413 and assert_shape(resp)["error"]["code"] == "request_too_large"
    assert stored(app) == (0, 0, 0)


def test_an_image_over_the_byte_limit_is_413(client, app, body):
    app.config["IMAGE_MAX_BYTES"] = 20_000
    resp = post_check_in(client, body)
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "image_too_large"


def test_a_huge_real_photo_is_downscaled_not_refused(client, app, w, now):
    small = Image.open(io.BytesIO(f.photo("obama", 1))).convert("RGB")
    scale = 4000 / max(small.size)  # a 12 MP-class phone photo of the same scene
    big = small.resize((round(small.width * scale), round(small.height * scale)))
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=85)
    resp = post_check_in(client, f.attempt_body(w, "att-00000001", buffer.getvalue(), now))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["attempt"]["face"]["matched"] is True


def test_unknown_route_and_method_are_json(client):
    assert assert_shape(client.get("/api/v1/nothing-here"))["error"]["code"] == "not_found"
    assert assert_shape(client.delete("/api/v1/visits/x"))["error"]["code"] == "method_not_allowed"


def test_bad_trail_batches_store_nothing(client, app, w, now, same_person):
    post_check_in(client, f.attempt_body(w, "att-00000001", same_person, now - timedelta(minutes=5)))
    good = f.fix(now - timedelta(minutes=1))
    for points, code in (
        ([], "invalid_field"),
        ([good, {**good, "lat": 100}], "coordinates_out_of_range"),
        ([good, {**good, "time": "2099-01-01T00:00:00Z"}], "timestamp_in_future"),
    ):
        resp = client.post("/api/v1/visits/visit-0001/trail", json={"points": points})
        assert resp.status_code == 422 and resp.get_json()["error"]["code"] == code
    assert stored(app)[2] == 0
    resp = client.post("/api/v1/visits/unknown-0001/trail", json={"points": [good]})
    assert resp.status_code == 404


def test_a_refused_request_writes_no_audit_entry(client, app, body):
    post_check_in(client, with_fix(body, lat=95))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
