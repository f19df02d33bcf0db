"""The evidence log's tables: leaves in append order, perfect-subtree hashes, signed tree heads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db
from field_app.models.types import UTCDateTime
from field_app.timeutil import now_utc

BigId = BigInteger().with_variant(Integer, "sqlite")


class EvidenceLeaf(db.Model):
    """One logged event: canonical JSON naming the rows it covers and each row's SHA-256.

    Written in the event's own transaction with ``seq`` empty; the sequencer gives it its place in the
    tree (``seq``, 0-based) afterwards, as Certificate Transparency logs merge submissions.
    """

    __tablename__ = "evidence_leaves"
    __table_args__ = (Index("ix_evidence_leaves_table_key", "table_name", "row_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)  #: leaf index in the tree
    table_name: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))  #: insert | update | delete
    row_key: Mapped[str | None] = mapped_column(String(64))  #: the single row's key; None for a batch
    visit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[str] = mapped_column(Text)  #: the canonical JSON that was hashed
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<EvidenceLeaf {self.id} seq={self.seq} {self.table_name}:{self.row_key}>"


class EvidenceNode(db.Model):
    """The hash of a perfect subtree of level ≥ 1 (2**level leaves from index * 2**level)."""

    __tablename__ = "evidence_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TreeHead(db.Model):
    """A signed tree head (RFC 6962 §3.5), optionally time-stamped by an RFC 3161 authority."""

    __tablename__ = "evidence_tree_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64))  #: SHA-256 of the public key (DER)
    tsa_response: Mapped[bytes | None] = mapped_column(LargeBinary)  #: the RFC 3161 TimeStampResp (DER)
    tsa_error: Mapped[str | None] = mapped_column(Text)  #: why time-stamping failed, when it did
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<TreeHead {self.id} size={self.tree_size}>"
