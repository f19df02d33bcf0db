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
    certificate_valid_from: Mapped[date | None] = mapped_column(Date)
    is_nurse: Mapped[bool] = mapped_column(Boolean, default=False)  #: licensed nurse (医疗护理 items)
    #: one of QUALIFICATIONS; is_nurse follows it (qualification == "nurse")
    qualification: Mapped[str] = mapped_column(
        String(24), default="caregiver_5", server_default="caregiver_5"
    )
    #: resident ID (身份证号): a keyed HMAC to match registry feeds and a masked form; never the number
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))  #: mobile number, for the agency
    employed_from: Mapped[date | None] = mapped_column(Date)
    employed_until: Mapped[date | None] = mapped_column(Date)
    #: active | suspended | left; ``active`` (sign-in, check-in) is True only while "active"
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
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


#: 护理员 levels 五级 (entry) to 一级, nurse (护士), rehabilitation therapist (康复治疗师)
QUALIFICATIONS = (
    "caregiver_5",
    "caregiver_4",
    "caregiver_3",
    "caregiver_2",
    "caregiver_1",
    "nurse",
    "rehab_therapist",
)
CAREGIVER_STATUSES = ("active", "suspended", "left")
#: a phone's life: the caregiver asks, the agency approves; replaced or revoked phones stop working
REQUESTED, ACTIVE, REPLACED, REVOKED, REJECTED = "requested", "active", "replaced", "revoked", "rejected"


class Device(db.Model):
    """A phone of a caregiver: only an ``active`` one signs in and checks in."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("caregiver_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(128), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    status: Mapped[str] = mapped_column(String(12), default=ACTIVE, server_default=ACTIVE)
    model: Mapped[str | None] = mapped_column(String(100))  #: e.g. "Huawei Mate 60", as the phone says
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: approved / rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))  #: the actor, as in the audit log
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: replaced / revoked
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))  #: the phone it replaced
    reason: Mapped[str | None] = mapped_column(String(200))

    caregiver: Mapped[Caregiver] = relationship(back_populates="devices")

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    def __repr__(self) -> str:
        return f"<Device {self.id} caregiver={self.caregiver_id} {self.status}>"


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
