"""The registry's rule groups (``visit.``, ``cross_visit.``, ``cross_agency.``) for the per-group tests.

The modules are imported by name here rather than taken from ``all_rules()``, so that a group's tests
see the modules themselves, whatever the registry function does with them.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from field_app.rules import registry
from field_app.rules.base import Rule


def group_modules(group: str) -> list[str]:
    """The registered module names of ``group`` (e.g. ``"cross_visit"``), in registry order."""
    return [name for name in registry.RULE_MODULES if name.startswith(f"{group}.")]


def _rule(module_name: str) -> Rule:
    return importlib.import_module(f"field_app.rules.{module_name}").RULE


def group_rules(group: str) -> dict[str, Rule]:
    """Code -> rule for every module of ``group``."""
    return {rule.code: rule for rule in map(_rule, group_modules(group))}


def check_registry_comments(group: str, count: int, scope: str | None = None) -> None:
    """Each registry line of ``group`` names its module after the rule and carries the rule's code as a
    comment (``"visit.face_mismatch",  # F01``): the comments are how people find a code, so they must
    not drift. ``scope``, when given, is the scope every rule of the group has."""
    source = Path(registry.__file__).read_text(encoding="utf-8")
    codes = dict(re.findall(rf'"({group}\.\w+)",\s*#\s*(\w+)', source))
    modules = group_modules(group)
    assert len(codes) == len(modules) == count
    for name in modules:
        rule = _rule(name)
        assert (rule.name, rule.code) == (name.split(".", 1)[1], codes[name]), name
        assert scope is None or rule.scope == scope, (name, rule.scope)
