"""What a care plan is made of, the scheme table it takes its cap from, and planned visits (排班)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import UTCDateTime
from field_app.timeutil import now_utc

PRIMARY, SUBSTITUTE = "primary", "substitute"
#: planned visit states: planned (waiting or running), done (a check-in linked), cancelled
PLANNED, DONE, CANCELLED = "planned", "done", "cancelled"


class CarePlanLine(db.Model):
    """One service item of a plan version: how often a week and at least how many minutes."""

    __tablename__ = "care_plan_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    care_plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    service_item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"))
    per_week: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)  #: minimum minutes each time

    service_item = relationship("ServiceItem")


class CarePlanCaregiver(db.Model):
    """A caregiver assigned to a plan version: the primary one, or a substitute (顶岗)."""

    __tablename__ = "care_plan_caregivers"
    __table_args__ = (UniqueConstraint("care_plan_id", "caregiver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  #: PRIMARY | SUBSTITUTE


class SchemeRate(db.Model):
    """A row of the scheme table (待遇标准): monthly cap and fund share by care type and grade.

    Effective-dated data, never edited in place: a new rate is a new row from a day on (the old one gets
    its end). ``grade`` None applies to every grade without a row of its own.
    """

    __tablename__ = "scheme_rates"
    __table_args__ = (UniqueConstraint("care_type", "grade", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_type: Mapped[str] = mapped_column(String(24))
    grade: Mapped[str | None] = mapped_column(String(16))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date)
    monthly_cap_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    fund_share: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<SchemeRate {self.id} {self.care_type}/{self.grade} from {self.effective_from}>"


class PlannedVisit(db.Model):
    """A visit on the schedule, generated from a care plan or added by the agency."""

    __tablename__ = "planned_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: generated visits: "<plan_no>:<YYYY-MM-DD>" (one per plan and day); added ones: "manual:<random>"
    slot_key: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    care_plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=PLANNED)
    source: Mapped[str] = mapped_column(String(12), default="plan")  #: plan | agency
    reason: Mapped[str | None] = mapped_column(String(200))  #: why it was moved, added or cancelled
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    __table_args__ = (UniqueConstraint("client_id", "slot_key"),)

    client = relationship("Client")
    caregiver = relationship("Caregiver")
    care_plan = relationship("CarePlan")

    def __repr__(self) -> str:
        return f"<PlannedVisit {self.id} client={self.client_id} {self.starts_at:%Y-%m-%d %H:%M}>"
