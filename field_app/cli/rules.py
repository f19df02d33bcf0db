"""``flask rules list|scan|dry-run|risk``: the rule library by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from field_app.rules import all_rules, get_rule
from field_app.rules.registry import scanned_by_default, status_of
from field_app.scanning import jobs
from field_app.scanning.evaluate import RuleSet
from field_app.scanning.scanner import INCREMENTAL, MANUAL, dry_run
from field_app.services.risk import agency_risk, caregiver_risk
from field_app.timeutil import now_utc

DATE = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"])


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=value.tzinfo or UTC)


@click.group("rules")
def rules_cli() -> None:
    """The suspicious-behaviour rule library (疑似违规行为规则库)."""


@rules_cli.command("list")
@with_appcontext
def list_rules() -> None:
    """Every registered rule with its scope, severity and thresholds."""
    overrides = current_app.config["RULE_OVERRIDES"]
    disabled, preview = set(overrides.get("disabled", ())), set(overrides.get("preview", ()))
    for rule in all_rules():
        on = rule.code not in disabled and (scanned_by_default(rule) or rule.code in preview)
        state = f"{'on ' if on else 'off'} {status_of(rule.code):7}"
        click.echo(f"{rule.code} {state} {rule.name:32} {rule.scope:10} {rule.severity:8} {rule.title_zh}")
        click.echo(f"      {json.dumps(rule.params(overrides.get(rule.code)), ensure_ascii=False)}")


@rules_cli.command("scan")
@click.option("--since", type=DATE, help="Scan visits checked in from here (UTC); default: incremental.")
@click.option("--until", type=DATE, help="... up to here (UTC, exclusive); default: now.")
@with_appcontext
def scan(since, until) -> None:
    """Scan by hand: incremental by default, or a date range; alerts are written."""
    kind = MANUAL if since else INCREMENTAL
    with click.progressbar(length=1, label=f"{kind} scan", show_pos=True) as bar:

        def tick(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done)

        run = jobs.scan(kind, _utc(since), _utc(until) or now_utc(), progress=tick)
    if run is None:
        raise click.ClickException("Another scanner holds the lock; try again when it is done.")
    click.echo(
        f"Scanned {run.visits_scanned} visits ({run.points_scanned} points): {run.findings} findings, "
        f"{run.alerts_created} new alerts, {run.alerts_updated} updated, {len(run.errors)} rule errors."
    )


@rules_cli.command("dry-run")
@click.argument("rule_code")
@click.option("--since", type=DATE, required=True)
@click.option("--until", type=DATE, default=None)
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="Try a threshold (JSON value).")
@with_appcontext
def dry_run_cli(rule_code: str, since, until, settings) -> None:
    """What a rule (with changed thresholds) would raise on history; nothing is written."""
    rule = get_rule(rule_code)
    overrides = dict(current_app.config["RULE_OVERRIDES"].get(rule.code, {}))
    for item in settings:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value)
    try:
        rules = RuleSet((rule,), {rule.code: rule.params(overrides)})
    except KeyError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    result = dry_run(rules, _utc(since), _utc(until) or now_utc(), now_utc(), jobs.settings_from_config())
    click.echo(
        f"{rule.code} {rule.name} with {json.dumps(rules.params[rule.code])}: "
        f"{len(result.findings)} findings over {result.visits} visits (nothing written)."
    )
    for finding in result.findings[:20]:
        click.echo(f"  {finding.subject_key}: {finding.message}")


@rules_cli.command("risk")
@click.option("--top", default=10)
@with_appcontext
def risk(top: int) -> None:
    """Caregivers and agencies ranked by the risk of their alerts."""
    for title, rows in (("caregivers", caregiver_risk(top)), ("agencies", agency_risk(top))):
        click.echo(f"Top {title}:")
        for row in rows:
            click.echo(f"  {row['id']:>6} risk={row['risk']:>5} alerts={row['alerts']}")
