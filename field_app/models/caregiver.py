"""Caregivers (护理员), their phones and their enrolled faces."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import Encoding, UTCDateTime
from field_app.timeutil import now_utc


class Caregiver(db.Model):
    __tablename__ = "caregivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  #: staff number
    name: Mapped[str] = mapped_column(String(100))
    #: care certificate (护理员证书) as registered with the agency; registries may add more
    certificate_no: Mapped[str | None] = mapped_column(String(64))
    certificate_expires_on: Mapped[date | None] = mapped_column(Date)
    is_nurse: Mapped[bool] = mapped_column(Boolean, default=False)  #: licensed nurse (医疗护理 items)
    address_key: Mapped[str | None] = mapped_column(String(200))  #: normalised home address
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    agency = relationship("Agency")
    devices: Mapped[list[Device]] = relationship(back_populates="caregiver", cascade="all, delete-orphan")
    enrolments: Mapped[list[FaceEnrolment]] = relationship(
        back_populates="caregiver", cascade="all, delete-orphan", order_by="FaceEnrolment.id"
    )

    def __repr__(self) -> str:
        return f"<Caregiver {self.id} {self.code}>"


class Device(db.Model):
    """A phone registered to a caregiver."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("caregiver_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(128), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    caregiver: Mapped[Caregiver] = relationship(back_populates="devices")

    def __repr__(self) -> str:
        return f"<Device {self.id} caregiver={self.caregiver_id}>"


class FaceEnrolment(db.Model):
    """One enrolled face: only the 128-d encoding is kept, never the photo (PIPL)."""

    __tablename__ = "face_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    encoding: Mapped[np.ndarray] = mapped_column(Encoding)
    image_hash: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    caregiver: Mapped[Caregiver] = relationship(back_populates="enrolments")

    def __repr__(self) -> str:
        return f"<FaceEnrolment {self.id} caregiver={self.caregiver_id}>"
