"""A client's consent to GPS trails (PIPL art. 14-15: consent, and its withdrawal at any time).

Withdrawal deletes the trail points already stored for the client's visits, past and open (PIPL art.
47: personal information is deleted when consent is withdrawn), and stops new ones (services.trail
discards them). What stays is the service record that settlement and review rest on, which does not
depend on trail consent: the visits, their check-in/out attempts with their fixes, the care items, and
the alerts already raised with their evidence summaries. Given again, consent applies from then on.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from field_app.extensions import db
from field_app.models import Client, TrailPoint, Visit
from field_app.services import audit


def set_trail_consent(actor: str, client: Client, consent: bool) -> int:
    """Record the client's trail consent; on withdrawal delete their stored trail points. Returns how many
    points were deleted (audited with the change)."""
    deleted = 0
    if not consent:
        visits = select(Visit.id).where(Visit.client_id == client.id)
        stmt = (
            delete(TrailPoint)
            .where(TrailPoint.visit_id.in_(visits))
            .execution_options(synchronize_session=False)
        )
        deleted = db.session.execute(stmt).rowcount or 0
    client.trail_consent = consent
    audit.record(actor, "client.consent", "client", client.id, trail=consent, trail_points_deleted=deleted)
    return deleted
