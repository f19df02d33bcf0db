"""The per-visit rules (field_app.rules.visit), tested on their own: the registry imports every rule
module, so these tests import the visit modules directly and run their JSON cases through the shared
case checker with a lookup limited to them."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from field_app.rules import registry
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
