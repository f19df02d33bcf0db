"""Spot checks (抽查) through the API: reproducible samples, outcomes that withhold payment, CSV for Excel."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from field_app.api.spot_checks import SpotCheckOut
from field_app.extensions import db
from field_app.models import Alert, AuditEntry, Visit
from field_app.services.catalogue import load_catalogue
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
OCT = {"period_start": "2026-10-01", "period_end": "2026-10-31"}


@pytest.fixture
def world(app):
    """October 2026: agency A with 12 closed visits, agency B with 8 closed visits and an open one."""
    with app.app_context():
        load_catalogue()
        ids: dict = {"visits": {}}
        for name, count in (("A", 12), ("B", 8)):
            agency = f.add_agency(name)
            cg, cl = f.add_caregiver(agency, f"CG{name}"), f.add_client(agency, f"3304{name}0000001")
            for n in range(count):
                start = datetime(2026, 10, 1 + n, 9, tzinfo=SH)
                ids["visits"][f"{name}-{n:02d}"] = f.add_visit(
                    f"{name}-{n:02d}", cg.id, cl.id, agency.id, start, 60, items=("L01",)
                )
            ids[name] = agency.id
        f.add_visit(
            "B-open", cg.id, cl.id, ids["B"], datetime(2026, 10, 20, 9, tzinfo=SH), None
        )  # never sampled
        a, b = db.session.get_one(type(agency), ids["A"]), db.session.get_one(type(agency), ids["B"])
        ids["tokens"] = {
            "auditor_a": f.token_for(f.add_user("auditor", "auditor-a", agencies=[a])),
            "auditor_all": f.token_for(f.add_user("auditor", all_agencies=True)),
            "supervisor_a": f.token_for(f.add_user("supervisor", agencies=[a])),
            "supervisor_b": f.token_for(f.add_user("supervisor", agencies=[b])),
            "admin": f.token_for(f.add_user("admin")),
        }
        db.session.commit()
    return ids


def as_(client, world, who):
    f.sign_in(client, world["tokens"][who])
    return client


def draw(client, world, who="auditor_a", **body):
    return as_(client, world, who).post(
        "/api/v1/spot-checks", json={**OCT, "method": "uniform", "size": 5, "seed": 42, **body}
    )


def test_the_same_inputs_on_the_same_data_draw_the_same_sample(client, world):
    first = draw(client, world)
    assert first.status_code == 201, first.get_json()
    body = SpotCheckOut.model_validate(first.get_json())
    visits = [i.visit_id for i in body.items]
    assert len(set(visits)) == 5 and all(
        v.startswith("A-") for v in visits
    )  # closed, in the auditor's agency
    assert [i.position for i in body.items] == [1, 2, 3, 4, 5]
    assert body.population == 12 and body.agency_ids == [world["A"]]
    again = draw(client, world).get_json()
    assert again["spot_check_id"] != body.spot_check_id
    assert [i["visit_id"] for i in again["items"]] == visits
    assert [i["visit_id"] for i in draw(client, world, seed=43).get_json()["items"]] != visits


def test_stratified_sampling_allocates_by_agency(client, world):
    body = draw(client, world, "auditor_all", method="stratified", size=10).get_json()
    # 12 and 8 closed visits: 10 * 12/20 = 6 from A, 10 * 8/20 = 4 from B
    strata = [i["stratum"] for i in body["items"]]
    assert (strata.count("A"), strata.count("B")) == (6, 4)
    assert all(i["visit_id"].startswith(i["stratum"] + "-") for i in body["items"])
    assert body["population"] == 20 and body["agency_ids"] is None


def test_risk_sampling_favours_visits_with_heavy_alerts(app, client, world):
    with app.app_context():
        visit = db.session.get(Visit, world["visits"]["A-07"])
        alert = Alert(
            rule_code="F01",
            subject_type="visit",
            subject_key="F01:A-07",
            severity="high",
            score=10000,
            message="face mismatch",
            evidence={},
            evidence_hash="0" * 64,
            status="open",
            agency_id=visit.agency_id,
            caregiver_id=visit.caregiver_id,
            occurred_at=visit.check_in_at,
        )
        alert.visits.append(visit)
        db.session.add(alert)
        db.session.commit()
    body = draw(client, world, method="risk", size=3).get_json()
    # weight 10001 against eleven visits of weight 1: first with probability 10001/10012
    assert body["items"][0]["visit_id"] == "A-07" and body["items"][0]["stratum"] == "weight 10001"
    assert body["items"][1]["stratum"] == "weight 1"


def test_a_not_confirmed_outcome_is_audited_and_withholds_the_visit(app, client, world):
    check = draw(client, world).get_json()
    item = check["items"][0]
    url = f"/api/v1/spot-checks/{check['spot_check_id']}/items/{item['item_id']}/outcome"
    outcome = {"outcome": "not_confirmed", "channel": "phone", "note": "家属称当天无人上门"}
    assert as_(client, world, "supervisor_a").post(url, json=outcome).status_code == 403
    resp = as_(client, world, "auditor_a").post(url, json=outcome)
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["outcome"], resp.get_json()["note"]) == ("not_confirmed", "家属称当天无人上门")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "spot_check.outcome"))
        assert entry.subject_id == str(item["item_id"]) and entry.details["previous"]["outcome"] == "pending"
        client_id = db.session.scalar(select(Visit.client_id).where(Visit.uuid == item["visit_id"]))
    statement = as_(client, world, "supervisor_a").get(
        f"/api/v1/settlement/clients/{client_id}?month=2026-10"
    )
    lines = {v["visit_id"]: v for v in statement.get_json()["visits"]}
    assert lines[item["visit_id"]]["payable"] is False
    assert [r["code"] for r in lines[item["visit_id"]]["reasons"]] == ["spot_check_not_confirmed"]
    assert sum(v["payable"] for v in lines.values()) == 11


def test_export_is_csv_with_a_bom_and_the_documented_columns(client, world):
    check = draw(client, world, size=3).get_json()
    item = check["items"][1]
    as_(client, world, "auditor_a").post(
        f"/api/v1/spot-checks/{check['spot_check_id']}/items/{item['item_id']}/outcome",
        json={"outcome": "confirmed", "channel": "home_visit", "note": "老人确认"},
    )
    resp = as_(client, world, "supervisor_a").get(f"/api/v1/spot-checks/{check['spot_check_id']}/export.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "position",
        "visit_id",
        "client_insured_id",
        "caregiver_code",
        "agency_code",
        "check_in",
        "check_out",
        "stratum",
        "outcome",
        "channel",
        "note",
        "checked_by",
        "checked_at",
    ]
    assert len(rows) == 4
    assert rows[2][:5] == ["2", item["visit_id"], "3304A0000001", "CGA", "A"]
    assert rows[2][8:12] == ["confirmed", "home_visit", "老人确认", "auditor-a"]  # checked_by: the username
    assert rows[1][8] == "pending" and rows[1][11] == ""


def test_bad_requests_and_other_agencies(client, world):
    resp = draw(client, world, period_start="2026-10-31", period_end="2026-10-01")
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "invalid_period"
    resp = draw(client, world, agency_ids=[world["B"]])
    assert resp.status_code == 422 and resp.get_json()["error"] == {
        "code": "unknown_agency",
        "message": f"No agency {world['B']} you may sample.",
        "field": "agency_ids[0]",
    }
    assert draw(client, world, method="everyone").status_code == 422
    assert draw(client, world, size=0).status_code == 422
    assert draw(client, world, "admin").status_code == 403
    check_id = draw(client, world).get_json()["spot_check_id"]
    resp = as_(client, world, "supervisor_b").get(f"/api/v1/spot-checks/{check_id}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "spot_check_not_found"
    assert as_(client, world, "admin").get(f"/api/v1/spot-checks/{check_id}").status_code == 200
    resp = as_(client, world, "auditor_a").post(
        f"/api/v1/spot-checks/{check_id}/items/999999/outcome",
        json={"outcome": "confirmed", "channel": "phone"},
    )
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "spot_check_item_not_found"


def test_an_empty_period_draws_an_empty_sample(client, world):
    body = draw(client, world, period_start="2026-12-01", period_end="2026-12-31").get_json()
    assert (body["items"], body["population"]) == ([], 0)
