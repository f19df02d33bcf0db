"""Every endpoint × every role × an object in scope and one out of scope.

Two agencies, A and B, each with a caregiver, a client (with a family account) and an open visit. The
callers are A's caregiver, supervisor and auditor, A's client's family, an admin, and nobody; the
objects are A's ("in") and B's ("out"). Refusals outside the caller's scope are 404s that look exactly
like a missing object; refusals of a role are 403; no token is 401.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Alert
from field_app.services.catalogue import load_catalogue
from tests import factories as f

NOW = datetime.now(UTC).replace(microsecond=0)
ROLES = ("caregiver", "supervisor", "auditor", "family", "admin", "anonymous")
MONTH = NOW.strftime("%Y-%m")
#: supervision reads: staff of the agency and admins; other agencies' objects are not found
STAFF_READ = {"in": (403, 200, 200, 403, 200, 401), "out": (403, 404, 404, 403, 200, 401)}


@pytest.fixture
def two_agencies(app):
    """Agencies A and B with a caregiver (enrolled for A), client, family account and open visit each."""
    ids: dict = {"tokens": {}}
    with app.app_context():
        load_catalogue()
        for name in ("A", "B"):
            agency = f.add_agency(name)
            caregiver = f.add_caregiver(
                agency,
                code=f"CG{name}",
                device_id=f"phone-{name}",
                enrol_photo=f.photo("obama", 0) if name == "A" else None,
            )
            client = f.add_client(agency, insured_id=f"3304{name}0000001")
            f.add_visit(
                f"visit-{name}-0001", caregiver.id, client.id, agency.id, NOW - timedelta(minutes=30), None
            )
            ids[name] = {
                "agency": agency.id,
                "caregiver": caregiver.id,
                "client": client.id,
                "visit": f"visit-{name}-0001",
            }
            # review: a finished visit (family feedback) and an open alert about it
            done = f.add_visit(
                f"done-{name}-0001", caregiver.id, client.id, agency.id, NOW - timedelta(hours=3), 45
            )
            alert = Alert(
                rule_code="T04",
                subject_type="visit",
                subject_key=f"visit:{done}",
                severity="low",
                score=10,
                message="m",
                evidence={},
                evidence_hash="h",
                agency_id=agency.id,
            )
            db.session.add(alert)
            db.session.flush()
            ids[name].update(done=f"done-{name}-0001", alert=alert.id)
            if name == "A":
                tokens = ids["tokens"]
                tokens["caregiver"] = f.token_for(f.add_user("caregiver", caregiver=caregiver), "phone-A")
                tokens["supervisor"] = f.token_for(f.add_user("supervisor", agencies=[agency]))
                tokens["auditor"] = f.token_for(f.add_user("auditor", agencies=[agency]))
                tokens["family"] = f.token_for(f.add_user("family", client=client))
        ids["tokens"]["admin"] = f.token_for(f.add_user("admin"))
        _add_spot_checks(ids)
        _add_presence(ids)
        _add_enrolment_changes(ids)
        db.session.commit()
    return ids


def _add_enrolment_changes(ids) -> None:
    """A pending re-enrolment per agency, asked for by another supervisor of it (the matrix's
    supervisor of A is the second person)."""
    from field_app.models import Agency, Caregiver, EnrolmentChange

    for name in ("A", "B"):
        requester = f.add_user("supervisor", agencies=[db.session.get(Agency, ids[name]["agency"])])
        change = EnrolmentChange(
            caregiver_id=ids[name]["caregiver"],
            status="pending",
            requested_by=requester.id,
            samples=[],
            quality=[],
        )
        db.session.add(change)
        db.session.flush()
        ids[name]["enrolment_change"] = change.id
    assert db.session.get(Caregiver, ids["A"]["caregiver"]).enrolments


def _add_spot_checks(ids) -> None:
    """Supervision: a spot check per agency, sampling its finished visit."""
    from field_app.models import SpotCheck, SpotCheckItem, User, Visit

    admin_id = db.session.scalar(select(User.id).where(User.role == "admin"))
    for name in ("A", "B"):
        visit_id = db.session.scalar(select(Visit.id).where(Visit.uuid == f"done-{name}-0001"))
        check = SpotCheck(
            created_by=admin_id,
            period_start=NOW.date(),
            period_end=NOW.date(),
            method="uniform",
            seed=1,
            size=1,
            params={"agency_ids": [ids[name]["agency"]], "population": 1},
        )
        check.items.append(SpotCheckItem(visit_id=visit_id, position=1))
        db.session.add(check)
        db.session.flush()
        ids[name].update(spot_check=check.id, spot_item=check.items[0].id)


def _add_presence(ids) -> None:
    """Presence: a liveness challenge of each agency's caregiver, a confirmation asked for each done visit."""
    from flask import current_app

    from field_app.models import Caregiver, Visit
    from field_app.services import challenges, confirmations
    from field_app.verification.liveness import LivenessSettings
    from field_app.verification.presence import LivenessPolicy

    s = challenges.ChallengeSettings(LivenessPolicy(), 120, 1, LivenessSettings(), "k")
    secret = current_app.config["SECRET_KEY"]
    cs = confirmations.ConfirmationSettings("always", 0.1, 60, secret)
    for name in ("A", "B"):
        caregiver = db.session.get(Caregiver, ids[name]["caregiver"])
        issued = challenges.issue(
            caregiver, ids[name]["visit"], "check_in", datetime.now(UTC), s
        )  # 120 s to live
        ids[name]["challenge"] = issued.nonce
        done = db.session.scalar(select(Visit).where(Visit.uuid == ids[name]["done"]))
        ids[name]["code"] = confirmations.code_for(confirmations.ask(done, "policy", NOW, cs), secret)


def _attempt(ids, side, attempt_id, with_client=True):
    body = {
        "attempt_id": attempt_id,
        "caregiver_id": ids["A"]["caregiver"],
        "device_id": "phone-A",
        "device_time": NOW.isoformat(),
        "fix": f.fix(NOW),
        "selfie": f.b64(f.photo("obama", 1)),
    }
    if with_client:
        body["client_id"] = ids[side]["client"]
    return body


def _points():
    return {"points": [f.fix(NOW - timedelta(minutes=5))]}


def _items():
    return {"items": [{"code": "L01", "started_at": (NOW - timedelta(minutes=20)).isoformat()}]}


#: endpoint -> (method, url for side, body for side, expected status per role for "in" and for "out")
ENDPOINTS = {
    "check-in": (
        "post",
        lambda ids, s: f"/api/v1/visits/new-{s}-0001/check-in",
        lambda ids, s: _attempt(ids, s, f"att-in-{s}-01"),
        {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "trail": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/trail",
        lambda ids, s: _points(),
        {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "items": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/items",
        lambda ids, s: _items(),
        {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "check-out": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/check-out",
        lambda ids, s: _attempt(ids, s, f"att-out-{s}-1", with_client=False),
        {"in": (200, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "get-visit": (
        "get",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}",
        None,
        {"in": (200, 200, 200, 200, 200, 401), "out": (404, 404, 404, 404, 200, 401)},
    ),
    "enrol": (
        "post",
        lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}/face-enrolments",
        lambda ids, s: {"photos": [f.b64(f.photo("obama", n)) for n in (1, 2, 3)]},
        # A's caregiver has a face: the agency's re-enrolment waits for a second person (202)
        {"in": (403, 202, 403, 403, 201, 401), "out": (403, 404, 403, 403, 201, 401)},
    ),
    "enrolment-change-get": (
        "get",
        lambda ids, s: f"/api/v1/enrolment-changes/{ids[s]['enrolment_change']}",
        None,
        {"in": (403, 200, 403, 403, 200, 401), "out": (403, 404, 403, 403, 200, 401)},
    ),
    "enrolment-change-decide": (
        "post",
        lambda ids, s: f"/api/v1/enrolment-changes/{ids[s]['enrolment_change']}/decision",
        lambda ids, s: {"approve": False, "reason": "not seen in person"},
        {"in": (403, 200, 403, 403, 200, 401), "out": (403, 404, 403, 403, 200, 401)},
    ),
    "registry": (
        "post",
        lambda ids, s: "/api/v1/registry/deaths",
        lambda ids, s: {"rows": []},
        {"in": (403, 403, 403, 403, 200, 401), "out": (403, 403, 403, 403, 200, 401)},
    ),
    "me": (
        "get",
        lambda ids, s: "/api/v1/auth/me",
        None,
        {"in": (200, 200, 200, 200, 200, 401), "out": (200, 200, 200, 200, 200, 401)},
    ),
    # alert review (疑点确认): supervisors decide, auditors read and comment, admins read
    "list-alerts": (
        "get",
        lambda ids, s: "/api/v1/alerts",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    "get-alert": (
        "get",
        lambda ids, s: f"/api/v1/alerts/{ids[s]['alert']}",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 404, 404, 403, 200, 401)},
    ),
    "review-alert": (
        "post",
        lambda ids, s: f"/api/v1/alerts/{ids[s]['alert']}/review",
        lambda ids, s: {"action": "start", "reason": "looking"},
        {"in": (403, 200, 403, 403, 403, 401), "out": (403, 404, 403, 403, 403, 401)},
    ),
    "comment-alert": (
        "post",
        lambda ids, s: f"/api/v1/alerts/{ids[s]['alert']}/comments",
        lambda ids, s: {"text": "seen"},
        {"in": (403, 201, 201, 403, 403, 401), "out": (403, 404, 404, 403, 403, 401)},
    ),
    "bulk-dismiss": (
        "post",
        lambda ids, s: "/api/v1/alerts/bulk-dismiss",
        lambda ids, s: {"alert_ids": [ids[s]["alert"]], "reason": "noise"},
        {"in": (403, 200, 403, 403, 403, 401), "out": (403, 404, 403, 403, 403, 401)},
    ),
    "rule-stats": (
        "get",
        lambda ids, s: "/api/v1/alerts/stats/rules",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    "feedback": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['done']}/feedback",
        lambda ids, s: {"confirmed": True, "rating": 5},
        {"in": (403, 403, 403, 201, 403, 401), "out": (403, 403, 403, 404, 403, 401)},
    ),
    "ratings-caregivers": (
        "get",
        lambda ids, s: "/api/v1/ratings/caregivers",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    "ratings-agencies": (
        "get",
        lambda ids, s: "/api/v1/ratings/agencies",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    # supervision: replay, a caregiver's day, spot checks (抽查, auditors draw), settlement, cockpit, report
    "replay": ("get", lambda ids, s: f"/api/v1/visits/{ids[s]['done']}/replay", None, STAFF_READ),
    "caregiver-day": (
        "get",
        lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}/day?date={NOW.date()}",
        None,
        STAFF_READ,
    ),
    "spot-check-draw": (
        "post",
        lambda ids, s: "/api/v1/spot-checks",
        lambda ids, s: {
            "period_start": str(NOW.date() - timedelta(days=1)),
            "period_end": str(NOW.date()),
            "method": "uniform",
            "size": 2,
            "seed": 1,
            "agency_ids": [ids[s]["agency"]],
        },
        {"in": (403, 403, 201, 403, 403, 401), "out": (403, 403, 422, 403, 403, 401)},
    ),
    "spot-check-get": ("get", lambda ids, s: f"/api/v1/spot-checks/{ids[s]['spot_check']}", None, STAFF_READ),
    "spot-check-outcome": (
        "post",
        lambda ids, s: f"/api/v1/spot-checks/{ids[s]['spot_check']}/items/{ids[s]['spot_item']}/outcome",
        lambda ids, s: {"outcome": "confirmed", "channel": "phone"},
        {"in": (403, 403, 200, 403, 403, 401), "out": (403, 403, 404, 403, 403, 401)},
    ),
    "spot-check-csv": (
        "get",
        lambda ids, s: f"/api/v1/spot-checks/{ids[s]['spot_check']}/export.csv",
        None,
        STAFF_READ,
    ),
    "settlement-client": (
        "get",
        lambda ids, s: f"/api/v1/settlement/clients/{ids[s]['client']}?month={MONTH}",
        None,
        STAFF_READ,
    ),
    "settlement-client-csv": (
        "get",
        lambda ids, s: f"/api/v1/settlement/clients/{ids[s]['client']}.csv?month={MONTH}",
        None,
        STAFF_READ,
    ),
    "settlement-agency": (
        "get",
        lambda ids, s: f"/api/v1/settlement/agencies/{ids[s]['agency']}?month={MONTH}",
        None,
        STAFF_READ,
    ),
    "settlement-agency-csv": (
        "get",
        lambda ids, s: f"/api/v1/settlement/agencies/{ids[s]['agency']}.csv?month={MONTH}",
        None,
        STAFF_READ,
    ),
    "dashboard": (
        "get",
        lambda ids, s: f"/api/v1/dashboard?from={NOW.date()}&to={NOW.date()}",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    "monthly-report": (
        "get",
        lambda ids, s: f"/api/v1/reports/agencies/{ids[s]['agency']}/monthly?month={MONTH}",
        None,
        STAFF_READ,
    ),
    # evidence (issue 15): bundles for the bureau and auditors; the log's head and key for anyone signed in
    "evidence-bundle": (
        "get",
        lambda ids, s: f"/api/v1/visits/{ids[s]['done']}/evidence-bundle",
        None,
        {"in": (403, 403, 200, 403, 200, 401), "out": (403, 403, 404, 403, 200, 401)},
    ),
    "evidence-sign": (
        "post",
        lambda ids, s: "/api/v1/evidence/tree-heads",
        None,
        {"in": (403, 403, 403, 403, 201, 401), "out": (403, 403, 403, 403, 201, 401)},
    ),
    # audio/video clips (issue 15): the phone uploads to its open visit; the agency's staff read; auditors ask
    "clip-upload-start": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/clip-uploads",
        lambda ids, s: {"size": 1000, "sha256": "ab" * 32, "content_type": "video/mp4"},
        {"in": (201, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "clip-upload-get": (  # an upload of nobody's: ownership itself is tested in tests/evidence/test_clips.py
        "get",
        lambda ids, s: "/api/v1/clip-uploads/0123456789abcdef0123456789abcdef",
        None,
        {"in": (404, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "clip-upload-complete": (
        "post",
        lambda ids, s: "/api/v1/clip-uploads/0123456789abcdef0123456789abcdef/complete",
        None,
        {"in": (404, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "clip-list": (
        "get",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/clips",
        None,
        {"in": (403, 200, 200, 403, 403, 401), "out": (403, 404, 404, 403, 403, 401)},
    ),
    "clip-content": (
        "get",
        lambda ids, s: "/api/v1/clips/999999/content",
        None,
        {"in": (403, 404, 404, 403, 403, 401), "out": (403, 404, 404, 403, 403, 401)},
    ),
    "clip-request": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/clip-requests",
        lambda ids, s: {"deadline_minutes": 15},
        {"in": (403, 403, 201, 403, 403, 401), "out": (403, 403, 404, 403, 403, 401)},
    ),
    "my-clip-requests": (
        "get",
        lambda ids, s: "/api/v1/me/clip-requests",
        None,
        {"in": (200, 403, 403, 403, 403, 401), "out": (200, 403, 403, 403, 403, 401)},
    ),
    "evidence-latest-head": (  # none signed yet in this world: the same 404 for every signed-in role
        "get",
        lambda ids, s: "/api/v1/evidence/tree-heads/latest",
        None,
        {"in": (404, 404, 404, 404, 404, 401), "out": (404, 404, 404, 404, 404, 401)},
    ),
    "evidence-public-key": (
        "get",
        lambda ids, s: "/api/v1/evidence/public-key",
        None,
        {"in": (200, 200, 200, 200, 200, 401), "out": (200, 200, 200, 200, 200, 401)},
    ),
    # master data (masterdata.policy): bureau admin for agencies and clients; agency staff for caregivers
    "list-agencies": (
        "get",
        lambda ids, s: "/api/v1/agencies",
        None,
        {"in": (403, 200, 200, 403, 200, 401), "out": (403, 200, 200, 403, 200, 401)},
    ),
    "get-agency": ("get", lambda ids, s: f"/api/v1/agencies/{ids[s]['agency']}", None, STAFF_READ),
    "get-caregiver": ("get", lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}", None, STAFF_READ),
    "get-client": ("get", lambda ids, s: f"/api/v1/clients/{ids[s]['client']}", None, STAFF_READ),
    "patch-caregiver": (
        "patch",
        lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}",
        lambda ids, s: {"phone": "13900000000"},
        {"in": (403, 200, 403, 403, 403, 401), "out": (403, 404, 403, 403, 403, 401)},
    ),
    "patch-client": (
        "patch",
        lambda ids, s: f"/api/v1/clients/{ids[s]['client']}",
        lambda ids, s: {"address": "新地址1号"},
        {"in": (403, 403, 403, 403, 200, 401), "out": (403, 403, 403, 403, 200, 401)},
    ),
    "register-phone": (
        "post",
        lambda ids, s: f"/api/v1/caregivers/{ids[s]['caregiver']}/phones",
        lambda ids, s: {"device_id": f"new-phone-{s}"},
        {"in": (403, 201, 403, 403, 403, 401), "out": (403, 404, 403, 403, 403, 401)},
    ),
    "me-schedule": (
        "get",
        lambda ids, s: f"/api/v1/me/schedule?date={NOW.date()}",
        None,
        {"in": (200, 403, 403, 403, 403, 401), "out": (200, 403, 403, 403, 403, 401)},
    ),
    "me-clients": (
        "get",
        lambda ids, s: "/api/v1/me/clients",
        None,
        {"in": (200, 403, 403, 403, 403, 401), "out": (200, 403, 403, 403, 403, 401)},
    ),
    "family-visits": (
        "get",
        lambda ids, s: "/api/v1/family/visits",
        None,
        {"in": (403, 403, 403, 200, 403, 401), "out": (403, 403, 403, 200, 403, 401)},
    ),
    "import-clients": (
        "post",
        lambda ids, s: "/api/v1/imports/clients?dry_run=true",
        None,
        {"in": (403, 403, 403, 403, 415, 401), "out": (403, 403, 403, 403, 415, 401)},
    ),
    # presence: liveness challenges and bursts (caregivers), tags (staff, bureau), confirmations (family)
    "challenge": (
        "post",
        lambda ids, s: f"/api/v1/visits/{ids[s]['visit']}/challenge",
        lambda ids, s: {"caregiver_id": ids["A"]["caregiver"], "kind": "check_in"},
        {"in": (201, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "burst": (
        "post",
        lambda ids, s: f"/api/v1/challenges/{ids[s]['challenge']}/burst",
        lambda ids, s: {"frames": [f.b64(f.photo("obama", 1))]},  # one frame: 422 burst_size, cheaply
        {"in": (422, 403, 403, 403, 403, 401), "out": (404, 403, 403, 403, 403, 401)},
    ),
    "register-tag": (
        "post",
        lambda ids, s: f"/api/v1/clients/{ids[s]['client']}/tags",
        lambda ids, s: {"uid": "04A1B2C3D4E5F6"},
        {"in": (403, 201, 403, 403, 201, 401), "out": (403, 404, 403, 403, 201, 401)},
    ),
    "list-tags": ("get", lambda ids, s: f"/api/v1/clients/{ids[s]['client']}/tags", None, STAFF_READ),
    "enrol-client-face": (
        "post",
        lambda ids, s: f"/api/v1/clients/{ids[s]['client']}/face-enrolments",
        lambda ids, s: {"photos": [f.b64(f.photo("obama", 2))], "consent_by": "family"},
        {"in": (403, 201, 403, 403, 201, 401), "out": (403, 404, 403, 403, 201, 401)},
    ),
    "my-confirmations": (
        "get",
        lambda ids, s: "/api/v1/me/confirmations",
        None,
        {"in": (403, 403, 403, 200, 403, 401), "out": (403, 403, 403, 200, 403, 401)},
    ),
    "answer-confirmation": (
        "post",
        lambda ids, s: "/api/v1/confirmations/answer",
        lambda ids, s: {"code": ids[s]["code"], "confirmed": True},
        {"in": (403, 403, 403, 200, 403, 401), "out": (403, 403, 403, 404, 403, 401)},
    ),
}
CASES = [(e, side, role) for e in ENDPOINTS for side in ("in", "out") for role in ROLES]


@pytest.mark.parametrize(("endpoint", "side", "role"), CASES, ids=["-".join(c) for c in CASES])
def test_access(client, two_agencies, endpoint, side, role):
    method, url, body, expected = ENDPOINTS[endpoint]
    ids = two_agencies
    if role != "anonymous":
        f.sign_in(client, ids["tokens"][role])
    target = "A" if side == "in" else "B"
    kwargs = {} if body is None else {"json": body(ids, target)}
    resp = getattr(client, method)(url(ids, target), **kwargs)
    want = expected[side][ROLES.index(role)]
    assert resp.status_code == want, resp.get_json()
    if want >= 400:
        error = resp.get_json()["error"]
        assert error["code"] and error["message"]
        if want == 404:  # out of scope answers exactly like an absent object: nothing about B leaks
            assert error["code"].endswith("_not_found")


def test_family_sees_their_clients_visit_without_other_peoples_data(client, two_agencies):
    f.sign_in(client, two_agencies["tokens"]["family"])
    body = client.get(f"/api/v1/visits/{two_agencies['A']['visit']}").get_json()
    assert body["state"] == "open"
    assert not {"attempts", "trail", "caregiver_id", "agency_id"} & set(body)
