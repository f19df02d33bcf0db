"""``flask users create``: accounts from the command line (the first admin, above all)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from field_app.errors import DomainError
from field_app.extensions import db
from field_app.models import Agency, Caregiver, Client
from field_app.models.user import ROLES
from field_app.services import audit
from field_app.services.accounts import create_user
from field_app.transaction import committed


def _one(model, column, value, what: str):
    found = db.session.scalar(select(model).where(column == value))
    if found is None:
        raise click.BadParameter(f"no {what} {value!r}")
    return found


@click.group("users")
def users_cli() -> None:
    """User accounts."""


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--caregiver", "caregiver_code", help="Staff number, for a caregiver account.")
@click.option("--client", "insured_id", help="Insurance number, for a family account.")
@click.option("--agency", "agency_codes", multiple=True, help="Agency code(s) a supervisor/auditor sees.")
@click.option("--all-agencies", is_flag=True, help="A supervisor/auditor who sees every agency.")
@with_appcontext
@committed
def create(username, role, password, caregiver_code, insured_id, agency_codes, all_agencies) -> None:
    """Create an account, e.g. ``flask users create admin --role admin``."""
    caregiver = _one(Caregiver, Caregiver.code, caregiver_code, "caregiver") if caregiver_code else None
    client = _one(Client, Client.insured_id, insured_id, "client") if insured_id else None
    agencies = [_one(Agency, Agency.code, code, "agency") for code in agency_codes]
    try:
        user = create_user(
            username,
            password,
            role,
            caregiver=caregiver,
            client=client,
            agencies=agencies,
            all_agencies=all_agencies,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except DomainError as exc:  # a weak password: its code and why
        raise click.UsageError(f"{exc.code}: {exc.message}") from None
    audit.record("cli", "user.create", "user", user.id, role=role)
    click.echo(f"Created {role} {username} (user {user.id}).")
