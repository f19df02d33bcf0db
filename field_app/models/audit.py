"""The append-only audit log: who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc


class AuditEntry(db.Model):
    """One audit record; the database refuses UPDATE and DELETE on this table (see migrations)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    actor: Mapped[str] = mapped_column(String(64))  #: "caregiver:12", "system:scanner", "cli"
    action: Mapped[str] = mapped_column(String(64))  #: "visit.check_in", "alert.confirm", ...
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(JSONType, default=dict)  #: never faces, photos or coordinates

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.subject_type}:{self.subject_id}>"
