"""The per-visit rules (field_app.rules.visit) as a group: their JSON cases run in test_rule_cases.py
and their edges in test_visit_edges.py; here, that the group is registered as its modules say."""

from __future__ import annotations

from tests.rules.groups import check_group


def test_visit_modules_match_the_rule_table():
    check_group("visit", scope="visit")
