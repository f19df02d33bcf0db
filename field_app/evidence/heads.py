"""Signed tree heads: sequence what is pending, sign (size, time, root), time-stamp when configured."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from field_app.evidence import log, signing, timestamp
from field_app.evidence.models import TreeHead
from field_app.evidence.verifier import tree_head_message
from field_app.extensions import db

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signer:
    """What signing needs from the configuration: the key and the optional time-stamp authority."""

    key_path: str
    tsa_url: str = ""
    tsa_timeout: float = 10.0

    def key(self):
        return signing.load_or_create(Path(self.key_path))

    def public_pem(self) -> str:
        return signing.public_pem(self.key())

    @classmethod
    def from_config(cls, config, instance_path: str) -> Signer:
        path = signing.key_path(config["EVIDENCE_KEY_FILE"], instance_path)
        return cls(str(path), config["EVIDENCE_TSA_URL"], config["EVIDENCE_TSA_TIMEOUT_SECONDS"])


def sign_head(signer: Signer, now: datetime) -> TreeHead:
    """Sequence pending leaves and sign the tree as it now stands. Flushes only."""
    log.sequence()
    size = log.tree_size()
    root = log.root(size)
    key = signer.key()
    ms = int(now.timestamp() * 1000)
    message = tree_head_message(size, ms, root)
    head = TreeHead(
        tree_size=size,
        root_hash=root,
        timestamp_ms=ms,
        signature=key.sign(message),
        key_id=signing.key_id(key),
        created_at=now,
    )
    if signer.tsa_url:
        try:
            head.tsa_response = timestamp.stamp(
                signer.tsa_url, hashlib.sha256(message).digest(), signer.tsa_timeout
            )
        except (OSError, ValueError) as exc:  # the head stands without it; the failure is kept
            head.tsa_error = str(exc)[:500]
            logger.warning("time-stamping tree head %s failed: %s", size, exc)
    db.session.add(head)
    db.session.flush()
    return head


def latest() -> TreeHead | None:
    return db.session.scalars(
        select(TreeHead).order_by(TreeHead.tree_size.desc(), TreeHead.id.desc())
    ).first()


def head_json(head: TreeHead) -> dict:
    out = {
        "tree_size": head.tree_size,
        "root_hash": bytes(head.root_hash).hex(),
        "timestamp_ms": head.timestamp_ms,
        "signature": base64.b64encode(bytes(head.signature)).decode(),
        "key_id": head.key_id,
    }
    if head.tsa_response:
        out["rfc3161_response"] = base64.b64encode(bytes(head.tsa_response)).decode()
        out["rfc3161_digest"] = hashlib.sha256(
            tree_head_message(head.tree_size, head.timestamp_ms, bytes(head.root_hash))
        ).hexdigest()
    return out
