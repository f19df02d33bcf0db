"""The rules against other agencies' registries (field_app.rules.cross_agency): the edges that are
awkward as JSON cases (several stays, missing registry rows, local dates, a day's volume); their JSON
cases run in test_rule_cases.py."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from field_app.rules.base import HIT
from field_app.rules.cross_agency import (
    caregiver_certificate_invalid,
    client_grade_lapsed,
    family_member_caregiver,
    visit_after_death,
    visit_during_hospital_stay,
)
from field_app.rules.facts import Caregiver, Client, Home, Period, RuleContext, Visit
from field_app.rules.support import day_on_or_after
from tests.rules.groups import check_group, group_rules

RULES = group_rules("cross_agency")
NOW = datetime(2026, 11, 21, 4, tzinfo=UTC)


def visit(id=1, start=datetime(2026, 11, 20, 1, tzinfo=UTC), caregiver_id=1, client_id=1, hours=1.0):
    end = None if hours is None else start + timedelta(hours=hours)
    return Visit(
        id=id,
        caregiver_id=caregiver_id,
        client_id=client_id,
        agency_id=1,
        check_in_at=start,
        check_out_at=end,
    )


def context(client=None, caregiver=None) -> RuleContext:
    client = client or Client(id=1, agency_id=1, home=Home(30.75, 120.75))
    caregiver = caregiver or Caregiver(id=1, agency_id=1, certificates=(Period(date(2020, 1, 1)),))
    return RuleContext(now=NOW, clients={client.id: client}, caregivers={caregiver.id: caregiver})


def hits(module, subject, ctx, **params):
    findings = module.RULE.run(subject, ctx, params)
    for f in findings:
        json.dumps(f.evidence)
    return [f for f in findings if f.outcome == HIT]


def test_modules_match_the_rule_table():
    check_group("cross_agency", scope="visit")


def test_registry_contradictions_on_death_and_hospital_are_critical():
    assert {c: RULES[c].severity for c in ("R01", "R02")} == {"R01": "critical", "R02": "critical"}
    assert RULES["R02"].score > RULES["R01"].score > RULES["R03"].score >= RULES["R05"].score


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_client_or_caregiver_missing_from_the_context_is_not_judged(rule):
    """A visit of a client and caregiver the scanner did not load: quiet, no exception."""
    bare = RuleContext(now=NOW)
    assert rule.run(visit(client_id=42, caregiver_id=43), bare) == []


def test_hospital_stay_chosen_among_several():
    stays = (Period(date(2026, 10, 1), date(2026, 10, 9)), Period(date(2026, 11, 18), date(2026, 11, 22)))
    client = Client(id=1, agency_id=1, home=Home(30.75, 120.75), hospital_stays=stays)
    [finding] = hits(visit_during_hospital_stay, visit(), context(client))
    assert finding.evidence["stay_start"] == "2026-11-18"
    assert (
        hits(visit_during_hospital_stay, visit(start=datetime(2026, 10, 30, 1, tzinfo=UTC)), context(client))
        == []
    )


def test_open_visit_judged_by_its_check_in_day():
    """A visit not yet checked out is already a claim: the registry rules judge it by its check-in."""
    client = Client(
        id=1,
        agency_id=1,
        home=Home(30.75, 120.75),
        death_date=date(2026, 11, 19),
        grade_lapsed_on=date(2026, 11, 1),
    )
    open_visit = visit(hours=None)
    assert len(hits(visit_after_death, open_visit, context(client))) == 1
    assert len(hits(client_grade_lapsed, open_visit, context(client))) == 1


def test_day_on_or_after_counts_local_days_from_the_registry_date():
    """R02 and R04 share it: 23:30 UTC on the 19th is the 20th in Shanghai, day 0 of a date on the 20th."""
    late = visit(start=datetime(2026, 11, 19, 23, 30, tzinfo=UTC))
    assert day_on_or_after(late, date(2026, 11, 20), "Asia/Shanghai") == (date(2026, 11, 20), 0)
    assert day_on_or_after(late, date(2026, 11, 18), "Asia/Shanghai") == (date(2026, 11, 20), 2)
    assert day_on_or_after(late, date(2026, 11, 21), "Asia/Shanghai") is None
    assert day_on_or_after(late, None, "Asia/Shanghai") is None


def test_certificate_starting_today_covers_an_early_morning_visit():
    """07:00 on 20 November in Shanghai is 19 November in UTC; the certificate starts on the 20th."""
    caregiver = Caregiver(id=1, agency_id=1, certificates=(Period(date(2026, 11, 20), date(2029, 11, 19)),))
    early = visit(start=datetime(2026, 11, 19, 23, tzinfo=UTC))
    assert hits(caregiver_certificate_invalid, early, context(caregiver=caregiver)) == []


def test_family_caregiver_needs_both_addresses_and_respects_the_switch():
    key = "zj-jiaxing-nanhu-1-2-301"
    client = Client(id=1, agency_id=1, home=Home(30.75, 120.75), address_key=key)
    caregiver = Caregiver(id=1, agency_id=1, address_key=key)
    assert len(hits(family_member_caregiver, visit(), context(client, caregiver))) == 1
    assert (
        hits(family_member_caregiver, visit(), context(client, caregiver), allow_family_caregivers=True) == []
    )
    no_address = Caregiver(id=1, agency_id=1)
    assert hits(family_member_caregiver, visit(), context(client, no_address)) == []


def test_a_day_of_visits_through_every_registry_rule_is_quick():
    """20,000 visits of clean clients through R01-R05: per-visit cost only, nothing quadratic."""
    clients = {
        i: Client(
            id=i,
            agency_id=1,
            home=Home(30.75, 120.75),
            address_key=f"a{i}",
            hospital_stays=(Period(date(2026, 1, 1), date(2026, 1, 5)),),
        )
        for i in range(1000)
    }
    caregivers = {
        i: Caregiver(
            id=i, agency_id=1, certificates=(Period(date(2020, 1, 1), date(2030, 1, 1)),), address_key=f"c{i}"
        )
        for i in range(200)
    }
    ctx = RuleContext(now=NOW, clients=clients, caregivers=caregivers)
    visits = [visit(i, caregiver_id=i % 200, client_id=i % 1000) for i in range(20_000)]
    assert [f for rule in RULES.values() for v in visits for f in rule.run(v, ctx)] == []
