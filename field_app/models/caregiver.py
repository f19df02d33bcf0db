"""Caregivers (护理员), their phones and their enrolled faces."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import Encoding, JSONType, UTCDateTime
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
    #: the change that added it (None: before changes were recorded)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment_changes.id"))

    caregiver: Mapped[Caregiver] = relationship(back_populates="enrolments")

    def __repr__(self) -> str:
        return f"<FaceEnrolment {self.id} caregiver={self.caregiver_id}>"


class EnrolmentChange(db.Model):
    """One change of a caregiver's enrolled face gallery, applied or waiting for a second person.

    Every enrolment goes through one of these rows: the first enrolment and the bureau's are applied
    at once; an agency's re-enrolment of a caregiver who already has a face waits ("pending") until
    another person approves it (四眼原则: a substitute's face would otherwise be silently "matched").
    ``past_*`` compare the new gallery with the caregiver's verified selfies before the change: a new
    face unlike them is rule F04's enrolment swap."""

    __tablename__ = "enrolment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  #: pending | applied | rejected
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    #: the photos' encodings and hashes until applied (never returned by the API): [{"encoding", "image_hash"}]
    samples: Mapped[list] = mapped_column(JSONType)
    quality: Mapped[list] = mapped_column(JSONType)  #: per-photo measures, for the reviewer
    past_selfies: Mapped[int | None] = mapped_column(Integer)  #: verified selfies compared
    past_distance: Mapped[float | None] = mapped_column(Float)  #: median distance of those to the gallery

    caregiver: Mapped[Caregiver] = relationship()
