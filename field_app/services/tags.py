"""Bedside NFC tags (NTAG 424 DNA, SUN): registration to a client's home, and the check of every tap.

Keys: the installation's master key (``FIELD_APP_TAG_MASTER_KEY``) derives the shared K_SDMMetaRead
and each tag's K_SDMFileRead (diversified by its UID). The per-tag key is stored encrypted at rest
(AES-GCM under a key-encryption key derived from the master key, the tag's UID as associated data, so
a row copied onto another tag does not decrypt) and no endpoint returns it. The personalisation
station that writes a tag's keys holds the same master key; the API never hands keys out.

A tap is accepted once: its read counter must be higher than every counter accepted for the tag, in
one conditional UPDATE, so two copies of one tap racing each other cannot both be accepted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update

from field_app.errors import Conflict, Invalid
from field_app.extensions import db
from field_app.models.presence import NfcTag, TagTap
from field_app.services import audit
from field_app.verification import ntag424

FILE_KEY_LABEL = b"SDMFileRead"
VALID, REPLAYED, FORGED, OTHER_CLIENT, UNKNOWN = "valid", "replayed", "forged", "other_client", "unknown_tag"


def master_key(configured: str, secret_key: str) -> bytes:
    """The configured 16-byte master key, or (development only) one derived from the app secret."""
    if configured:
        key = bytes.fromhex(configured)
        if len(key) != ntag424.KEY_LENGTH:
            raise ValueError("TAG_MASTER_KEY must be 32 hex digits (AES-128)")
        return key
    return hashlib.sha256(f"tag-master:{secret_key}".encode()).digest()[:16]


def _kek(master: bytes) -> AESGCM:
    return AESGCM(ntag424.aes_cmac(master, b"\x01KeyEncryptionKey"))


def seal_key(master: bytes, uid: bytes, key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _kek(master).encrypt(nonce, key, uid)


def open_key(master: bytes, uid: bytes, sealed: bytes) -> bytes:
    return _kek(master).decrypt(sealed[:12], sealed[12:], uid)


def parse_uid(text: str) -> bytes:
    try:
        uid = bytes.fromhex(text)
    except ValueError:
        uid = b""
    if len(uid) != ntag424.UID_LENGTH:
        raise Invalid("tag_uid_invalid", "A tag UID is 7 bytes: 14 hex digits.", "uid")
    return uid


def register(client_id: int, uid_text: str, actor: str, master: bytes, now: datetime) -> NfcTag:
    """Register a tag to a client's home; a UID already registered is a conflict."""
    uid = parse_uid(uid_text)
    if db.session.scalar(select(NfcTag.id).where(NfcTag.uid == uid.hex().upper())) is not None:
        raise Conflict("tag_exists", "Tag {uid} is already registered.", "uid", uid=uid.hex().upper())
    file_key = ntag424.diversify_key(master, FILE_KEY_LABEL, uid)
    tag = NfcTag(
        uid=uid.hex().upper(),
        client_id=client_id,
        file_key_enc=seal_key(master, uid, file_key),
        registered_by=actor,
        registered_at=now,
    )
    db.session.add(tag)
    db.session.flush()
    audit.record(actor, "tag.register", "nfc_tag", tag.id, client=client_id, uid=tag.uid)
    return tag


def deactivate(tag: NfcTag, actor: str) -> None:
    tag.active = False
    audit.record(actor, "tag.deactivate", "nfc_tag", tag.id, client=tag.client_id)


@dataclass(frozen=True)
class TapCheck:
    """The outcome of one tap: ``status`` VALID or why it was refused."""

    status: str
    tag: NfcTag | None = None
    read_counter: int | None = None
    message: str = ""


def _hex(value: str | None, name: str) -> bytes | None:
    if value is None:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise Invalid("tag_data_invalid", "{name} must be hexadecimal.", f"tag.{name}", name=name) from None


def check_tap(picc_hex: str, cmac_hex: str, enc_hex: str | None, client_id: int, master: bytes) -> TapCheck:
    """Decrypt, authenticate and order one tap for a visit to ``client_id`` (malformed input: Invalid)."""
    picc, cmac, enc = _hex(picc_hex, "picc_data"), _hex(cmac_hex, "cmac"), _hex(enc_hex, "enc")
    try:
        data = ntag424.decrypt_picc_data(ntag424.meta_read_key(master), picc)
    except ntag424.SunError as exc:
        if exc.code == "tag_data_invalid":
            raise Invalid(exc.code, exc.message, "tag.picc_data") from None
        return TapCheck(FORGED, message=exc.message)
    tag = db.session.scalar(select(NfcTag).where(NfcTag.uid == data.uid.hex().upper(), NfcTag.active))
    if tag is None:
        return TapCheck(UNKNOWN, read_counter=data.read_counter, message="No active tag with this UID.")
    try:
        ntag424.verify_sun(data, open_key(master, data.uid, tag.file_key_enc), cmac, enc)
    except (ntag424.SunError, InvalidTag) as exc:
        return TapCheck(FORGED, tag, data.read_counter, getattr(exc, "message", "Key does not open."))
    if tag.client_id != client_id:
        return TapCheck(OTHER_CLIENT, tag, data.read_counter, "This tag is at another client's home.")
    return _advance(tag, data.read_counter)


def _advance(tag: NfcTag, counter: int) -> TapCheck:
    """Accept the counter only if it is above every one accepted before (atomically)."""
    moved = db.session.execute(
        update(NfcTag)
        .where(NfcTag.id == tag.id, NfcTag.last_counter < counter)
        .values(last_counter=counter)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return TapCheck(
            REPLAYED, tag, counter, "This tap's counter was already seen: a copied or replayed tap."
        )
    db.session.refresh(tag)
    return TapCheck(VALID, tag, counter)


def record_tap(
    check: TapCheck, caregiver_id: int, tapped_at: datetime, visit_id: int | None, attempt_id: int | None
) -> TagTap:
    """Store the tap whatever its status: a refused tap is evidence."""
    tap = TagTap(
        tag_id=check.tag.id if check.tag else None,
        visit_id=visit_id,
        attempt_id=attempt_id,
        caregiver_id=caregiver_id,
        status=check.status,
        read_counter=check.read_counter,
        tapped_at=tapped_at,
    )
    db.session.add(tap)
    if check.status != VALID:
        audit.record(f"caregiver:{caregiver_id}", "tag.tap_refused", "visit", visit_id, status=check.status)
    return tap


def client_has_tag(client_id: int) -> bool:
    return (
        db.session.scalar(select(NfcTag.id).where(NfcTag.client_id == client_id, NfcTag.active).limit(1))
        is not None
    )


def tag_key_for_personalisation(master: bytes, uid: bytes) -> tuple[bytes, bytes]:
    """(K_SDMMetaRead, K_SDMFileRead) for the station writing a tag: derived, never read from storage."""
    return ntag424.meta_read_key(master), ntag424.diversify_key(master, FILE_KEY_LABEL, uid)


def of_client(client_id: int) -> list[NfcTag]:
    return list(db.session.scalars(select(NfcTag).where(NfcTag.client_id == client_id).order_by(NfcTag.id)))
