"""A visit's bundle verifies offline; one changed byte anywhere makes verification fail, saying where."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
from sqlalchemy import select

from field_app.evidence import verifier
from field_app.evidence.models import EvidenceLeaf
from field_app.extensions import db
from field_app.models import VisitAttempt


def export(runner, uuid, path):
    result = runner.invoke(args=["evidence", "export", uuid, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def test_every_event_of_the_visit_is_logged_with_the_selfie_hash(app, visit, runner, tmp_path):
    bundle = export(runner, visit.visit_uuid, tmp_path / "b.json")
    tables = [e["table"] for e in bundle["events"]]
    assert tables.count("visit_attempts") == 2
    assert tables.count("trail_points") == 2  # the re-sent batch stored nothing, so logged nothing
    assert sum(len(e["leaf_data"]["rows"]) for e in bundle["events"] if e["table"] == "trail_points") == 120
    assert "performed_items" in tables and "visits" in tables and "audit_log" in tables
    with app.app_context():
        attempt = db.session.scalar(select(VisitAttempt).where(VisitAttempt.uuid == "att-evid-in"))
        assert attempt.selfie_sha256 == hashlib.sha256(visit.selfie).hexdigest()
    rows = [r["values"] for e in bundle["events"] if e["table"] == "visit_attempts" for r in e["rows"]]
    assert hashlib.sha256(visit.selfie).hexdigest() in {r["selfie_sha256"] for r in rows}


def test_an_exported_bundle_verifies_with_the_cli_and_the_standalone_verifier(
    visit, runner, tmp_path, capsys
):
    path = tmp_path / "bundle.json"
    export(runner, visit.visit_uuid, path)
    result = runner.invoke(args=["evidence", "verify", str(path)])
    assert result.exit_code == 0 and "bundle verified" in result.output
    assert verifier.main(["verifier.py", str(path)]) == 0


def test_a_later_head_carries_a_consistency_proof_from_the_first_head_that_covered_the_visit(
    app, visit, client, runner, tmp_path
):
    first = export(runner, visit.visit_uuid, tmp_path / "1.json")
    more = {"points": [{"lat": 30.75, "lng": 120.75, "accuracy_m": 9, "datum": "WGS84",
                        "time": "2026-12-01T01:00:00+00:00"}]}  # fmt: skip
    client.post("/api/v1/visits/other-visit-1/trail", json=more)  # 404, but audit/others may log
    assert runner.invoke(args=["evidence", "sign"]).exit_code == 0
    with app.app_context():  # something new in the log after the first head
        from field_app.services import audit

        audit.record("cli", "test.note", "visit", "elsewhere")
        db.session.commit()
    assert runner.invoke(args=["evidence", "sign"]).exit_code == 0
    second = export(runner, visit.visit_uuid, tmp_path / "2.json")
    assert second["tree_head"]["tree_size"] > first["tree_head"]["tree_size"]
    assert second["earlier_heads"][0]["tree_head"] == first["tree_head"]
    assert any("consistency proof" in line for line in verifier.verify_bundle(second))


def _flip_hex(value: str) -> str:
    return ("1" if value[0] != "1" else "2") + value[1:]


def mutations(bundle):
    """(description, mutated bundle, words the failure must contain): one changed byte each."""
    ev = next(n for n, e in enumerate(bundle["events"]) if e["table"] == "trail_points")
    att = next(n for n, e in enumerate(bundle["events"]) if e["table"] == "visit_attempts" and e["rows"])

    def m(fn):
        b = copy.deepcopy(bundle)
        fn(b)
        return b

    return [
        ("row value", m(lambda b: b["events"][att]["rows"][0]["values"].update(lat=b["events"][att]["rows"][0]["values"]["lat"] + 1e-6)), "does not hash to what its leaf recorded"),
        ("selfie hash", m(lambda b: b["events"][att]["rows"][0]["values"].update(selfie_sha256=_flip_hex(b["events"][att]["rows"][0]["values"]["selfie_sha256"]))), "does not hash to what its leaf recorded"),
        ("leaf data row hash", m(lambda b: b["events"][ev]["leaf_data"]["rows"][0].update(sha256=_flip_hex(b["events"][ev]["leaf_data"]["rows"][0]["sha256"]))), "does not hash to what its leaf recorded"),
        ("leaf data time", m(lambda b: b["events"][ev]["leaf_data"].update(at=b["events"][ev]["leaf_data"]["at"].replace("Z", "1Z"))), "does not hash to its leaf hash"),
        ("leaf hash", m(lambda b: b["events"][ev].update(leaf_hash=_flip_hex(b["events"][ev]["leaf_hash"]))), "does not hash to its leaf hash"),
        ("leaf index", m(lambda b: b["events"][ev].update(leaf_index=b["events"][ev]["leaf_index"] ^ 1)), "inclusion"),
        ("proof hash", m(lambda b: b["events"][ev]["inclusion_proof"].__setitem__(0, _flip_hex(b["events"][ev]["inclusion_proof"][0]))), "does not lead to the root"),
        ("proof dropped", m(lambda b: b["events"][ev]["inclusion_proof"].pop()), "inclusion path is shorter"),
        ("root", m(lambda b: b["tree_head"].update(root_hash=_flip_hex(b["tree_head"]["root_hash"]))), "signature"),
        ("tree size", m(lambda b: b["tree_head"].update(tree_size=b["tree_head"]["tree_size"] + 1)), "signature"),
        ("timestamp", m(lambda b: b["tree_head"].update(timestamp_ms=b["tree_head"]["timestamp_ms"] + 1)), "signature"),
        ("signature", m(lambda b: b["tree_head"].update(signature="A" + b["tree_head"]["signature"][1:] if b["tree_head"]["signature"][0] != "A" else "B" + b["tree_head"]["signature"][1:])), "signature"),
        ("public key", m(lambda b: b.update(public_key=b["public_key"].replace(b["public_key"].split("\n")[1][5], "A" if b["public_key"].split("\n")[1][5] != "A" else "B", 1))), ""),
        ("row dropped from a batch", m(lambda b: b["events"][ev]["leaf_data"]["rows"].pop()), "is not listed in its leaf"),
    ]  # fmt: skip


def test_one_changed_byte_in_any_event_proof_or_head_fails_verification_with_the_reason(
    visit, runner, tmp_path
):
    bundle = export(runner, visit.visit_uuid, tmp_path / "b.json")
    verifier.verify_bundle(bundle)
    for name, bad, words in mutations(bundle):
        with pytest.raises((verifier.ProofError, ValueError)) as failure:
            verifier.verify_bundle(bad)
        assert words in str(failure.value), f"{name}: {failure.value}"
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        result = runner.invoke(args=["evidence", "verify", str(path)])
        assert result.exit_code == 1 and "FAILED" in result.output, name


def test_the_log_refuses_changes_through_the_application(app, visit):
    with app.app_context():
        leaf = db.session.scalars(select(EvidenceLeaf)).first()
        db.session.delete(leaf)
        with pytest.raises(Exception, match="append-only"):
            db.session.commit()
        db.session.rollback()


def test_an_auditor_of_the_agency_gets_the_bundle_from_the_api_and_it_verifies(app, visit, client):
    from tests import factories as f

    with app.app_context():
        from field_app.models import Agency

        auditor = f.add_user("auditor", agencies=[db.session.get(Agency, visit.agency_id)])
        token = f.token_for(auditor)
        db.session.commit()
    f.sign_in(client, token)
    resp = client.get(f"/api/v1/visits/{visit.visit_uuid}/evidence-bundle")
    assert resp.status_code == 200
    assert any("events included" in line for line in verifier.verify_bundle(resp.get_json()))
    head = client.get("/api/v1/evidence/tree-heads/latest").get_json()
    assert head == resp.get_json()["tree_head"]
    key = client.get("/api/v1/evidence/public-key").get_json()
    assert key["public_key"] == resp.get_json()["public_key"]
