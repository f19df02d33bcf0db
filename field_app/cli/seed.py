"""``flask seed-demo``: the demo world on an empty database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.demo.seed import DEMO_PASSWORD
from field_app.demo.seed import seed_demo as build_demo
from field_app.services.attempts import verifier_from
from field_app.timeutil import local_date, now_utc
from field_app.transaction import committed


@click.command("seed-demo")
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Local day of the demo visits (default: yesterday).",
)
@with_appcontext
@committed
def seed_demo(day) -> None:
    """Load the catalogue, two agencies, caregivers with real faces, clients and a day of visits."""
    tz = current_app.config["TIMEZONE"]
    the_day = day.date() if day else local_date(now_utc(), tz) - timedelta(days=1)
    # the demo's own visits are not a phone's attempts: no rate limit counts them
    v = verifier_from(current_app.config, current_app.extensions.get("face_engine"), now_utc())
    summary = build_demo(the_day, tz, replace(v, attempt_limit=None))
    if summary.faces_from == "already seeded":
        click.echo("The database already holds data; nothing seeded.")
        return
    click.echo(
        f"Seeded {summary.agencies} agencies, {summary.caregivers} caregivers (faces from "
        f"{summary.faces_from}), {summary.clients} clients and {summary.visits} visits on {the_day}."
    )
    click.echo(
        f"Demo accounts (password {DEMO_PASSWORD}): admin, supervisor-jx-a01, auditor-jx-a01, "
        "cg001 ... (caregivers, device phone-001 ...), family-1."
    )
