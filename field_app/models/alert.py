"""Alerts raised by the rule library (疑点) and the scanner's own bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc

# Review states (疑点确认). The review workflow itself is a later feature; the scanner needs to know
# which alerts a person has closed so it does not re-open them on the same evidence.
ALERT_OPEN, ALERT_IN_REVIEW, ALERT_CONFIRMED, ALERT_DISMISSED, ALERT_ESCALATED = (
    "open",
    "in_review",
    "confirmed",
    "dismissed",
    "escalated",
)
#: set by the scanner when a re-scan (e.g. after late data) no longer finds what the alert said
ALERT_CLEARED = "cleared"

alert_visits = Table(
    "alert_visits",
    db.metadata,
    Column("alert_id", ForeignKey("alerts.id"), primary_key=True),
    Column("visit_id", ForeignKey("visits.id"), primary_key=True, index=True),
)


class Alert(db.Model):
    """One suspicion per rule and subject; re-scans update it instead of adding another."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_code", "subject_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(8), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16), default="hit")  #: hit | not_applicable
    severity: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSONType)
    evidence_hash: Mapped[str] = mapped_column(String(64))
    #: evidence a reviewer dismissed; the same evidence found again does not re-open the alert
    dismissed_evidence_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ALERT_OPEN, index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    params: Mapped[dict] = mapped_column(JSONType, default=dict)  #: thresholds in force when raised
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Review (疑点确认): a first reviewer proposes, a different second reviewer decides a confirmation.
    first_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_review_outcome: Mapped[str | None] = mapped_column(String(16))
    first_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)

    visits = relationship("Visit", secondary=alert_visits)

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.rule_code} {self.subject_key} {self.status}>"


Index("ix_alerts_score_occurred_at", Alert.score, Alert.occurred_at)  # the queue's risk sort (0004)


class ScanLock(db.Model):
    """A lease so that two scheduler processes never scan at once; a dead holder's lease expires."""

    __tablename__ = "scan_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScanRun(db.Model):
    """One scan: what it covered, what it found, which rules errored, and the watermark it reached."""

    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  #: incremental | full | manual
    #: running | interrupted (stopped on request) | done; the next scan of its kind resumes the first two
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: changes up to here are scanned
    visits_scanned: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    alerts_created: Mapped[int] = mapped_column(Integer, default=0)
    alerts_updated: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list] = mapped_column(JSONType, default=list)  #: rules that raised, with messages
    #: how far a run got: {"caregiver_id", "visit_id"} of the last committed chunk, or {"phase": ...};
    #: a run killed half-way is resumed from here by the next scheduler that takes the lock
    cursor: Mapped[dict | None] = mapped_column(JSONType)
    points_scanned: Mapped[int] = mapped_column(Integer, default=0)
