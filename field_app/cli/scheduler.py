"""``flask scheduler``: run the rule scans around the clock in this process."""

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.scheduler import build_scheduler, run_until_stopped


@click.command("scheduler")
@with_appcontext
def scheduler_cli() -> None:
    """Start the scheduler (incremental scans, nightly full scan, never-closed visits). SIGTERM or Ctrl-C
    stops it cleanly: a scan stops after its current chunk and is resumed by the next scheduler."""
    app = current_app._get_current_object()
    scheduler = build_scheduler(app)
    click.echo("Scheduler running: " + ", ".join(job.id for job in scheduler.get_jobs()))
    run_until_stopped(scheduler)
    click.echo("Scheduler stopped.")
