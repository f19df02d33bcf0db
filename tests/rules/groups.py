"""The registry's rule groups (``visit.``, ``cross_visit.``, ``cross_agency.``) for the per-group tests.

The modules are imported by name here rather than taken from ``all_rules()``, so that a group's tests
see the modules themselves, whatever the registry function does with them.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from field_app.rules import registry
from field_app.rules.base import Rule
from field_app.rules.table import RULE_TABLE


def group_modules(group: str) -> list[str]:
    """The registered module names of ``group`` (e.g. ``"cross_visit"``), in registry order."""
    return [name for name in registry.RULE_MODULES if name.startswith(f"{group}.")]


def _rule(module_name: str) -> Rule:
    return importlib.import_module(f"field_app.rules.{module_name}").RULE


def group_rules(group: str) -> dict[str, Rule]:
    """Code -> rule for every module of ``group``."""
    return {rule.code: rule for rule in map(_rule, group_modules(group))}


def check_group(group: str, scope: str | None = None) -> None:
    """Each table line of ``group`` names its module after the rule and carries the rule's own code, and
    every rule module of the group's folder has its line. ``scope``, when given, is the scope every rule
    of the group has. No count is written down: the table is the count."""
    lines = [line for line in RULE_TABLE if line.module.startswith(f"{group}.")]
    assert lines, group
    for line in lines:
        rule = _rule(line.module)
        assert (rule.name, rule.code) == (line.module.split(".", 1)[1], line.code), line
        assert scope is None or rule.scope == scope, (line.module, rule.scope)
    folder = Path(registry.__file__).parent / group
    modules = {f"{group}.{p.stem}" for p in folder.glob("*.py") if not p.stem.startswith("_")}
    assert modules == {line.module for line in lines}, "a rule module without its table line, or the reverse"
