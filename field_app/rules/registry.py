"""The explicit list of rules: adding a rule is adding its module here."""

from __future__ import annotations

import importlib
from functools import cache

from field_app.rules.base import Rule

RULE_MODULES = (
    # Per attempt / visit
    "visit.face_mismatch",  # F01
    "visit.face_unusable",  # F02
    "visit.selfie_reused",  # F03
    "visit.attendance_outside_geofence",  # G01
    "visit.trail_outside_geofence",  # G02
    "visit.mock_location",  # G03
    "visit.gps_too_regular",  # G04
    "visit.gps_teleport",  # G05
    "visit.duration_below_minimum",  # T01
    "visit.visit_too_long",  # T02
    "visit.outside_service_hours",  # T03
    "visit.visit_not_checked_out",  # T04
    "visit.device_clock_skew",  # T05
    "visit.item_outside_care_plan",  # I01
    "visit.medical_item_by_non_nurse",  # I02
    "visit.family_denied",  # C01
    "visit.confirmation_missing",  # C02
    "visit.tag_tap_missing",  # P01
    "visit.tag_tap_replayed",  # P02
    "visit.tag_tap_far_in_time",  # P03
    # Across visits
    "cross_visit.overlapping_visits",  # X01
    "cross_visit.impossible_travel",  # X02
    "cross_visit.daily_hours_exceeded",  # X03
    "cross_visit.shared_device",  # X04
    "cross_visit.face_substitution",  # X05
    "cross_visit.minimum_duration_pattern",  # X06
    "cross_visit.clients_from_one_spot",  # X07
    "cross_visit.weekly_frequency_exceeded",  # X08
    "cross_visit.monthly_cap_exceeded",  # X09
    # Against other agencies' registries (多部门协同)
    "cross_agency.visit_during_hospital_stay",  # R01
    "cross_agency.visit_after_death",  # R02
    "cross_agency.caregiver_certificate_invalid",  # R03
    "cross_agency.client_grade_lapsed",  # R04
    "cross_agency.family_member_caregiver",  # R05
)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, in registry order, with its module docstring attached."""
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(f"field_app.rules.{name}")
        rule: Rule = module.RULE
        if not rule.doc:
            object.__setattr__(rule, "doc", (module.__doc__ or "").strip())
        rules.append(rule)
    return tuple(rules)


def get_rule(code_or_name: str) -> Rule:
    """Look a rule up by its code (``F01``) or its name (``face_mismatch``)."""
    for rule in all_rules():
        if code_or_name in (rule.code, rule.name):
            return rule
    raise KeyError(f"no rule {code_or_name!r}")
