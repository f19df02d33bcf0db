"""Insured clients (参保人) receiving home care, and their care plans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc


def default_fence_radius_m() -> float:
    """A new client's fence radius when none is given: ``FIELD_APP_GEOFENCE_DEFAULT_RADIUS_M``."""
    return current_app.config["GEOFENCE_DEFAULT_RADIUS_M"] if has_app_context() else 100.0


GRADES = ("severe_1", "severe_2", "severe_3", "dementia")  # 重度失能 I/II/III, 重度失智


class Client(db.Model):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    insured_id: Mapped[str] = mapped_column(String(32), unique=True)  #: insurance number (参保号)
    name: Mapped[str] = mapped_column(String(100))
    grade: Mapped[str | None] = mapped_column(String(16))  #: one of GRADES; None once lapsed
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
    status: Mapped[str] = mapped_column(String(16), default="active")  #: active | suspended | deceased
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    agency = relationship("Agency")
    care_plans: Mapped[list[CarePlan]] = relationship(back_populates="client", order_by="CarePlan.valid_from")

    def current_plan(self, on: date) -> CarePlan | None:
        """The care plan in force on a day."""
        for plan in reversed(self.care_plans):
            if plan.valid_from <= on and (plan.valid_until is None or on <= plan.valid_until):
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
    """What the assessment authorised (护理计划): items, frequency, monthly cap, fund share."""

    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    visits_per_week: Mapped[int] = mapped_column(Integer)
    monthly_cap_yuan: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1500"))
    fund_share: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.8"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="care_plans")
    items = relationship("ServiceItem", secondary=care_plan_items)

    def __repr__(self) -> str:
        return f"<CarePlan {self.id} client={self.client_id}>"
