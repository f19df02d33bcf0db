"""The console shows the presence decision (在场判定) and its parts on the replay and the alert page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Alert, VisitAttempt
from field_app.services.presence import store_decision
from field_app.timeutil import now_utc
from field_app.verification.presence import PresenceParts
from tests.e2e.test_console import no_script_errors, sign_in

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
)
expect = sync_api.expect
pytestmark = pytest.mark.slow


def test_the_replay_and_the_alert_show_the_presence_decision(new_page, live_server, world, app, screenshot):
    with app.app_context():
        alert = db.session.get(Alert, world.alerts["G02"])
        visit = alert.visits[0]
        closing = db.session.scalars(
            select(VisitAttempt).where(VisitAttempt.visit_id == visit.id).order_by(VisitAttempt.id.desc())
        ).first()
        parts = PresenceParts(
            face="matched", fence="uncertain", tag="replayed", liveness="passed", liveness_required=True
        )
        store_decision(closing, parts, now_utc())
        db.session.commit()
        visit_uuid = visit.uuid
    page = new_page()
    sign_in(page, live_server, "aud-zhao", f"?next=/console/alerts/{world.alerts['G02']}")
    row = page.locator("#visits-table tbody tr", has_text=visit_uuid)
    expect(row.locator(".chip-presence-not_present")).to_have_text("不在场")
    page.goto(f"{live_server.url}/console/visits/{visit_uuid}/replay")
    expect(page.locator("#replay-heading")).to_have_attribute("data-loaded", "true")
    facts = page.locator("#presence")
    expect(facts).to_contain_text("不在场")
    expect(facts).to_contain_text("标签被拒")
    expect(facts).to_contain_text(re.compile(r"活体检测\s*通过 \(必需\)"))
    expect(facts).to_contain_text("重放")
    screenshot(page, "20-replay-presence")
    no_script_errors(page)
