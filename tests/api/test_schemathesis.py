"""Property-based API tests generated from the OpenAPI spec: no 5xx, responses as documented, per role.

Schemathesis generates requests for every documented operation (valid and invalid bodies, odd path
parameters); each request is sent as every role and anonymously, and each response is checked: never
a server error, a documented status code and content type, a body matching the documented schema.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from field_app.extensions import db
from field_app.services.catalogue import load_catalogue
from tests import factories as f

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def role_headers(app):
    """A world with one of each role, and an open visit, so that in-scope paths exist too."""
    now = datetime.now(UTC)
    with app.app_context():
        load_catalogue()
        agency = f.add_agency()
        caregiver = f.add_caregiver(agency, device_id="phone-1")
        client = f.add_client(agency)
        f.add_visit("visit-0001", caregiver.id, client.id, agency.id, now - timedelta(minutes=30), None)
        tokens = {
            "caregiver": f.token_for(f.add_user("caregiver", caregiver=caregiver), "phone-1"),
            "supervisor": f.token_for(f.add_user("supervisor", agencies=[agency])),
            "auditor": f.token_for(f.add_user("auditor", agencies=[agency])),
            "family": f.token_for(f.add_user("family", client=client)),
            "admin": f.token_for(f.add_user("admin")),
        }
        db.session.commit()
    app.config["ATTEMPT_LIMIT"] = app.config["SIGN_IN_LIMIT"] = 10**6  # fuzzing is not an attack
    return {"anonymous": {}, **{role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()}}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_spec_for_every_role(case, role_headers):
    for headers in role_headers.values():
        case.call_and_validate(headers=headers, checks=CHECKS)
