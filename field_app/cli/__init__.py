"""Command-line tools: ``flask seed-demo``, ``flask rules ...``, ``flask registry ...``, ``flask scheduler``, ``flask users ...``."""

from flask import Flask


def register(app: Flask) -> None:
    from field_app.cli import rules, scheduler, seed, users
    from field_app.registries import cli as registry

    app.cli.add_command(seed.seed_demo)
    app.cli.add_command(rules.rules_cli)
    app.cli.add_command(scheduler.scheduler_cli)
    app.cli.add_command(registry.registry_cli)
    app.cli.add_command(users.users_cli)
