"""Presence evidence (在场证明): liveness challenges, bedside NFC tags and their taps, client/family
confirmations, and the presence decision of each check-in/out attempt."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import Encoding, JSONType, UTCDateTime
from field_app.timeutil import now_utc

ISSUED, PASSED, FAILED, USED = "issued", "passed", "failed", "used"


class LivenessChallenge(db.Model):
    """A one-time nonce with the head movements asked for; judged once, consumed by one attempt."""

    __tablename__ = "liveness_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)  #: the challenge_id the phone sees
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    visit_uuid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))  #: check_in | check_out
    actions: Mapped[list] = mapped_column(JSONType)  #: e.g. ["turn_left"]
    status: Mapped[str] = mapped_column(String(8), default=ISSUED)  #: issued | passed | failed | used
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict | None] = mapped_column(JSONType)  #: verification.liveness LivenessResult
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("visit_attempts.id"), unique=True)

    def __repr__(self) -> str:
        return f"<LivenessChallenge {self.id} {self.status}>"


class NfcTag(db.Model):
    """An NTAG 424 DNA tag at a client's home; its keys are stored encrypted and never returned."""

    __tablename__ = "nfc_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(14), unique=True)  #: 7-byte UID, upper-case hex
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    file_key_enc: Mapped[bytes] = mapped_column(LargeBinary)  #: K_SDMFileRead, AES-GCM under the KEK
    last_counter: Mapped[int] = mapped_column(Integer, default=-1)  #: highest SDMReadCtr accepted
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    client = relationship("Client")

    def __repr__(self) -> str:
        return f"<NfcTag {self.id} {self.uid} client={self.client_id}>"


class TagTap(db.Model):
    """Every tap a phone sent, accepted or not (a refused tap is evidence)."""

    __tablename__ = "tag_taps"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("nfc_tags.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("visit_attempts.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  #: valid | replayed | forged | other_client | unknown_tag
    read_counter: Mapped[int | None] = mapped_column(Integer)
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime)  #: the phone's time of the tap
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    tag = relationship("NfcTag")

    def __repr__(self) -> str:
        return f"<TagTap {self.id} {self.status}>"


class VisitConfirmation(db.Model):
    """Two-way confirmation (双向确认) asked at check-out: a family member's one-tap answer."""

    __tablename__ = "visit_confirmations"
    __table_args__ = (UniqueConstraint("visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    reason: Mapped[str] = mapped_column(String(16))  #: why asked: policy | sample | client_face
    method: Mapped[str] = mapped_column(String(12), default="family_code")  #: family_code | client_face
    status: Mapped[str] = mapped_column(String(10), default="pending")  #: pending | confirmed | denied
    code_id: Mapped[str] = mapped_column(String(32), unique=True)  #: the signed code's single-use id
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    visit = relationship("Visit")

    def __repr__(self) -> str:
        return f"<VisitConfirmation {self.id} {self.status}>"


class ClientFaceEnrolment(db.Model):
    """A client's enrolled face for two-way confirmation, kept only with consent (the client's, or the
    family's for a client who cannot give it); only the encoding, never the photo (PIPL)."""

    __tablename__ = "client_face_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    encoding: Mapped[np.ndarray] = mapped_column(Encoding)
    consent_by: Mapped[str] = mapped_column(String(8))  #: client | family
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<ClientFaceEnrolment {self.id} client={self.client_id}>"


class PresenceDecision(db.Model):
    """The presence decision of one check-in/out attempt, with the parts it was made of."""

    __tablename__ = "presence_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("visit_attempts.id"), unique=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  #: present | not_present | undetermined
    reason: Mapped[str] = mapped_column(String(48))  #: the policy line that decided
    parts: Mapped[dict] = mapped_column(JSONType)  #: fence, tag, liveness, face, confirmation, trail
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    #: ``attempt.presence`` on the attempt's side, without touching the visit models
    attempt = relationship("VisitAttempt", backref=backref("presence", uselist=False))

    def __repr__(self) -> str:
        return f"<PresenceDecision {self.id} {self.decision}>"
