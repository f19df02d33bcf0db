"""``flask scheduler``: run the rule scans around the clock in this process."""

import contextlib

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.scheduler import build_scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_cli() -> None:
    """Start the scheduler (incremental scans, nightly full scan, never-closed visits); Ctrl-C stops it."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    click.echo("Scheduler running: " + ", ".join(job.id for job in scheduler.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
