"""The rule table is the one list of rules: codes unique, statuses known, preview rules opt-in."""

from __future__ import annotations

import dataclasses

import pytest

from field_app.rules import all_rules, registry, table
from field_app.scanning.evaluate import RuleSet


def test_the_registry_is_the_table_in_order_with_unique_codes_and_known_statuses():
    assert [r.code for r in all_rules()] == [line.code for line in table.RULE_TABLE]
    assert len(table.LINE_BY_CODE) == len(table.RULE_TABLE), "codes must be unique"
    assert {line.status for line in table.RULE_TABLE} <= set(table.STATUSES)


def test_a_table_line_naming_the_wrong_module_fails_loudly():
    with pytest.raises(LookupError, match="T01"):
        registry._load(table.RuleLine("T01", "visit.face_mismatch"))


@pytest.fixture
def t05_in_preview(monkeypatch):
    lines = {
        **table.LINE_BY_CODE,
        "T05": dataclasses.replace(table.LINE_BY_CODE["T05"], status=table.PREVIEW),
    }
    monkeypatch.setattr(registry, "LINE_BY_CODE", lines)


def test_a_preview_rule_is_scanned_only_when_the_rules_file_lists_it(t05_in_preview):
    assert "T05" not in {r.code for r in RuleSet.from_config({}).rules}
    assert "T05" in {r.code for r in RuleSet.from_config({"preview": ["T05"]}).rules}
    assert "T05" not in {r.code for r in RuleSet.from_config({"preview": ["T05"], "disabled": ["T05"]}).rules}
    assert [r.code for r in RuleSet.from_config({}, only=["T05"]).rules] == ["T05"]  # a dry run


def test_flask_rules_list_shows_each_rules_status(app, runner, t05_in_preview):
    lines = {line.split()[0]: line for line in runner.invoke(args=["rules", "list"]).output.splitlines()}
    assert lines["T05"].split()[1:3] == ["off", "preview"]
    assert lines["T01"].split()[1:3] == ["on", "stable"]
