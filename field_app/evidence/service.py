"""Operations on the evidence log for the CLI, the API and the scheduler (they flush; callers commit)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from field_app.evidence import audit, bundle, heads, log
from field_app.evidence.models import TreeHead


def signer() -> heads.Signer:
    return heads.Signer.from_config(current_app.config, current_app.instance_path)


def sequence() -> int:
    return log.sequence()


def sign_head(now: datetime) -> TreeHead:
    return heads.sign_head(signer(), now)


def export_bundle(visit_uuid: str, now: datetime) -> dict:
    return bundle.export(visit_uuid, signer(), now)


def run_audit() -> list[audit.Finding]:
    return audit.run(signer().public_pem())


def public_key() -> str:
    return signer().public_pem()
