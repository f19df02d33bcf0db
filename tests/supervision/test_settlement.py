"""Monthly statements computed by hand: payable vs withheld visits, the cap, the fund's share, rounding."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from field_app.api.settlement import AgencyStatementOut, ClientStatementOut
from field_app.extensions import db
from field_app.models import Alert, ServiceItem, SpotCheck, SpotCheckItem, Visit
from field_app.services.catalogue import load_catalogue
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int = 9, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SH)


def add_alert(visit_id: int, status: str, rule: str = "T01", score: int = 30) -> Alert:
    visit = db.session.get(Visit, visit_id)
    alert = Alert(
        rule_code=rule,
        subject_type="visit",
        subject_key=f"{rule}:{visit_id}:{status}",
        severity="high",
        score=score,
        message=f"{rule} on visit {visit_id}",
        evidence={},
        evidence_hash="0" * 64,
        status=status,
        agency_id=visit.agency_id,
        caregiver_id=visit.caregiver_id,
        client_id=visit.client_id,
        occurred_at=visit.check_in_at,
    )
    alert.visits.append(visit)
    db.session.add(alert)
    db.session.flush()
    return alert


def deny(visit_id: int, user_id: int) -> None:
    """A spot check in which the client said the visit did not happen."""
    check = SpotCheck(
        created_by=user_id,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        method="uniform",
        seed=1,
        size=1,
        params={"agency_ids": None},
    )
    check.items.append(SpotCheckItem(visit_id=visit_id, position=1, outcome="not_confirmed", channel="phone"))
    db.session.add(check)
    db.session.flush()


@pytest.fixture
def month(app, client):
    """Agency A in October 2026. C1: 7 visits (2 payable = 95.00, 5 withheld = 95.00). C2: 21 payable visits
    of 75.00 = 1575.00, over the 1,500 cap. C3 (agency B, fund share 0.7): one visit worth 12.35."""
    with app.app_context():
        load_catalogue()
        db.session.scalar(select(ServiceItem).where(ServiceItem.code == "L10")).unit_price_yuan = Decimal(
            "12.35"
        )
        a, b = f.add_agency("A"), f.add_agency("B")
        cg = f.add_caregiver(a, "CGA")
        c1, c2 = f.add_client(a, "330400000001"), f.add_client(a, "330400000002")
        c3 = f.add_client(b, "330400000003")
        c3.care_plans[0].fund_share, c3.care_plans[0].monthly_cap_yuan = Decimal("0.7"), Decimal("3000")
        admin = f.add_user("admin")

        def visit(name, client, day, items, minutes=60, hour=9):
            return f.add_visit(
                name, cg.id, client.id, client.agency_id, local(day, hour), minutes, items=items
            )

        ids = {
            # 07:00 local on 1 October is still 30 September in UTC: months are local
            "paid": visit("c1-paid", c1, 1, ("L01", "L02", "L03"), hour=7),  # 10 + 20 + 45 = 75.00
            "open_alert": visit("c1-open-alert", c1, 2, ("L15",)),  # 30.00 withheld
            "confirmed_alert": visit("c1-confirmed", c1, 3, ("L16",)),  # 25.00 withheld
            "dismissed_alert": visit("c1-dismissed", c1, 4, ("L02",)),  # 20.00 paid
            "denied": visit("c1-denied", c1, 5, ("L01",)),  # 10.00 withheld
            "unverified": visit("c1-unverified", c1, 6, ("L01",)),  # 10.00 withheld
            "open_visit": visit("c1-open", c1, 7, ("L02",), minutes=None),  # 20.00 withheld
        }
        db.session.get(Visit, ids["unverified"]).verification_status = "unverified"
        add_alert(ids["open_alert"], "open")
        add_alert(ids["confirmed_alert"], "confirmed")
        add_alert(ids["dismissed_alert"], "dismissed")
        add_alert(ids["paid"], "cleared", rule="G02")  # cleared by a re-scan: does not withhold
        deny(ids["denied"], admin.id)
        f.add_visit("c1-nov", cg.id, c1.id, a.id, local(1, 7, month=11), 60, items=("L03",))  # 31 Oct UTC
        f.add_visit(
            "c1-sep", cg.id, c1.id, a.id, datetime(2026, 9, 30, 23, 30, tzinfo=SH), 20, items=("L03",)
        )
        for day in range(1, 22):
            visit(f"c2-{day:02d}", c2, day, ("L03", "L15"))  # 45 + 30 = 75.00
        visit("c3-1", c3, 10, ("L10",))
        sup_b = f.add_user("supervisor", agencies=[b])
        tokens = {"admin": f.token_for(admin), "supervisor_b": f.token_for(sup_b)}
        db.session.commit()
        return {"c1": c1.id, "c2": c2.id, "c3": c3.id, "a": a.id, "b": b.id, "tokens": tokens}


def get(client, token, url):
    f.sign_in(client, token)
    return client.get(url)


def test_client_statement_pays_verified_unchallenged_visits_and_lists_why_others_wait(client, month):
    resp = get(client, month["tokens"]["admin"], f"/api/v1/settlement/clients/{month['c1']}?month=2026-10")
    assert resp.status_code == 200
    body = ClientStatementOut.model_validate(resp.get_json()).model_dump()
    lines = {v["visit_id"]: v for v in body["visits"]}
    assert len(lines) == 7  # September's 23:30 and November's visits are other months
    assert {k for k, v in lines.items() if v["payable"]} == {"c1-paid", "c1-dismissed"}
    assert lines["c1-paid"]["amount"] == "75.00"
    codes = {k: [r["code"] for r in v["reasons"]] for k, v in lines.items()}
    assert codes["c1-open-alert"] == ["alert_open"]
    assert codes["c1-confirmed"] == ["alert_confirmed"]
    assert codes["c1-denied"] == ["spot_check_not_confirmed"]
    assert codes["c1-unverified"] == ["not_verified"]
    assert codes["c1-open"] == ["not_closed"]
    # payable 75 + 20 = 95.00; fund 95 * 0.8 = 76.00; withheld 30 + 25 + 10 + 10 + 20 = 95.00
    assert body["totals"] == {
        "monthly_cap": "1500.00",
        "fund_share": "0.800",
        "gross": "95.00",
        "capped": "95.00",
        "fund": "76.00",
        "client": "19.00",
        "withheld_amount": "95.00",
        "withheld_count": 5,
        "visits": 7,
    }


def test_a_month_over_the_cap_is_paid_up_to_the_cap(client, month):
    body = get(
        client, month["tokens"]["admin"], f"/api/v1/settlement/clients/{month['c2']}?month=2026-10"
    ).get_json()
    # 21 x 75.00 = 1575.00 -> capped 1500.00; fund 1200.00, client 300.00
    assert {k: body["totals"][k] for k in ("gross", "capped", "fund", "client")} == {
        "gross": "1575.00",
        "capped": "1500.00",
        "fund": "1200.00",
        "client": "300.00",
    }


def test_rounding_half_up_with_the_shares_adding_up(client, month):
    body = get(
        client, month["tokens"]["admin"], f"/api/v1/settlement/clients/{month['c3']}?month=2026-10"
    ).get_json()
    # 12.35 * 0.7 = 8.645 -> 8.65 (half up); the client pays 12.35 - 8.65 = 3.70
    assert (body["totals"]["gross"], body["totals"]["fund"], body["totals"]["client"]) == (
        "12.35",
        "8.65",
        "3.70",
    )


def test_agency_statement_sums_its_clients(client, month):
    resp = get(client, month["tokens"]["admin"], f"/api/v1/settlement/agencies/{month['a']}?month=2026-10")
    body = AgencyStatementOut.model_validate(resp.get_json()).model_dump()
    assert [r["insured_id"] for r in body["clients"]] == ["330400000001", "330400000002"]
    # gross 95 + 1575; capped 95 + 1500; fund 76 + 1200; client 19 + 300
    assert body["totals"] == {
        "gross": "1670.00",
        "capped": "1595.00",
        "fund": "1276.00",
        "client": "319.00",
        "withheld_amount": "95.00",
        "withheld_count": 5,
        "visits": 28,
    }


def test_csv_statements_open_in_excel(client, month):
    resp = get(
        client, month["tokens"]["admin"], f"/api/v1/settlement/agencies/{month['a']}.csv?month=2026-10"
    )
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data().decode("utf-8")
    assert text.startswith("\ufeffclient_id,insured_id,")
    assert text.splitlines()[-1] == "total,,28,1670.00,1595.00,1276.00,319.00,95.00,5"
    resp = get(
        client, month["tokens"]["admin"], f"/api/v1/settlement/clients/{month['c1']}.csv?month=2026-10"
    )
    rows = resp.get_data().decode("utf-8").splitlines()
    assert "c1-denied" in rows[5] and "did not confirm" in rows[5] and ",no," in rows[5]
    assert "fund,76.00" in rows


def test_other_agencies_clients_are_not_found_and_months_are_checked(client, month):
    token = month["tokens"]["supervisor_b"]
    resp = get(client, token, f"/api/v1/settlement/clients/{month['c1']}?month=2026-10")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "client_not_found"
    assert get(client, token, f"/api/v1/settlement/clients/{month['c3']}?month=2026-10").status_code == 200
    assert get(client, token, f"/api/v1/settlement/agencies/{month['a']}?month=2026-10").status_code == 404
    for bad in ("", "?month=2026-13", "?month=2026-1", "?month=October"):
        resp = get(client, token, f"/api/v1/settlement/clients/{month['c3']}{bad}")
        assert resp.status_code == 422 and resp.get_json()["error"]["field"] == "month"
