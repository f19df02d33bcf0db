"""The registry: the rules of the rule table (``rules/table.py``), loaded from their modules."""

from __future__ import annotations

import importlib
from functools import cache

from field_app.rules.base import Rule
from field_app.rules.table import LINE_BY_CODE, RULE_TABLE, STABLE, RuleLine

#: the registered module names, in table order
RULE_MODULES = tuple(line.module for line in RULE_TABLE)


def _load(line: RuleLine) -> Rule:
    module = importlib.import_module(f"field_app.rules.{line.module}")
    rule: Rule = module.RULE
    if (rule.code, rule.name) != (line.code, line.module.rsplit(".", 1)[1]):
        raise LookupError(f"rule table line {line.code} {line.module} holds {rule.code} {rule.name}")
    if not rule.doc:
        object.__setattr__(rule, "doc", (module.__doc__ or "").strip())
    return rule


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of the table, in table order, with its module docstring attached."""
    return tuple(_load(line) for line in RULE_TABLE)


def status_of(code: str) -> str:
    return LINE_BY_CODE[code].status


def scanned_by_default(rule: Rule) -> bool:
    """Stable rules are scanned; preview rules only when the rules file switches them on."""
    return status_of(rule.code) == STABLE


def get_rule(code_or_name: str) -> Rule:
    """Look a rule up by its code (``F01``) or its name (``face_mismatch``)."""
    for rule in all_rules():
        if code_or_name in (rule.code, rule.name):
            return rule
    raise KeyError(f"no rule {code_or_name!r}")
