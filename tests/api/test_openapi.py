"""The OpenAPI spec is served and describes every API route."""

from __future__ import annotations


def test_spec_lists_every_api_route_with_bodies_and_errors(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    api_rules = {
        r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/") and "openapi" not in r.rule
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
