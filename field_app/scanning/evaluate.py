"""Run rules over loaded facts, grouped by scope; a rule that raises is recorded, not fatal."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from field_app.rules import all_rules
from field_app.rules.base import Finding, Rule
from field_app.rules.facts import RuleContext, Visit
from field_app.rules.registry import scanned_by_default

log = logging.getLogger(__name__)
MAX_ERRORS = 50


@dataclass
class RuleSet:
    """The enabled rules with their thresholds (defaults merged with the rules file)."""

    rules: tuple[Rule, ...]
    params: dict[str, dict[str, Any]]

    @classmethod
    def from_config(cls, overrides: Mapping[str, Any], only: Iterable[str] | None = None) -> RuleSet:
        """Stable rules not disabled, and preview rules switched on; ``only`` (a dry run) names its rules,
        preview or not."""
        disabled = set(overrides.get("disabled", ()))
        preview = set(overrides.get("preview", ()))
        if only:
            rules = tuple(r for r in all_rules() if r.code in set(only))
        else:
            rules = tuple(
                r
                for r in all_rules()
                if r.code not in disabled and (scanned_by_default(r) or r.code in preview)
            )
        return cls(rules, {r.code: r.params(overrides.get(r.code)) for r in rules})

    def of_scope(self, scope: str) -> list[Rule]:
        return [r for r in self.rules if r.scope == scope]


@dataclass
class Outcome:
    """Findings per rule, the subject keys each rule looked at, and the errors raised."""

    findings: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    scanned: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: group and population scopes: the visits each rule was shown whole (for clearing, see alerts)
    seen_visits: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    errors: list[dict[str, str]] = field(default_factory=list)

    def count(self) -> int:
        return sum(len(v) for v in self.findings.values())


def _run(rule: Rule, subject, ctx: RuleContext, params, out: Outcome, label: str) -> None:
    try:
        out.findings[rule.code].extend(rule.evaluate(subject, ctx, params))
    except Exception as exc:  # one broken rule must not stop the 24-hour watch
        log.exception("rule %s failed on %s", rule.code, label)
        if len(out.errors) < MAX_ERRORS:
            out.errors.append({"rule": rule.code, "subject": label, "error": f"{type(exc).__name__}: {exc}"})


def evaluate_visits(rules: RuleSet, visits: list[Visit], ctx: RuleContext, out: Outcome) -> None:
    for rule in rules.of_scope("visit"):
        params = rules.params[rule.code]
        for visit in visits:
            out.scanned[rule.code].append(f"visit:{visit.id}")
            _run(rule, visit, ctx, params, out, f"visit:{visit.id}")


def evaluate_groups(rules: RuleSet, scope: str, visits: list[Visit], ctx: RuleContext, out: Outcome) -> None:
    """Caregiver / client scopes: each group's visits sorted by check-in."""
    attr = {"caregiver": "caregiver_id", "client": "client_id"}[scope]
    groups: dict[int, list[Visit]] = defaultdict(list)
    for visit in sorted(visits, key=lambda v: (v.check_in_at, v.id)):
        groups[getattr(visit, attr)].append(visit)
    for rule in rules.of_scope(scope):
        out.seen_visits[rule.code].update(v.id for v in visits)
        for key, group in groups.items():
            _run(rule, group, ctx, rules.params[rule.code], out, f"{scope}:{key}")


def evaluate_population(rules: RuleSet, visits: list[Visit], ctx: RuleContext, out: Outcome) -> None:
    ordered = sorted(visits, key=lambda v: (v.check_in_at, v.id))
    for rule in rules.of_scope("population"):
        out.seen_visits[rule.code].update(v.id for v in ordered)
        _run(rule, ordered, ctx, rules.params[rule.code], out, "population")
