"""``flask seed-demo``: the demo world on an empty database."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from field_app.cli.master import cli_actor
from field_app.demo.seed import DEMO_PASSWORD
from field_app.demo.seed import seed_demo as build_demo
from field_app.extensions import db
from field_app.models import Alert
from field_app.scanning import jobs
from field_app.scanning.scanner import FULL
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
    summary = build_demo(the_day, tz, replace(v, attempt_limit=None), cli_actor("seed:demo"))
    db.session.commit()
    if summary.faces_from == "already seeded":
        click.echo("The database already holds data; nothing seeded.")
        return
    zone = ZoneInfo(tz)
    first = the_day - timedelta(days=6)
    since = datetime.combine(first - timedelta(days=first.weekday()), time.min, zone)
    jobs.scan(FULL, since=since, until=datetime.combine(the_day + timedelta(days=1), time.min, zone))
    families = Counter(code[0] for code in db.session.scalars(select(Alert.rule_code)))
    city = summary.city
    click.echo(
        f"Seeded {summary.agencies} agencies (DEMO data), {summary.caregivers} caregivers (real faces from "
        f"{summary.faces_from} for the live check-in; synthetic demo selfies for the simulated week), "
        f"{summary.clients} clients, {city.planned} planned visits over two weeks and {summary.visits} visits "
        f"up to {the_day} ({city.missed} missed, {city.late} late)."
    )
    click.echo("Alerts by rule family: " + ", ".join(f"{k}: {v}" for k, v in sorted(families.items())))
    click.echo(
        f"Demo accounts (password {DEMO_PASSWORD}): admin, supervisor-jx-a01, auditor-jx-a01, "
        "cg001 ... (real faces, device phone-001 ...), jx-cg001 ... (device demo-phone-001 ...), family-1."
    )
