"""The evidence API: a visit's bundle for bureau reviewers and auditors, the log's heads and key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from field_app.api.openapi import documented
from field_app.api.responses import Out
from field_app.api.visits import own_visit
from field_app.errors import NotFound
from field_app.evidence import heads, service
from field_app.models.user import ADMIN, AUDITOR
from field_app.security import require
from field_app.timeutil import now_utc

bp = Blueprint("evidence", __name__)
#: who reads bundles: the bureau (admin; the bureau reviewer role joins here) and spot-check auditors
BUNDLE_READERS = (ADMIN, AUDITOR)


class TreeHeadOut(Out):
    """A signed tree head (RFC 6962 §3.5): Ed25519 over version, type, timestamp, size and root."""

    tree_size: int
    root_hash: str
    timestamp_ms: int
    signature: str
    key_id: str
    rfc3161_response: str | None = None
    rfc3161_digest: str | None = None


class EventOut(Out):
    leaf_index: int
    leaf_hash: str
    table: str
    op: str
    leaf_data: dict[str, Any]
    rows: list[dict[str, Any]]
    missing_rows: list[str]
    inclusion_proof: list[str]


class EarlierHeadOut(Out):
    tree_head: TreeHeadOut
    consistency_proof: list[str]


class BundleOut(Out):
    """Self-contained: verify it offline with ``field_app/evidence/verifier.py`` (see the README)."""

    format: str
    visit_id: str
    exported_at: str
    public_key: str
    tree_head: TreeHeadOut
    events: list[EventOut]
    earlier_heads: list[EarlierHeadOut]


class PublicKeyOut(Out):
    public_key: str
    algorithm: str


@bp.get("/visits/<visit_id>/evidence-bundle")
@require(*BUNDLE_READERS)
@documented("A visit's evidence bundle: events, leaf hashes, inclusion proofs, a signed tree head, the key",
            responses={200: BundleOut}, errors=("visit_not_found",), tag="evidence")  # fmt: skip
def get_bundle(visit_id: str):
    """Signs a new tree head when none covers the visit's latest event yet (so the bundle is always
    complete). Rows are shown with their current values where the event is the row's latest state."""
    visit = own_visit(visit_id)
    return jsonify(service.export_bundle(visit.uuid, now_utc()))


@bp.get("/evidence/tree-heads/latest")
@require()
@documented("The latest signed tree head of the evidence log", responses={200: TreeHeadOut}, errors=("tree_head_not_found",),
            tag="evidence")  # fmt: skip
def latest_head():
    head = heads.latest()
    if head is None:
        raise NotFound("tree_head_not_found", "The evidence log has no signed tree head yet.")
    return jsonify(heads.head_json(head))


@bp.post("/evidence/tree-heads")
@require(ADMIN)
@documented("Sign a tree head now (also done at least daily by the scheduler)", responses={201: TreeHeadOut},
            tag="evidence")  # fmt: skip
def sign_head():
    return jsonify(heads.head_json(service.sign_head(now_utc()))), 201


@bp.get("/evidence/public-key")
@require()
@documented("The evidence log's public key (PEM), for verifying bundles and tree heads",
            responses={200: PublicKeyOut}, tag="evidence")  # fmt: skip
def public_key():
    return jsonify({"public_key": service.public_key(), "algorithm": "Ed25519"})
