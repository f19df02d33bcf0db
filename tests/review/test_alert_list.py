"""The review queue: filters, sorting by risk or time, pagination, scope, and 422 on bad parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from field_app.api.alert_models import AlertPageOut
from tests.api.shapes import assert_shape
from tests.review import T0, alert, visit


def ids(resp) -> list[int]:
    return [a["id"] for a in assert_shape(resp, AlertPageOut)["items"]]


@pytest.fixture
def queue(app, rw):
    """Five alerts of A (hand-picked scores and times) and one of B."""
    v1, v2 = visit(app, rw.A, "visit-a-1"), visit(app, rw.A, "visit-a-2", start=T0 + timedelta(hours=2))
    a = rw.A.agency
    made = {
        "f01": alert(
            app,
            a,
            rule="F01",
            occurred_at=T0 + timedelta(hours=1),
            visit_ids=(v1,),
            caregiver_id=rw.A.caregiver,
            client_id=rw.A.client,
        ),
        "x01": alert(
            app,
            a,
            rule="X01",
            occurred_at=T0 + timedelta(hours=3),
            visit_ids=(v1, v2),
            caregiver_id=rw.A.caregiver,
        ),
        "t04": alert(app, a, rule="T04", status="dismissed", occurred_at=T0 + timedelta(hours=2)),
        "g02": alert(
            app,
            a,
            rule="G02",
            status="in_review",
            occurred_at=T0 + timedelta(days=2),
            outcome="not_applicable",
        ),
        "t03": alert(app, a, rule="T03", status="confirmed", occurred_at=T0 - timedelta(days=1), score=70),
        "b": alert(app, rw.B.agency, rule="F01", occurred_at=T0),
    }
    return made


def test_sorted_by_risk_with_rule_names_and_visit_ids(as_, queue):
    body = assert_shape(as_("supervisor_A").get("/api/v1/alerts"), AlertPageOut)
    # Scores: T03 70 (set by hand), X01 40 and F01 40 (a tie: the newer first), G02 25, T04 10.
    assert [a["id"] for a in body["items"]] == [queue[k] for k in ("t03", "x01", "f01", "g02", "t04")]
    assert body["total"] == 5
    f01 = next(a for a in body["items"] if a["id"] == queue["f01"])
    assert (f01["rule_name"], f01["title_zh"], f01["severity"], f01["visit_ids"]) == (
        "face_mismatch",
        "人脸比对不通过",
        "high",
        ["visit-a-1"],
    )
    x01 = next(a for a in body["items"] if a["id"] == queue["x01"])
    assert x01["visit_ids"] == ["visit-a-1", "visit-a-2"]


def test_sorted_by_time_both_ways(as_, queue):
    c = as_("supervisor_A")
    newest = [queue[k] for k in ("g02", "x01", "t04", "f01", "t03")]
    assert ids(c.get("/api/v1/alerts?sort=newest")) == newest
    assert ids(c.get("/api/v1/alerts?sort=oldest")) == newest[::-1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=open", ["f01", "x01"]),
        ("status=open&status=dismissed", ["f01", "x01", "t04"]),
        ("rule=X01", ["x01"]),
        ("severity=critical", []),
        ("outcome=not_applicable", ["g02"]),
        ("caregiver_id={cg}", ["f01", "x01"]),
        ("client_id={cl}", ["f01"]),
        ("agency_id={b}", []),  # B is outside the caller's agencies: the filter cannot widen the scope
        ("occurred_from=2026-11-20T08:30:00%2B08:00&occurred_to=2026-11-20T03:00:00Z", ["f01", "t04"]),
    ],
)
def test_filters(rw, as_, queue, query, expected):
    query = query.format(cg=rw.A.caregiver, cl=rw.A.client, b=rw.B.agency)
    got = ids(as_("supervisor_A").get(f"/api/v1/alerts?sort=oldest&{query}"))
    assert sorted(got) == sorted(queue[k] for k in expected)


def test_severity_filter(as_, queue):
    c = as_("supervisor_A")
    assert sorted(ids(c.get("/api/v1/alerts?severity=high"))) == sorted([queue["f01"], queue["x01"]])
    both = ids(c.get("/api/v1/alerts?severity=low&severity=medium&sort=oldest"))
    assert both == [queue[k] for k in ("t03", "t04", "g02")]


def test_pagination_with_total(as_, queue):
    c = as_("supervisor_A")
    order = ids(c.get("/api/v1/alerts?sort=newest"))
    pages = [c.get(f"/api/v1/alerts?sort=newest&per_page=2&page={n}").get_json() for n in (1, 2, 3, 4)]
    assert [[a["id"] for a in p["items"]] for p in pages] == [order[:2], order[2:4], order[4:], []]
    assert {p["total"] for p in pages} == {5} and pages[1]["page"] == 2 and pages[1]["per_page"] == 2


def test_admin_sees_every_agency_and_b_sees_only_its_own(as_, queue):
    assert as_("admin").get("/api/v1/alerts").get_json()["total"] == 6
    assert ids(as_("supervisor_B").get("/api/v1/alerts")) == [queue["b"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("status=closed", "status[0]"),
        ("sort=score", "sort"),
        ("outcome=miss", "outcome"),
        ("agency_id=-1", "agency_id"),
        ("occurred_from=2026-11-20T08:00:00", "occurred_from"),
        ("occurred_from=yesterday", "occurred_from"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(as_, rw, query, field):
    resp = as_("supervisor_A").get(f"/api/v1/alerts?{query}")
    assert resp.status_code == 422
    assert assert_shape(resp)["error"]["field"] == field
