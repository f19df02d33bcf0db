"""``flask evidence export|verify|audit|sign|sequence|public-key``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from field_app.errors import DomainError
from field_app.evidence import service
from field_app.evidence.heads import head_json
from field_app.evidence.verifier import ProofError, verify_bundle
from field_app.extensions import db
from field_app.timeutil import now_utc


@click.group("evidence", cls=AppGroup)
def evidence_cli() -> None:
    """The evidence log: bundles, offline verification, audit, signed tree heads."""


@evidence_cli.command("export")
@click.argument("visit_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="file to write (default: stdout)")
def export(visit_id: str, output: str | None) -> None:
    """Write VISIT_ID's self-contained evidence bundle (JSON)."""
    try:
        data = service.export_bundle(visit_id, now_utc())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()  # a tree head signed for the bundle is kept (a CLI command is its own unit of work)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(
            f"{len(data['events'])} events, tree size {data['tree_head']['tree_size']} -> {output}", err=True
        )
    else:
        click.echo(text)
    if any(e["missing_rows"] for e in data["events"]):
        click.echo("warning: some logged rows are no longer stored (see missing_rows)", err=True)


@evidence_cli.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
def verify(bundle: str) -> None:
    """Check BUNDLE offline: signature, every event's hash and inclusion proof, earlier heads."""
    try:
        data = json.loads(Path(bundle).read_text(encoding="utf-8"))
        for line in verify_bundle(data):
            click.echo(f"ok: {line}")
    except (ProofError, KeyError, TypeError, ValueError) as exc:
        click.echo(f"FAILED: {_reason(exc)}")
        sys.exit(1)
    click.echo("bundle verified")


def _reason(exc: Exception) -> str:
    return f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)


@evidence_cli.command("audit")
def audit() -> None:
    """Re-hash every logged row against the log and the log against its signed heads."""
    service.sequence()
    db.session.commit()
    findings = service.run_audit()
    for finding in findings:
        click.echo(str(finding))
    if findings:
        click.echo(f"{len(findings)} discrepancies")
        sys.exit(1)
    click.echo("audit: every logged row matches the log; the log matches its signed heads")


@evidence_cli.command("sign")
def sign() -> None:
    """Sequence pending leaves and sign a tree head now."""
    head = service.sign_head(now_utc())
    db.session.commit()
    click.echo(json.dumps(head_json(head)))


@evidence_cli.command("public-key")
def public_key() -> None:
    """Print the log's public key (PEM) for verifiers."""
    click.echo(service.public_key(), nl=False)
