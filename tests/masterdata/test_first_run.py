"""The issue's headline: from an empty installation, through the public API only (the first admin and
the catalogue from the documented CLI; no seed helper, no SQL), a bureau and an agency onboard an agency,
caregivers with approved phones and clients with care plans (by API and by an XLSX file); the
caregiver sees tomorrow's schedule on /me/schedule; a day of visits is run, and the scan raises the
missed visit (S01) and the late arrival (S02) while the punctual visit stays quiet."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from tests import factories as f
from tests.masterdata import helpers as h

TZ = ZoneInfo("Asia/Shanghai")
PLAN_COLUMNS = [
    "insured_id",
    "plan_no",
    "effective_from",
    "items",
    "visit_days",
    "visit_time",
    "visit_minutes",
    "primary_caregiver",
]


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, kind: str, data: bytes, dry_run: bool = False):
    url = f"/api/v1/imports/{kind}" + ("?dry_run=true" if dry_run else "")
    return client.post(
        url, data=data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def _onboard(app, client) -> dict:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalogue", "load"]).exit_code == 0
    h.bootstrap_admin(app, client)
    agency = h.ok(client.post("/api/v1/agencies", json=h.agency()), 201)
    h.ok(
        client.post(
            "/api/v1/users",
            json={
                "username": "sup",
                "password": h.PASSWORD,
                "role": "supervisor",
                "agency_ids": [agency["id"]],
            },
        ),
        201,
    )
    h.sign_in(client, "sup")
    cg = h.ok(client.post("/api/v1/caregivers", json=h.caregiver(id_number=h.ID_CAREGIVER)), 201)
    h.ok(
        client.post(
            f"/api/v1/caregivers/{cg['id']}/face-enrolments",
            json={"photos": [f.b64(f.photo("obama", n)) for n in (0, 2, 3)]},
        ),
        201,
    )
    phone = h.ok(client.post(f"/api/v1/caregivers/{cg['id']}/phones", json={"device_id": "phone-cg001"}), 201)
    h.ok(client.post(f"/api/v1/phones/{phone['id']}/approve", json={}))
    h.ok(
        client.post(
            "/api/v1/users",
            json={"username": "cg001", "password": h.PASSWORD, "role": "caregiver", "caregiver_id": cg["id"]},
        ),
        201,
    )
    return {"agency": agency, "caregiver": cg}


def _clients_and_plans(client) -> None:
    """One client and plan by API (08:00), two by XLSX (10:00, 14:00): every day of the week."""
    h.sign_in(client, "admin")
    h.ok(client.post("/api/v1/clients", json=h.client_row("330400000001")), 201)
    h.ok(client.post("/api/v1/care-plans", json=h.plan("330400000001", visit_time="08:00")), 201)
    clients = _xlsx(
        [
            "insured_id",
            "agency_code",
            "name",
            "id_number",
            "grade",
            "address",
            "home_lat",
            "home_lng",
            "home_datum",
        ],
        [
            [
                "330400000002",
                "JX-A01",
                "张阿姨",
                h.ID_CLIENT,
                "重度失能二级",
                "示范路2号",
                30.7502,
                120.7551,
                "GCJ02",
            ],
            ["330400000003", "JX-A01", "李伯伯", None, "severe_3", "示范路3号", 30.7602, 120.7651, "GCJ02"],
        ],
    )
    bad = _xlsx(
        ["insured_id", "agency_code", "name", "home_lat", "home_lng"],
        [["330400000009", "JX-A01", "x", 95, 120.7]],
    )
    refused = _upload(client, "clients", bad)
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["line"] == 2
    preview = h.ok(_upload(client, "clients", clients, dry_run=True))
    assert (preview["inserted"], preview["dry_run"]) == (2, True)
    assert h.ok(client.get("/api/v1/clients"))["total"] == 1  # the dry run wrote nothing
    assert h.ok(_upload(client, "clients", clients))["inserted"] == 2
    plans = _xlsx(
        PLAN_COLUMNS,
        [
            ["330400000002", "P1", "2026-01-01", "L01:7:15;L04:3", "1,2,3,4,5,6,7", "10:00", 60, "CG001"],
            ["330400000003", "P1", "2026-01-01", "L05:7:20", "1,2,3,4,5,6,7", "14:00", 45, "CG001"],
        ],
    )
    assert h.ok(_upload(client, "care_plans", plans))["inserted"] == 2
    again = h.ok(_upload(client, "care_plans", plans))
    assert (again["inserted"], again["updated"], again["unchanged"]) == (
        0,
        0,
        2,
    )  # a re-import changes nothing


def _attempt(at: datetime, caregiver_id: int, attempt_id: str, home: dict, **extra) -> dict:
    return {
        "attempt_id": attempt_id,
        "caregiver_id": caregiver_id,
        "device_id": "phone-cg001",
        "device_time": at.isoformat(),
        "fix": {
            "lat": home["wgs84"]["lat"],
            "lng": home["wgs84"]["lng"],
            "accuracy_m": 12,
            "datum": "WGS84",
            "time": at.isoformat(),
        },
        "selfie": f.b64(f.photo("obama", 1)),
        **extra,
    }


def _visit(client, me: dict, pv: dict, at: datetime, minutes: int) -> None:
    home, uuid = pv["client"]["home"], f"v-{pv['planned_visit_id']}-0001"
    body = _attempt(
        at,
        me["caregiver_id"],
        f"{uuid}-in",
        home,
        client_id=pv["client"]["client_id"],
        planned_visit_id=pv["planned_visit_id"],
    )
    h.ok(client.post(f"/api/v1/visits/{uuid}/check-in", json=body))
    items = [
        {"code": i["code"], "started_at": (at + timedelta(minutes=2 + 20 * n)).isoformat()}
        for n, i in enumerate(pv["items"])
    ]
    h.ok(client.post(f"/api/v1/visits/{uuid}/items", json={"items": items}))
    h.ok(
        client.post(
            f"/api/v1/visits/{uuid}/check-out",
            json=_attempt(at + timedelta(minutes=minutes), me["caregiver_id"], f"{uuid}-out", home),
        )
    )


def test_a_new_scheme_from_an_empty_installation_through_the_public_api(app, client):
    ids = _onboard(app, client)
    _clients_and_plans(client)
    h.sign_in(client, "sup")
    today = datetime.now(TZ).date()
    yesterday = today - timedelta(days=1)
    made = h.ok(
        client.post("/api/v1/schedules/generate", json={"first_day": yesterday.isoformat(), "days": 3})
    )
    assert made["created"] == 9

    h.sign_in(client, "cg001", "phone-cg001")
    me = h.ok(client.get("/api/v1/auth/me"))
    tomorrow = h.ok(client.get(f"/api/v1/me/schedule?date={today + timedelta(days=1)}"))
    assert [pv["starts_at"][11:16] for pv in tomorrow["planned_visits"]] == ["00:00", "02:00", "06:00"]  # UTC
    first = tomorrow["planned_visits"][1]["client"]
    assert first["name"] == "张阿姨" and first["home"]["gcj02"] == {"lat": 30.7502, "lng": 120.7551}
    assert abs(first["home"]["wgs84"]["lat"] - 30.7502) > 1e-4  # converted, not copied
    assert {c["insured_id"] for c in h.ok(client.get("/api/v1/me/clients"))["clients"]} == {
        "330400000001",
        "330400000002",
        "330400000003",
    }

    day = h.ok(client.get(f"/api/v1/me/schedule?date={yesterday}"))["planned_visits"]
    on_time, late, missed = day
    _visit(
        client,
        me,
        on_time,
        datetime.fromisoformat(on_time["starts_at"].replace("Z", "+00:00")) + timedelta(minutes=5),
        70,
    )
    _visit(
        client,
        me,
        late,
        datetime.fromisoformat(late["starts_at"].replace("Z", "+00:00")) + timedelta(minutes=55),
        65,
    )
    linked = h.ok(client.get(f"/api/v1/me/schedule?date={yesterday}"))["planned_visits"]
    assert [pv["status"] for pv in linked] == ["done", "done", "planned"]

    runner = app.test_cli_runner()
    scan = runner.invoke(
        args=[
            "rules",
            "scan",
            "--since",
            (yesterday - timedelta(days=1)).isoformat(),
            "--until",
            (today + timedelta(days=1)).isoformat(),
        ]
    )
    assert scan.exit_code == 0, scan.output
    h.sign_in(client, "admin")
    alerts = h.ok(client.get("/api/v1/alerts?per_page=100"))
    by_rule = {}
    for a in alerts["alerts"] if "alerts" in alerts else alerts["items"]:
        by_rule.setdefault(a["rule_code"], []).append(a)
    assert len(by_rule.get("S01", [])) == 1, by_rule.keys()
    assert by_rule["S01"][0]["client_id"] is not None
    assert len(by_rule.get("S02", [])) == 1
    assert "S04" not in by_rule and "S03" not in by_rule  # planned, assigned visits
    assert ids["caregiver"]["id_masked"].startswith("1101")
