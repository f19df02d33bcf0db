"""Command-line tools: ``flask seed-demo``, ``flask rules ...``, ``flask registry ...``, ``flask scheduler``."""

from flask import Flask


def register(app: Flask) -> None:
    from field_app.cli import seed

    app.cli.add_command(seed.seed_demo)
