"""The per-visit rules (field_app.rules.visit) as a group: their JSON cases run in test_rule_cases.py
and their edges in test_visit_edges.py; here, that the group is registered as its modules say."""

from __future__ import annotations

from tests.rules.groups import check_registry_comments


def test_visit_modules_match_the_registry_comments():
    check_registry_comments("visit", 20, scope="visit")
