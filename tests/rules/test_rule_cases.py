"""Runs every rule case under fixtures/rules/ through its rule, and checks the library's catalogue."""

from __future__ import annotations

import json
import math

import pytest

from field_app.rules import all_rules, get_rule
from field_app.rules.base import HIT, NOT_APPLICABLE
from tests.rules.cases import build_context, build_subject, load_case_files

CASES = load_case_files()


def _matches(expected, actual) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return isinstance(actual, (int, float)) and math.isclose(expected, actual, rel_tol=0.02, abs_tol=0.5)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _matches(v, actual[k]) for k, v in expected.items()
        )
    return expected == actual


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_rule_case(case):
    rule = get_rule(case["rule"])
    findings = rule.run(build_subject(case), build_context(case), case.get("params"))
    hits = [x for x in findings if x.outcome == HIT]
    n_a = [x for x in findings if x.outcome == NOT_APPLICABLE]
    expect = case["expect"]
    if expect == "quiet":
        assert hits == [], f"expected no finding, got {[h.message for h in hits]}"
        return
    chosen = hits if expect == "fire" else n_a
    assert chosen, f"expected {expect}, got {[(x.outcome, x.message) for x in findings]}"
    if "count" in case:
        assert len(chosen) == case["count"], [x.message for x in chosen]
    first = chosen[0]
    assert first.message and first.subject_key.startswith(first.subject_type)
    json.dumps(first.evidence)  # evidence must be storable as JSON
    if "evidence" in case:
        assert _matches(case["evidence"], dict(first.evidence)), first.evidence
    if "subject_key" in case:
        assert first.subject_key == case["subject_key"]


def test_every_rule_is_documented_unique_and_has_cases():
    rules = all_rules()
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(set(codes)) == len(codes), "rule codes must be unique"
    assert len(set(names)) == len(names), "rule names must be unique"
    covered = {c["rule"]: set() for _, c in CASES}
    for _, c in CASES:
        covered[c["rule"]].add(c["expect"])
    for rule in rules:
        assert len(rule.doc) > 80, f"{rule.code} needs a docstring: the pattern and the look-alike"
        assert "look-alike" in rule.doc.lower() or "legitimate" in rule.doc.lower(), rule.code
        assert rule.title_en and rule.title_zh and rule.name.isidentifier()
        assert 0 <= rule.score <= 100
        assert {"fire", "quiet"} <= covered.get(rule.code, set()), (
            f"{rule.code} needs a firing case and a look-alike"
        )


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_docstring_states_look_alike_severity_score_and_every_threshold(rule):
    doc = rule.doc
    assert "look-alike" in doc.lower() and rule.severity in doc and str(rule.score) in doc, rule.code
    for key in rule.defaults:
        assert key in doc, f"{rule.code}: threshold {key} is not documented"
