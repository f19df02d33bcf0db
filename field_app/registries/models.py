"""Records imported from other agencies' registries (多部门协同): health insurance, civil affairs,
human resources and social security, and the disability assessment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db
from field_app.models.types import UTCDateTime
from field_app.timeutil import now_utc


class HospitalStay(db.Model):
    """A hospital stay (医保住院记录): home care is not payable while the client is in hospital."""

    __tablename__ = "hospital_stays"
    __table_args__ = (UniqueConstraint("client_id", "admitted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    admitted_on: Mapped[date] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    hospital: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)


class DeathRecord(db.Model):
    """A death registered with civil affairs (民政)."""

    __tablename__ = "death_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), unique=True)
    died_on: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)


class CertificateRecord(db.Model):
    """A caregiver certificate as the HR & social security registry (人力社保) knows it."""

    __tablename__ = "certificate_records"
    __table_args__ = (UniqueConstraint("caregiver_id", "certificate_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    certificate_no: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)


class GradeChange(db.Model):
    """A disability-grade decision from (re-)assessment; grade None means the grade lapsed."""

    __tablename__ = "grade_changes"
    __table_args__ = (UniqueConstraint("client_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[str | None] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
