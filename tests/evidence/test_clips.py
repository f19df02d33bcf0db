"""Clips: resumable uploads through the API, real media read with PyAV, limits, storage, audited reads,
live requests (抽查), the clip's hash in the evidence log."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from field_app.evidence.media import clips as clip_service
from field_app.evidence.media.models import Clip, ClipRequest
from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.timeutil import now_utc
from tests import factories as f
from tests.evidence.media import make_media


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def clip_dir(app, tmp_path):
    app.config["CLIP_DIR"] = str(tmp_path / "clips")


@pytest.fixture
def open_visits(app, client):
    """Two open visits of the signed-in caregiver (no face engine needed: stored as the services do)."""
    w = f.world(app, client)
    with app.app_context():
        start = now_utc() - timedelta(minutes=20)
        for uuid in ("clip-visit-1", "clip-visit-2"):
            f.add_visit(uuid, w.caregiver_id, w.client_id, w.agency_id, start, None)
        db.session.commit()
    return w


def upload(client, visit, data: bytes, content_type="video/mp4", chunk=64 * 1024):
    start = client.post(f"/api/v1/visits/{visit}/clip-uploads",
                        json={"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "content_type": content_type})  # fmt: skip
    assert start.status_code == 201, start.get_json()
    upload_id = start.get_json()["upload_id"]
    for offset in range(0, len(data), chunk):
        resp = client.put(f"/api/v1/clip-uploads/{upload_id}/chunks/{offset}", data=data[offset : offset + chunk],
                          content_type="application/octet-stream")  # fmt: skip
        assert resp.status_code == 200, resp.get_json()
    return upload_id, client.post(f"/api/v1/clip-uploads/{upload_id}/complete")


def test_a_weak_signal_upload_resumes_where_it_stopped_and_chunks_are_idempotent(
    app, client, open_visits, media
):
    data = media["original.mp4"].read_bytes()
    start = client.post("/api/v1/visits/clip-visit-1/clip-uploads",
                        json={"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "content_type": "video/mp4"})  # fmt: skip
    upload_id = start.get_json()["upload_id"]
    url = f"/api/v1/clip-uploads/{upload_id}/chunks"
    put = lambda off, part: client.put(f"{url}/{off}", data=part, content_type="application/octet-stream")  # noqa: E731
    assert put(0, data[:30000]).get_json()["offset"] == 30000
    assert put(0, data[:30000]).get_json()["offset"] == 30000  # the answer was lost: re-sent, accepted once
    gap = put(50000, data[50000:60000])  # the phone skipped ahead
    assert gap.status_code == 409 and gap.get_json()["error"]["code"] == "chunk_offset_gap"
    assert "30000" in gap.get_json()["error"]["message"]
    differs = put(10000, b"x" * 100)
    assert differs.status_code == 409 and differs.get_json()["error"]["code"] == "chunk_differs"
    early = client.post(f"/api/v1/clip-uploads/{upload_id}/complete")
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "upload_incomplete"
    assert client.get(f"/api/v1/clip-uploads/{upload_id}").get_json()["offset"] == 30000  # where to resume
    assert put(20000, data[20000:]).get_json()["offset"] == len(data)  # overlapping resume
    done = client.post(f"/api/v1/clip-uploads/{upload_id}/complete")
    assert done.status_code == 201, done.get_json()
    clip = done.get_json()
    assert clip["sha256"] == hashlib.sha256(data).hexdigest()
    assert (clip["video_codec"], clip["audio_codec"]) == ("h264", "aac")
    assert 5.0 <= clip["duration_s"] <= 6.5 and clip["media_created_at"] == "2026-12-04T08:00:00Z"
    again = client.post(f"/api/v1/clip-uploads/{upload_id}/complete")
    assert again.status_code == 201 and again.get_json()["clip_id"] == clip["clip_id"]
    with app.app_context():
        assert db.session.scalar(select(Clip).where(Clip.sha256 == clip["sha256"])).audio_fingerprint
        stored = Path(app.config["CLIP_DIR"]) / clip["sha256"][:2] / clip["sha256"]
        assert stored.read_bytes() == data  # content-addressed


def test_limits_and_bad_clips_get_clear_errors(app, client, open_visits, media):
    data = media["original.mp4"].read_bytes()
    big = client.post("/api/v1/visits/clip-visit-1/clip-uploads",
                      json={"size": 10**10, "sha256": "0" * 64, "content_type": "video/mp4"})  # fmt: skip
    assert big.status_code == 413 and big.get_json()["error"]["code"] == "clip_too_large"
    kind = client.post("/api/v1/visits/clip-visit-1/clip-uploads",
                       json={"size": 10, "sha256": "0" * 64, "content_type": "application/pdf"})  # fmt: skip
    assert kind.status_code == 415 and kind.get_json()["error"]["code"] == "clip_type_unsupported"
    start = client.post("/api/v1/visits/clip-visit-1/clip-uploads",
                        json={"size": len(data), "sha256": "ab" * 32, "content_type": "video/mp4"})  # fmt: skip
    upload_id = start.get_json()["upload_id"]
    client.put(
        f"/api/v1/clip-uploads/{upload_id}/chunks/0", data=data, content_type="application/octet-stream"
    )
    wrong = client.post(f"/api/v1/clip-uploads/{upload_id}/complete")
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "clip_hash_mismatch"
    _id, junk = upload(client, "clip-visit-1", b"not a video at all" * 100)
    assert junk.status_code == 415 and junk.get_json()["error"]["code"] == "clip_unreadable"
    app.config["CLIP_MAX_SECONDS"] = 5.0
    _id, long = upload(client, "clip-visit-1", media["long.mp4"].read_bytes())
    assert long.status_code == 413 and long.get_json()["error"]["code"] == "clip_too_long"
    with app.app_context():
        assert db.session.scalar(select(Clip.id)) is None  # nothing stored by any refusal


def test_the_clip_hash_is_in_the_visits_bundle_and_reads_are_audited(
    app, client, open_visits, media, runner, tmp_path
):
    data = media["original.mp4"].read_bytes()
    _id, done = upload(client, "clip-visit-1", data)
    clip_id = done.get_json()["clip_id"]
    result = runner.invoke(args=["evidence", "export", "clip-visit-1", "-o", str(tmp_path / "b.json")])
    assert result.exit_code == 0, result.output
    bundle = json.loads((tmp_path / "b.json").read_text())
    logged = [r["values"] for e in bundle["events"] if e["table"] == "clips" for r in e["rows"]]
    assert logged[0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert runner.invoke(args=["evidence", "verify", str(tmp_path / "b.json")]).exit_code == 0
    with app.app_context():
        from field_app.models import Agency

        agency = db.session.get(Agency, open_visits.agency_id)
        supervisor, other = (
            f.add_user("supervisor", agencies=[agency]),
            f.add_user("supervisor", agencies=[f.add_agency("ZZ")]),
        )
        tokens = f.token_for(supervisor), f.token_for(other)
        db.session.commit()
    f.sign_in(client, tokens[1])
    assert client.get(f"/api/v1/clips/{clip_id}/content").status_code == 404  # another agency's clip
    f.sign_in(client, tokens[0])
    resp = client.get(f"/api/v1/clips/{clip_id}/content")
    assert resp.status_code == 200 and resp.data == data
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "clip.read")).all()
        assert [r.subject_id for r in reads] == [str(clip_id)]


def test_an_auditor_requests_a_live_clip_the_phone_sees_it_and_a_missed_deadline_is_recorded(
    app, client, open_visits, media
):
    with app.app_context():
        from field_app.models import Agency

        auditor = f.add_user("auditor", agencies=[db.session.get(Agency, open_visits.agency_id)])
        auditor_token = f.token_for(auditor)
        db.session.commit()
    caregiver_token = open_visits.token
    f.sign_in(client, auditor_token)
    for visit in ("clip-visit-1", "clip-visit-2"):
        resp = client.post(
            f"/api/v1/visits/{visit}/clip-requests", json={"deadline_minutes": 10, "note": "抽查"}
        )
        assert resp.status_code == 201, resp.get_json()
    f.sign_in(client, caregiver_token)
    waiting = client.get("/api/v1/me/clip-requests").get_json()["requests"]
    assert {r["visit_id"] for r in waiting} == {"clip-visit-1", "clip-visit-2"}
    _id, done = upload(client, "clip-visit-1", media["original.mp4"].read_bytes())
    assert done.get_json()["request_id"] is not None
    assert [r["visit_id"] for r in client.get("/api/v1/me/clip-requests").get_json()["requests"]] == [
        "clip-visit-2"
    ]
    with app.app_context():
        assert clip_service.mark_missed(now_utc() + timedelta(minutes=11)) == 1
        db.session.commit()
        statuses = {r.visit_id: r.status for r in db.session.scalars(select(ClipRequest))}
        assert sorted(statuses.values()) == ["fulfilled", "missed"]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "clip.request_missed"))


@pytest.mark.parametrize("copy", ["reencoded.webm", "trimmed.mp4", "remuxed.mkv"])
def test_a_reused_clip_raises_the_reuse_alert_and_an_unrelated_clip_does_not(
    app, client, open_visits, media, runner, copy
):
    """Through the API and the real scanner: the original at visit 1, then at visit 2 either a copy
    (re-encoded, trimmed by a second, or another container) or, at a third visit, an unrelated clip."""
    from field_app.models import Alert

    with app.app_context():
        f.add_visit("clip-visit-3", open_visits.caregiver_id, open_visits.client_id, open_visits.agency_id,
                    now_utc() - timedelta(minutes=10), None)  # fmt: skip
        db.session.commit()
    kinds = {".webm": "video/webm", ".mp4": "video/mp4", ".mkv": "video/webm"}
    assert upload(client, "clip-visit-1", media["original.mp4"].read_bytes())[1].status_code == 201
    assert (
        upload(client, "clip-visit-2", media[copy].read_bytes(), kinds[Path(copy).suffix])[1].status_code
        == 201
    )
    assert upload(client, "clip-visit-3", media["unrelated.mp4"].read_bytes())[1].status_code == 201
    day = now_utc().date()
    result = runner.invoke(
        args=[
            "rules",
            "scan",
            "--since",
            str(day - timedelta(days=1)),
            "--until",
            str(day + timedelta(days=1)),
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        from field_app.models import Visit

        alerts = db.session.scalars(select(Alert).where(Alert.rule_code == "E01")).all()
        flagged = {db.session.get(Visit, v.id).uuid for a in alerts for v in a.visits}
        assert flagged == {"clip-visit-2"}, [a.message for a in alerts]
        assert alerts[0].evidence["matched_visit_id"] == "clip-visit-1"  # evidence cites the phone's visit id


@pytest.fixture(scope="module")
def s3_server():
    """A real S3-compatible server in its own process (moto's server mode; S3 is outside the code under test)."""
    import shutil
    import socket
    import subprocess
    import sys
    import time

    if shutil.which("moto_server", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("moto[server] is not installed (requirements-dev.txt)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_clips_go_to_an_s3_compatible_bucket_when_configured(
    app, client, open_visits, media, s3_server, monkeypatch
):
    import boto3

    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    s3.create_bucket(Bucket="field-app-clips")
    app.config.update(CLIP_STORE="s3", CLIP_S3_BUCKET="field-app-clips", CLIP_S3_ENDPOINT_URL=s3_server)
    data = media["unrelated.mp4"].read_bytes()
    _id, done = upload(client, "clip-visit-1", data)
    assert done.status_code == 201, done.get_json()
    digest = done.get_json()["sha256"]
    stored = s3.get_object(Bucket="field-app-clips", Key=f"clips/{digest[:2]}/{digest}")["Body"].read()
    assert stored == data
    with app.app_context():
        from field_app.models import Agency

        reviewer = f.add_user("auditor", agencies=[db.session.get(Agency, open_visits.agency_id)])
        token = f.token_for(reviewer)
        db.session.commit()
    f.sign_in(client, token)
    assert client.get(f"/api/v1/clips/{done.get_json()['clip_id']}/content").data == data


def test_another_caregiver_cannot_see_or_feed_an_upload(app, client, open_visits, media):
    data = media["original.mp4"].read_bytes()[:1000]
    start = client.post("/api/v1/visits/clip-visit-1/clip-uploads",
                        json={"size": 1000, "sha256": hashlib.sha256(data).hexdigest(), "content_type": "video/mp4"})  # fmt: skip
    upload_id = start.get_json()["upload_id"]
    f.switch_caregiver(app, client, open_visits)
    for resp in (
        client.get(f"/api/v1/clip-uploads/{upload_id}"),
        client.put(
            f"/api/v1/clip-uploads/{upload_id}/chunks/0", data=data, content_type="application/octet-stream"
        ),
        client.post(f"/api/v1/clip-uploads/{upload_id}/complete"),
        client.post(
            "/api/v1/visits/clip-visit-1/clip-uploads",
            json={"size": 10, "sha256": "ab" * 32, "content_type": "video/mp4"},
        ),  # fmt: skip
    ):
        assert resp.status_code == 404, resp.get_json()
