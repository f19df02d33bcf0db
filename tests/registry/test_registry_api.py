"""``POST /api/v1/registry/<kind>``: the same checks and import as the CLI, answered as JSON."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from field_app.api.responses import ErrorOut
from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.registries import imports as registry_import
from field_app.registries.api import RegistryImportOut, RegistryRowsInvalidOut
from tests import factories as f
from tests.registry.conftest import MODELS, sample_rows, stored


@pytest.fixture(autouse=True)
def as_admin(app, client):
    """Registry imports are for admins: the test client signs in as one."""
    with app.app_context():
        f.sign_in(client, f.token_for(f.add_user("admin")))
        db.session.commit()


def post(client, kind: str, rows):
    return client.post(f"/api/v1/registry/{kind}", json={"rows": rows})


@pytest.mark.parametrize("kind", list(MODELS))
def test_each_kind_imports_and_a_resend_is_unchanged(app, people, client, kind):
    rows = sample_rows(kind)
    resp = post(client, kind, rows)
    assert resp.status_code == 200, resp.get_json()
    assert RegistryImportOut.model_validate(resp.get_json()).model_dump() == {
        "kind": kind,
        "inserted": len(rows),
        "updated": 0,
        "unchanged": 0,
    }
    before = stored(app, kind)
    again = post(client, kind, rows).get_json()
    assert again == {"kind": kind, "inserted": 0, "updated": 0, "unchanged": len(rows)}
    assert stored(app, kind) == before


def test_chinese_grade_names_are_stored_as_codes(app, people, client):
    rows = [
        {"insured_id": "330401000000", "effective_on": "2026-09-01", "grade": "重度失能三级"},
        {"insured_id": "330401000000", "effective_on": "2026-11-01", "grade": "失效"},
    ]
    assert post(client, "grades", rows).status_code == 200
    assert [r["grade"] for r in stored(app, "grades").values()] == ["severe_3", None]


def test_invalid_rows_answer_422_with_each_error_by_line_and_store_nothing(app, people, client):
    rows = [
        *sample_rows("hospital_stays"),
        {"insured_id": "339999999999", "admitted_on": "2026-11-01"},
        {"insured_id": "330401000005", "admitted_on": "2026-11-05", "discharged_on": "2026-11-04"},
        "oops",
    ]
    resp = post(client, "hospital_stays", rows)
    assert resp.status_code == 422
    body = RegistryRowsInvalidOut.model_validate(resp.get_json()).model_dump()
    assert body["error"] == {
        "code": "registry_rows_invalid",
        "field": "rows",
        "message": "3 hospital_stays row(s) failed the checks (3 error(s)); nothing was imported.",
    }
    assert body["errors"] == [
        {"line": 4, "field": "insured_id", "message": "insured_id 339999999999 is not a known client"},
        {
            "line": 5,
            "field": "discharged_on",
            "message": "discharged_on 2026-11-04 is before admitted_on 2026-11-05",
        },
        {
            "line": 6,
            "field": None,
            "message": "expected an object with insured_id, admitted_on, discharged_on, hospital",
        },
    ]
    assert body["errors_not_shown"] == 0
    assert stored(app, "hospital_stays") == {}


def test_an_unknown_kind_is_404(client):
    resp = post(client, "pensions", [])
    assert resp.status_code == 404
    assert ErrorOut.model_validate(resp.get_json()).error.code == "unknown_registry_kind"


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"rows": [{}] * 10_001}, 422, "invalid_field"),
        ({}, 422, "missing_field"),
        ({"rows": [], "source": "x"}, 422, "unknown_field"),
    ],
)
def test_a_malformed_body_is_refused(client, body, status, code):
    resp = client.post("/api/v1/registry/deaths", json=body)
    assert resp.status_code == status and resp.get_json()["error"]["code"] == code


def test_an_empty_list_imports_nothing(client):
    assert post(client, "deaths", []).get_json() == {
        "kind": "deaths",
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
    }


def test_a_concurrent_import_of_the_same_keys_answers_409(app, people, client, monkeypatch):
    def collide(*args):
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    monkeypatch.setattr(registry_import, "apply", collide)
    resp = post(client, "deaths", sample_rows("deaths"))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "registry_import_conflict"


def test_the_import_is_audited_as_from_the_api(app, people, client):
    post(client, "certificates", sample_rows("certificates"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.subject_id) == ("api", "registry.import", "certificates")
        assert entry.details["inserted"] == 2


def test_the_endpoint_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/registry/{kind}"]["post"]
    assert op["tags"] == ["registry"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/RegistryRowsIn")
    assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/RegistryRowsInvalidOut"
    )
    assert {"200", "404", "409", "422"} <= set(op["responses"])
    assert (
        "discharged_on?"
        in spec["components"]["schemas"]["RegistryRowsIn"]["properties"]["rows"]["description"]
    )


def test_only_admins_import(app, client):
    with app.app_context():
        agency = f.add_agency("B1")
        supervisor = f.token_for(f.add_user("supervisor", agencies=[agency]))
        db.session.commit()
    f.sign_in(client, supervisor)
    assert post(client, "deaths", []).status_code == 403
    client.environ_base.pop("HTTP_AUTHORIZATION")
    assert post(client, "deaths", []).get_json()["error"]["code"] == "authentication_required"
