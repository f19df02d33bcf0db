"""``flask import KIND FILE``: master data from CSV/XLSX; ``flask schedule generate``: planned visits."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.errors import DomainError
from field_app.extensions import db
from field_app.masterdata.importer import FORMATS, import_rows, read
from field_app.masterdata.records import Actor, id_key_from_secret
from field_app.masterdata.shapes import SHAPES
from field_app.schedules.generate import generate
from field_app.timeutil import local_date, now_utc


def cli_actor(name: str = "cli") -> Actor:
    cfg, now = current_app.config, now_utc()
    return Actor(name, id_key_from_secret(cfg["SECRET_KEY"]), local_date(now, cfg["TIMEZONE"]), now)


def import_path(
    kind: str, path: Path, dry_run: bool = False, actor: Actor | None = None, progress: bool = True
):
    """Import one file (the CLI and the demo seed); the caller commits."""
    fmt = path.suffix.lower().lstrip(".")
    with path.open("rb") as stream:
        rows = read(stream, fmt)
        if not progress:
            return import_rows(kind, rows, actor or cli_actor(), dry_run=dry_run, source=fmt)
        with click.progressbar(rows, label=f"{kind} from {path.name}", file=sys.stderr, show_pos=True) as bar:
            return import_rows(kind, bar, actor or cli_actor(), dry_run=dry_run, source=fmt)


@click.command("import")
@click.argument("kind", type=click.Choice(list(SHAPES)))
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and say what would change; write nothing.")
@with_appcontext
def import_cli(kind: str, path: Path, dry_run: bool) -> None:
    """Import agencies, caregivers, phones, clients, care_plans or scheme_rates from a CSV or XLSX file:
    all rows or none; re-importing the same file changes nothing."""
    if path.suffix.lower().lstrip(".") not in FORMATS:
        raise click.BadParameter("the file must end in .csv or .xlsx", param_hint="FILE")
    try:
        result = import_path(kind, path, dry_run)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"{path.name}: {exc.code}: {exc.message}; nothing was imported.", err=True)
        raise click.exceptions.Exit(1) from None
    if result.errors:
        db.session.rollback()
        click.echo(
            f"{len(result.errors) + result.errors_not_shown} error(s); nothing was imported.", err=True
        )
        for e in result.errors:
            click.echo(f"line {e.line}: {e.field or '-'}: {e.code}: {e.message}", err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{kind}: {result.rows} row(s); {result.inserted} inserted, {result.updated} updated, "
        f"{result.unchanged} unchanged {verb} (dry run: nothing written)"
        if dry_run
        else f"{kind}: {result.rows} row(s); {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged"
    )


@click.group("schedule")
def schedule_cli() -> None:
    """Schedules (排班)."""


@schedule_cli.command("generate")
@click.option("--days", type=click.IntRange(1, 62), default=7, show_default=True)
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: tomorrow")
@with_appcontext
def generate_cli(days: int, first) -> None:
    """Planned visits from every care plan for the next DAYS days (idempotent)."""
    actor = cli_actor()
    day = first.date() if first else actor.today + timedelta(days=1)
    result = generate(day, days, current_app.config["TIMEZONE"], actor.now)
    db.session.commit()
    click.echo(
        f"{result.created} planned visit(s) created, {result.existing} already there ({days} days from {day})."
    )


@click.group("catalogue")
def catalogue_cli() -> None:
    """The city's service catalogue (护理服务项目目录)."""


@catalogue_cli.command("load")
@click.argument(
    "path", metavar="[FILE]", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@with_appcontext
def load_catalogue_cli(path: Path | None) -> None:
    """Insert or update the catalogue's items by code (default: fixtures/catalogue.json)."""
    from field_app.services.catalogue import DEFAULT_FILE, load_catalogue

    count = load_catalogue(path or DEFAULT_FILE)
    db.session.commit()
    click.echo(f"{count} service item(s) loaded.")
