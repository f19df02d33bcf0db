"""The OpenAPI spec is served and describes every API route."""

from __future__ import annotations


def test_spec_lists_every_api_route_with_bodies_and_errors(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    api_rules = {
        r.rule
        for r in app.url_map.iter_rules()
        # the spec itself and its rendered reference page (HTML, its script) are not operations
        if r.rule.startswith("/api/v1/")
        and "openapi" not in r.rule
        and not r.endpoint.startswith("api.reference")
    }
    documented = set(spec["paths"])
    for rule in api_rules:
        assert rule.replace("<", "{").replace(">", "}").replace("{int:", "{") in documented, rule
    check_in = spec["paths"]["/api/v1/visits/{visit_id}/check-in"]["post"]
    assert check_in["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckInIn")
    assert {"200", "404", "409", "422", "429"} <= set(check_in["responses"])
    schemas = spec["components"]["schemas"]
    assert schemas["FixIn"]["properties"]["datum"]["enum"] == ["WGS84", "GCJ02", "BD09"]
    assert schemas["CheckInIn"]["properties"]["selfie"]["format"] == "byte"
    assert "ErrorOut" in schemas and "VisitOut" in schemas


def test_every_operation_lists_its_error_codes_by_status(client):
    """Each error answer of each operation names the codes it may carry, and each code sits under the
    status its kind answers with (422 for invalid, 404 for not found, ...)."""
    from field_app.api.error_codes import KIND_BY_CODE
    from field_app.api.errors import STATUS_BY_KIND

    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
            assert "503" in errors, (path, method)  # every operation: the database may be down
            for status, answer in errors.items():
                codes = answer.get("x-error-codes")
                assert codes, f"{method} {path} {status} lists no codes"
                assert all(STATUS_BY_KIND[KIND_BY_CODE[c]] == int(status) for c in codes), (path, status)
    check_in = spec["paths"]["/api/v1/visits/{visit_id}/check-in"]["post"]["responses"]
    assert {"attempt_id_reused", "visit_not_open", "already_checked_in"} <= set(
        check_in["409"]["x-error-codes"]
    )
    enum = check_in["422"]["content"]["application/json"]["schema"]["allOf"][1]
    assert "invalid_base64" in enum["properties"]["error"]["properties"]["code"]["enum"]
    assert check_in["429"]["x-error-codes"] == ["rate_limited", "too_many_attempts"]


def test_face_and_fence_outcomes_are_enums_in_the_spec(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["FaceOut"]["properties"]["status"]["enum"]) == {
        "matched",
        "mismatch",
        "no_face",
        "multiple_faces",
        "face_too_small",
    }
    assert set(schemas["FenceOut"]["properties"]["status"]["enum"]) == {"inside", "outside", "uncertain"}
    assert set(schemas["PointOut"]["properties"]["geofence_status"]["enum"]) == {
        "inside",
        "outside",
        "uncertain",
    }


def test_the_enums_are_the_values_the_checks_produce():
    """The spec's enums come from the same constants the face and geofence checks use."""
    from typing import get_args

    from field_app.domain.views import FaceStatus, FenceStatus
    from field_app.rules import facts

    assert set(get_args(FaceStatus)) == {facts.FACE_MATCHED, facts.FACE_MISMATCH, *facts.FACE_UNUSABLE}
    assert set(get_args(FenceStatus)) == {facts.INSIDE, facts.OUTSIDE, facts.UNCERTAIN}


def test_every_error_code_raised_in_the_code_is_registered_with_its_kind():
    """A new code raised anywhere must be added to api/error_codes.py under the kind it is raised as."""
    import re
    from pathlib import Path

    from field_app import errors
    from field_app.api.error_codes import KIND_BY_CODE

    kinds = {cls.__name__: cls.kind for cls in errors.DomainError.__subclasses__()}
    pattern = re.compile(rf"\b({'|'.join(kinds)})\(\s*\"(\w+)\"")
    root = Path(__file__).parents[2] / "field_app"
    raised = {(m[1], kinds[m[0]]) for p in root.rglob("*.py") for m in pattern.findall(p.read_text())}
    assert len(raised) > 30
    assert {(code, kind) for code, kind in raised if KIND_BY_CODE.get(code) != kind} == set()
