"""Designated care agencies (定点护理机构)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db
from field_app.models.types import UTCDateTime
from field_app.timeutil import now_utc


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  #: the insurer's agency code
    name: Mapped[str] = mapped_column(String(200))
    #: unified social credit code (统一社会信用代码), check character verified (identity.py)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    district: Mapped[str | None] = mapped_column(String(64))  #: county/district (区县) under the bureau
    #: the service agreement with the bureau (定点协议): pending | active | suspended | terminated
    contract_status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    #: phones a caregiver may have active at once (1 unless the agency allows more)
    phones_per_caregiver: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")  #: demo data, not real
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.code}>"


CONTRACT_STATUSES = ("pending", "active", "suspended", "terminated")
