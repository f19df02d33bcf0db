"""The cockpit (驾驶舱) and the monthly HTML report on a hand-made October."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import jsonschema_rs
import pytest

from field_app.api.dashboard import DashboardOut
from field_app.extensions import db
from field_app.models import Alert, Visit
from field_app.services.catalogue import load_catalogue
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def add_alert(visit_id: int, rule: str, status: str, score: int) -> None:
    visit = db.session.get(Visit, visit_id)
    alert = Alert(
        rule_code=rule,
        subject_type="visit",
        subject_key=f"{rule}:{visit_id}",
        severity="high",
        score=score,
        message=f"{rule} on {visit.uuid}",
        evidence={},
        evidence_hash="0" * 64,
        status=status,
        agency_id=visit.agency_id,
        caregiver_id=visit.caregiver_id,
        client_id=visit.client_id,
        occurred_at=visit.check_in_at,
        decision_reason="client confirmed",
    )
    alert.visits.append(visit)
    db.session.add(alert)


@pytest.fixture
def october(app):
    """A: 1 Oct a1 (verified, F01 confirmed), a2 (verified, 07:00 local = 30 Sep UTC); 2 Oct a3 (verified, G03
    open), a4 needs_review, a5 unverified, a6 open. B: three verified visits on 1 Oct, one with F01 open.
    Every visit carries L01 (10.00)."""
    with app.app_context():
        load_catalogue()
        ids = {}
        for name in ("A", "B"):
            agency = f.add_agency(name)
            cg, cl = f.add_caregiver(agency, f"CG{name}"), f.add_client(agency, f"3304{name}0000001")
            ids[name] = {"agency": agency, "cg": cg.id, "cl": cl.id}

        def visit(uuid, side, day, hour, status="verified", minutes=60):
            s = ids[side]
            vid = f.add_visit(
                uuid,
                s["cg"],
                s["cl"],
                s["agency"].id,
                datetime(2026, 10, day, hour, tzinfo=SH),
                minutes,
                items=("L01",),
            )
            db.session.get(Visit, vid).verification_status = status
            return vid

        add_alert(visit("a1", "A", 1, 9), "F01", "confirmed", 50)
        visit("a2", "A", 1, 7)
        add_alert(visit("a3", "A", 2, 9), "G03", "open", 20)
        visit("a4", "A", 2, 11, "needs_review")
        visit("a5", "A", 2, 13, "unverified")
        visit("a6", "A", 2, 15, "pending", minutes=None)
        add_alert(visit("b1", "B", 1, 9), "F01", "open", 30)
        visit("b2", "B", 1, 10)
        visit("b3", "B", 1, 11)
        tokens = {
            "supervisor_a": f.token_for(f.add_user("supervisor", agencies=[ids["A"]["agency"]])),
            "auditor_a": f.token_for(f.add_user("auditor", agencies=[ids["A"]["agency"]])),
            "admin": f.token_for(f.add_user("admin")),
        }
        db.session.commit()
        return {
            "A": ids["A"]["agency"].id,
            "B": ids["B"]["agency"].id,
            "cg_a": ids["A"]["cg"],
            "cl_a": ids["A"]["cl"],
            "tokens": tokens,
        }


def get(client, october, url, who="supervisor_a"):
    f.sign_in(client, october["tokens"][who])
    return client.get(url)


def test_dashboard_for_a_supervisor_counts_only_their_agency(client, october):
    resp = get(client, october, "/api/v1/dashboard?from=2026-10-01&to=2026-10-03")
    assert resp.status_code == 200, resp.get_json()
    body = DashboardOut.model_validate(resp.get_json()).model_dump(by_alias=True)
    assert body["from"] == "2026-10-01"
    days = {d["date"]: d for d in body["visits_per_day"]}
    assert list(days) == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert (days["2026-10-01"]["visits"], days["2026-10-01"]["verified"]) == (
        2,
        2,
    )  # a2 at 07:00 local is 1 Oct
    assert days["2026-10-02"]["shares"] == {
        "verified": 0.25,
        "needs_review": 0.25,
        "unverified": 0.25,
        "pending": 0.25,
    }
    assert days["2026-10-03"]["visits"] == 0
    assert body["alerts"]["by_rule"] == [{"key": "F01", "alerts": 1}, {"key": "G03", "alerts": 1}]
    assert body["alerts"]["by_agency"] == [{"key": october["A"], "alerts": 2}]
    assert body["alerts"]["by_status"] == [{"key": "confirmed", "alerts": 1}, {"key": "open", "alerts": 1}]
    # confirmed alerts count double: 50 * 2 + 20 = 120
    assert body["top_risk"]["caregivers"] == [
        {"id": october["cg_a"], "code": "CGA", "risk": 120, "alerts": 2}
    ]
    assert body["withheld"] == {"amount": "50.00", "visits": 5}  # a1, a3, a4, a5, a6 at 10.00 each


def test_dashboard_for_an_admin_covers_every_agency(client, october):
    body = get(client, october, "/api/v1/dashboard?from=2026-10-01&to=2026-10-01", "admin").get_json()
    assert body["visits_per_day"][0]["visits"] == 5
    assert body["alerts"]["by_rule"] == [{"key": "F01", "alerts": 2}]
    assert [a["code"] for a in body["top_risk"]["agencies"]] == ["A", "B"]  # 100 against 30
    assert body["withheld"] == {"amount": "20.00", "visits": 2}  # a1 and b1


def test_dashboard_periods_are_checked(client, october):
    for query, field in (
        ("", "from"),
        ("?from=2026-10-01", "to"),
        ("?from=2026-10-05&to=2026-10-01", "to"),
        ("?from=2025-01-01&to=2026-10-01", "to"),
        ("?from=2026-10-1&to=2026-10-02", "from"),
    ):
        resp = get(client, october, f"/api/v1/dashboard{query}")
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == field, query


def _cell(html: str, cell_id: str) -> str:
    return re.search(rf'id="{cell_id}">([^<]*)<', html).group(1)


def test_monthly_report_renders_the_months_numbers(client, october):
    resp = get(client, october, f"/api/v1/reports/agencies/{october['A']}/monthly?month=2026-10")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert _cell(html, "h-visits") == "6"
    assert _cell(html, "h-verified") == "3 (50.0%)"  # a1, a2, a3
    assert _cell(html, "h-alerts") == "2"
    assert _cell(html, "h-violations") == "1"
    assert _cell(html, "h-payable") == "1"  # only a2
    assert (_cell(html, "h-capped"), _cell(html, "h-fund")) == ("10.00", "8.00")
    assert _cell(html, "h-withheld") == "50.00 (5 visits)"
    visits_chart = html.split('id="chart-visits">')[1].split("</figure>")[0]
    assert visits_chart.count('class="bar"') == 31  # one bar per day of October
    assert "<title>02: 4</title>" in visits_chart
    alerts_chart = html.split('id="chart-alerts">')[1].split("</figure>")[0]
    assert alerts_chart.count('class="bar"') == 2 and "<title>F01: 1</title>" in alerts_chart
    violations = html.split('id="violations">')[1].split("</table>")[0]
    assert "F01 on a1" in violations and "G03" not in violations
    withheld = html.split('id="withheld">')[1].split("</table>")[0]
    assert [v for v in ("a1", "a2", "a3", "a4", "a5", "a6") if f"<td>{v}</td>" in withheld] == [
        "a1",
        "a3",
        "a4",
        "a5",
        "a6",
    ]
    assert "CGA" in html.split('id="top-caregivers">')[1].split("</table>")[0]
    assert not re.search(r"<script|<link|src=|https?://(?!www\.w3\.org/2000/svg)", html)  # nothing to fetch


def test_monthly_report_of_another_agency_is_not_found(client, october):
    resp = get(client, october, f"/api/v1/reports/agencies/{october['B']}/monthly?month=2026-10")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "agency_not_found"
    assert (
        get(client, october, f"/api/v1/reports/agencies/{october['A']}/monthly?month=10-2026").status_code
        == 422
    )


def test_real_answers_match_the_published_spec(app, client, october):
    """Schemathesis sends no query parameters, so the 200 answers are checked against the spec here."""
    spec = client.get("/api/v1/openapi.json").get_json()
    with app.app_context():  # a visit id of the form phones send (URL ids are 8-64 characters, issue 17)
        f.add_visit(
            "visit-a1-replay",
            october["cg_a"],
            october["cl_a"],
            october["A"],
            datetime(2026, 10, 3, 9, tzinfo=SH),
            60,
        )
        db.session.commit()
    f.sign_in(client, october["tokens"]["auditor_a"])
    check = client.post(
        "/api/v1/spot-checks",
        json={
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "method": "risk",
            "size": 3,
            "seed": 5,
        },
    )
    item = check.get_json()["items"][0]
    outcome = client.post(
        f"/api/v1/spot-checks/{check.get_json()['spot_check_id']}/items/{item['item_id']}/outcome",
        json={"outcome": "unreachable", "channel": "phone"},
    )
    calls = [
        ("/spot-checks", "post", check),
        ("/spot-checks/{spot_check_id}/items/{item_id}/outcome", "post", outcome),
        (
            "/spot-checks/{spot_check_id}",
            "get",
            client.get(f"/api/v1/spot-checks/{check.get_json()['spot_check_id']}"),
        ),
        ("/visits/{visit_id}/replay", "get", client.get("/api/v1/visits/visit-a1-replay/replay?datum=BD09")),
        (
            "/caregivers/{caregiver_id}/day",
            "get",
            client.get(f"/api/v1/caregivers/{october['cg_a']}/day?date=2026-10-02"),
        ),
        (
            "/settlement/clients/{client_id}",
            "get",
            client.get(f"/api/v1/settlement/clients/{october['cl_a']}?month=2026-10"),
        ),
        (
            "/settlement/agencies/{agency_id}",
            "get",
            client.get(f"/api/v1/settlement/agencies/{october['A']}?month=2026-10"),
        ),
        ("/dashboard", "get", client.get("/api/v1/dashboard?from=2026-09-30&to=2026-10-02")),
    ]
    for path, method, resp in calls:
        documented = spec["paths"]["/api/v1" + path][method]["responses"][str(resp.status_code)]
        schema = {**documented["content"]["application/json"]["schema"], "components": spec["components"]}
        jsonschema_rs.validator_for(schema).validate(resp.get_json())
        assert resp.status_code in (200, 201), path
