"""``flask registry import KIND FILE`` and ``flask registry kinds``: other agencies' data from files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.errors import Conflict
from field_app.registries.imports import RegistryFileError, RowsInvalid, import_rows, read_file
from field_app.registries.rows import KINDS, RowError
from field_app.timeutil import local_date, now_utc
from field_app.transaction import committed

FORMATS = ("csv", "json")


@click.group("registry")
def registry_cli() -> None:
    """Registry data from other agencies (多部门协同): hospital stays, deaths, certificates, grades."""


@registry_cli.command("kinds")
def list_kinds() -> None:
    """Every kind of registry file with its columns and key."""
    for kind in KINDS.values():
        click.echo(f"{kind.name}: {kind.title}; key: {' + '.join((kind.ref, *kind.key))}")
        for column in kind.columns:
            notes = ([] if column.in_header else ["optional"]) + ([column.hint] if column.hint else [])
            click.echo(f"    {column.name:16}{'; '.join(notes)}".rstrip())


def _format_of(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.BadParameter(
            f"cannot tell the format from {path.name!r}: give --format csv|json", param_hint="FILE"
        )
    return fmt


def _fail(errors: list[RowError], summary: str | None = None, not_shown: int = 0) -> None:
    """Print the errors, one per line, and exit with status 1."""
    if summary:
        click.echo(summary, err=True)
    for error in errors:
        click.echo(str(error), err=True)
    if not_shown:
        click.echo(f"... and {not_shown} more error(s)", err=True)
    raise click.exceptions.Exit(1)


@registry_cli.command("import")
@click.argument("kind", metavar="KIND", type=click.Choice(list(KINDS)))
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file's extension.")
@with_appcontext
@committed
def import_file(kind: str, path: Path, fmt: str | None) -> None:
    """Check every row of FILE, then import them all in one transaction, or nothing if any row is wrong."""
    fmt = fmt or _format_of(path)
    try:
        rows = read_file(kind, path, fmt)
    except RegistryFileError as exc:
        _fail(exc.errors, f"{path.name} cannot be read; nothing was imported.")
    now = now_utc()
    try:
        with click.progressbar(rows, label=f"Checking {len(rows)} row(s)", file=sys.stderr) as bar:
            result = import_rows(
                kind, bar, now, local_date(now, current_app.config["TIMEZONE"]), actor="cli", source=fmt
            )
    except RowsInvalid as exc:
        _fail(exc.shown, str(exc), exc.not_shown)
    except Conflict:  # a concurrent import inserted the same keys first
        _fail([], "Another import wrote the same records at the same time; nothing was imported. Run again.")
    click.echo(f"{kind}: {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged")
