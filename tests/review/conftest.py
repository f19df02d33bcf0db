"""A review world: agencies A and B, two supervisors and an auditor of A, B's supervisor, an admin,
A's client's family; alerts are made by hand (the rules are tested elsewhere)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from field_app.extensions import db
from field_app.models import Agency, Client
from field_app.services.catalogue import load_catalogue
from tests import factories as f


@pytest.fixture
def rw(app):
    """Ids and tokens of the review world; every alert test adds its own alerts."""
    w = SimpleNamespace(tokens={})
    with app.app_context():
        load_catalogue()
        for side in ("A", "B"):
            agency = f.add_agency(side)
            caregiver = f.add_caregiver(agency, code=f"CG{side}", device_id=f"phone-{side}")
            client = f.add_client(agency, insured_id=f"3304{side}0000001")
            setattr(w, side, SimpleNamespace(agency=agency.id, caregiver=caregiver.id, client=client.id))
            w.tokens[f"supervisor_{side}"] = f.token_for(
                f.add_user("supervisor", f"sup1-{side}", agencies=[agency])
            )
        agency_a = db.session.get(Agency, w.A.agency)
        client_a = db.session.get(Client, w.A.client)
        second = f.add_user("supervisor", "sup2-A", agencies=[agency_a])
        w.tokens["supervisor_A2"] = f.token_for(second)
        w.tokens["auditor_A"] = f.token_for(f.add_user("auditor", "aud-A", agencies=[agency_a]))
        w.tokens["admin"] = f.token_for(f.add_user("admin", "admin"))
        w.tokens["family_A"] = f.token_for(f.add_user("family", "fam-A", client=client_a))
        db.session.commit()
    return w


@pytest.fixture
def as_(client, rw):
    """``as_("supervisor_A")`` signs the test client in as that account and returns it."""

    def sign(who: str):
        f.sign_in(client, rw.tokens[who])
        return client

    return sign
