"""What people add around alerts and visits: comments, family feedback (参保人评价), spot checks (抽查)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc


class AlertComment(db.Model):
    __tablename__ = "alert_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    text: Mapped[str] = mapped_column(Text)


class VisitFeedback(db.Model):
    """The client's or family's word on a visit: did it happen, and how good was it (1-5 stars)."""

    __tablename__ = "visit_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed: Mapped[bool] = mapped_column(Boolean)  #: False = the family says the visit did not happen
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class SpotCheck(db.Model):
    """A reproducible sample of visits drawn for checking (抽查)."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))  #: uniform | stratified | risk
    seed: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSONType, default=dict)  #: agency scope, strata, weights used

    items: Mapped[list[SpotCheckItem]] = relationship(
        back_populates="spot_check", order_by="SpotCheckItem.position"
    )


class SpotCheckItem(db.Model):
    __tablename__ = "spot_check_items"
    __table_args__ = (UniqueConstraint("spot_check_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    position: Mapped[int] = mapped_column(Integer)
    stratum: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  #: pending | confirmed | not_confirmed | unreachable
    channel: Mapped[str | None] = mapped_column(String(16))  #: phone | home_visit
    note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
