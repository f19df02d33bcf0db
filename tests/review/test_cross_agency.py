"""An alert spanning two agencies (X07 from one spot for clients of agencies A and B): each agency's
supervisors see their part, the bureau sees it whole and decides it (issue 16)."""

from __future__ import annotations

from tests.review import alert, visit


def _spot_alert(app, rw) -> tuple[int, str, str]:
    va = visit(app, rw.A, "visit-spot-A")
    vb = visit(app, rw.B, "visit-spot-B")
    evidence = {
        "clients": 2,
        "check_ins": [
            {"visit_id": "visit-spot-A", "client_id": rw.A.client},
            {"visit_id": "visit-spot-B", "client_id": rw.B.client},
        ],
    }
    aid = alert(app, None, rule="X07", visit_ids=(va, vb), evidence=evidence)
    return aid, "visit-spot-A", "visit-spot-B"


def test_each_agency_sees_its_part_of_a_cross_agency_alert(as_, app, rw):
    aid, mine, theirs = _spot_alert(app, rw)
    for who, own, other in (("supervisor_A", mine, theirs), ("supervisor_B", theirs, mine)):
        resp = as_(who).get(f"/api/v1/alerts/{aid}")
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["visit_ids"] == [own] and [v["visit_id"] for v in body["visits"]] == [own]
        assert [c["visit_id"] for c in body["evidence"]["check_ins"]] == [own]
        assert other not in resp.get_data(as_text=True)
        listed = as_(who).get("/api/v1/alerts")
        assert [a["visit_ids"] for a in listed.get_json()["items"] if a["id"] == aid] == [[own]]
        assert other not in listed.get_data(as_text=True)


def test_the_bureau_sees_a_cross_agency_alert_whole_and_decides_it(as_, app, rw):
    aid, mine, theirs = _spot_alert(app, rw)
    body = as_("admin").get(f"/api/v1/alerts/{aid}").get_json()
    assert sorted(body["visit_ids"]) == [mine, theirs] and len(body["evidence"]["check_ins"]) == 2
    refused = as_("supervisor_A").post(
        f"/api/v1/alerts/{aid}/review", json={"action": "start", "reason": "x"}
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "bureau_decides"
    started = as_("admin").post(
        f"/api/v1/alerts/{aid}/review", json={"action": "start", "reason": "both agencies"}
    )
    assert started.status_code == 200 and started.get_json()["status"] == "in_review"


def test_the_bureau_still_does_not_decide_one_agency_s_alert(as_, app, rw):
    aid = alert(app, rw.A.agency, visit_ids=(visit(app, rw.A, "visit-own-A"),))
    resp = as_("admin").post(f"/api/v1/alerts/{aid}/review", json={"action": "start", "reason": "x"})
    assert resp.status_code == 403
