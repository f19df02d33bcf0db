"""The per-visit rules (field_app.rules.visit), tested on their own: the registry imports every rule
module, so these tests import the visit modules directly and run their JSON cases through the shared
case checker with a lookup limited to them."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from field_app.rules import registry
from tests.rules import test_rule_cases
from tests.rules.cases import load_case_files

VISIT_MODULES = [name for name in registry.RULE_MODULES if name.startswith("visit.")]
RULES = {
    m.RULE.code: m.RULE for m in (importlib.import_module(f"field_app.rules.{n}") for n in VISIT_MODULES)
}
CASES = [(i, c) for i, c in load_case_files() if c["rule"] in RULES]


def _registry_codes() -> dict[str, str]:
    """Module name -> code, read from the comments of ``registry.RULE_MODULES``."""
    source = Path(registry.__file__).read_text(encoding="utf-8")
    return dict(re.findall(r'"(visit\.\w+)",\s*#\s*(\w+)', source))


def test_visit_modules_match_the_registry_comments():
    codes = _registry_codes()
    assert len(codes) == len(VISIT_MODULES) == 16
    for name in VISIT_MODULES:
        rule = importlib.import_module(f"field_app.rules.{name}").RULE
        assert (rule.name, rule.code, rule.scope) == (name.split(".", 1)[1], codes[name], "visit")


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_visit_rule_documented_with_cases(rule):
    module = importlib.import_module(rule.evaluate.__module__)
    doc = module.__doc__ or ""
    assert "Legitimate look-alike" in doc and "Severity" in doc and len(doc) > 200
    expects = {c["expect"] for _, c in CASES if c["rule"] == rule.code}
    assert {"fire", "quiet"} <= expects, f"{rule.code} needs a firing case and a look-alike"
    for key in rule.defaults:
        assert key in doc, f"{rule.code}: threshold {key} is not documented"


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_visit_rule_case(case, monkeypatch):
    monkeypatch.setattr(test_rule_cases, "get_rule", RULES.__getitem__)
    test_rule_cases.test_rule_case(case)
