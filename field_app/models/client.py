"""Insured clients (参保人) receiving home care, and their care plans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc


def default_fence_radius_m() -> float:
    """A new client's fence radius when none is given: ``FIELD_APP_GEOFENCE_DEFAULT_RADIUS_M``."""
    return current_app.config["GEOFENCE_DEFAULT_RADIUS_M"] if has_app_context() else 100.0


GRADES = ("severe_1", "severe_2", "severe_3", "dementia")  # 重度失能 I/II/III, 重度失智
#: care settings (护理形式): home care (居家护理), elderly-care institution (养老机构), medical institution (医疗机构)
CARE_TYPES = ("home", "institution_elderly", "institution_medical")
CLIENT_STATUSES = ("active", "hospitalised", "deceased", "left", "suspended")


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    insured_id: Mapped[str] = mapped_column(String(32), unique=True)  #: insurance number (参保号)
    name: Mapped[str] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(16))  #: one of GRADES; None once lapsed
    grade_valid_until: Mapped[date | None] = mapped_column(Date)  #: re-assessment due (失能等级有效期)
    care_type: Mapped[str] = mapped_column(String(24), default="home", server_default="home")
    #: resident ID (身份证号) as a keyed HMAC and a masked form, never the number (PIPL)
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(18))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    address_key: Mapped[str | None] = mapped_column(String(200))  #: normalised, for matching
    #: the home as given (address geocoding usually yields GCJ-02) ...
    home_lat: Mapped[float] = mapped_column(Float)
    home_lng: Mapped[float] = mapped_column(Float)
    home_datum: Mapped[str] = mapped_column(String(8))
    #: ... and converted once to WGS-84, the datum every check works in
    home_lat_wgs84: Mapped[float] = mapped_column(Float)
    home_lng_wgs84: Mapped[float] = mapped_column(Float)
    #: set when the client is created: given, or the configured default (an existing client keeps its own)
    fence_radius_m: Mapped[float] = mapped_column(Float, default=default_fence_radius_m)
    #: optional polygon fence, a (lng, lat) ring in WGS-84 (converted from its input datum)
    fence_polygon_wgs84: Mapped[list | None] = mapped_column(JSONType)
    trail_consent: Mapped[bool] = mapped_column(Boolean, default=True)  #: consent to GPS trails
    status: Mapped[str] = mapped_column(String(16), default="active")  #: one of CLIENT_STATUSES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    agency = relationship("Agency")
    care_plans: Mapped[list[CarePlan]] = relationship(
        back_populates="client", order_by="(CarePlan.valid_from, CarePlan.version)"
    )
    family_members: Mapped[list[FamilyMember]] = relationship(
        back_populates="client", order_by="FamilyMember.id", cascade="all, delete-orphan"
    )

    def current_plan(self, on: date) -> CarePlan | None:
        """The care plan in force on a day."""
        for plan in reversed(self.care_plans):
            if (
                plan.status != "superseded"
                and plan.valid_from <= on
                and (plan.valid_until is None or on <= plan.valid_until)
            ):
                return plan
        return None

    def __repr__(self) -> str:
        return f"<Client {self.id} {self.insured_id}>"


care_plan_items = Table(
    "care_plan_items",
    db.metadata,
    Column("care_plan_id", ForeignKey("care_plans.id"), primary_key=True),
    Column("service_item_id", ForeignKey("service_items.id"), primary_key=True),
)


class CarePlan(db.Model):
    """One version of a client's care plan (护理计划): items, frequency, caregivers, cap, fund share.

    Versioned: a change makes a new row (``version`` + 1, same ``plan_no``) effective from a day, and
    the previous version ends the day before; a visit keeps the version it ran under (visits.care_plan_id).
    """

    __tablename__ = "care_plans"
    __table_args__ = (UniqueConstraint("client_id", "plan_no", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    plan_no: Mapped[str] = mapped_column(String(32), default="P1", server_default="P1")  #: per client
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: active | superseded (a later version replaced it before it began) | ended
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    visits_per_week: Mapped[int] = mapped_column(Integer)
    #: the schedule: ISO weekdays (1 = Monday) and the local start time of each visit, its length
    visit_days: Mapped[list | None] = mapped_column(JSONType)
    visit_time: Mapped[str | None] = mapped_column(String(5))  #: "HH:MM", local
    visit_minutes: Mapped[int | None] = mapped_column(Integer)
    #: two insured people at one address (spouses) served in one stay: overlapping visits are planned
    allow_overlap: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    scheme_rate_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_rates.id"))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=now_utc)
    monthly_cap_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1500"))
    fund_share: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.8"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="care_plans")
    items = relationship("ServiceItem", secondary=care_plan_items)
    lines = relationship("CarePlanLine", cascade="all, delete-orphan", order_by="CarePlanLine.id")
    assignments = relationship(
        "CarePlanCaregiver", cascade="all, delete-orphan", order_by="CarePlanCaregiver.id"
    )

    @property
    def caregiver_ids(self) -> list[int]:
        """Primary first, then the substitutes."""
        ordered = sorted(self.assignments, key=lambda a: (a.role != "primary", a.id or 0))
        return [a.caregiver_id for a in ordered]

    def __repr__(self) -> str:
        return f"<CarePlan {self.id} client={self.client_id}>"


class FamilyMember(db.Model):
    """A relative of a client (家属), optionally with the family account that reads the client's visits."""

    __tablename__ = "family_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str | None] = mapped_column(String(32))  #: spouse, daughter, ...
    phone: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)

    client: Mapped[Client] = relationship(back_populates="family_members")

    def __repr__(self) -> str:
        return f"<FamilyMember {self.id} client={self.client_id}>"
