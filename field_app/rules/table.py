"""The rule table: every rule code, the module that implements it and its status, in one place (as
ruff's ``codes.rs``). The registry, the docs check and every count of rules come from this table.

Adding a rule is three edits: its module under ``field_app/rules/<group>/``, its line here, and its
cases in ``fixtures/rules/<CODE>_<name>.json`` (README, "Adding a rule").

Status, as ruff's rule groups:

- ``stable``: scanned, unless switched off in the rules file (``"disabled": ["T05"]``).
- ``preview``: registered, listed and dry-runnable (``flask rules dry-run``), but scanned only when the
  rules file switches it on (``"preview": ["X10"]``): how a new rule is tried on history first.
"""

from __future__ import annotations

from dataclasses import dataclass

STABLE, PREVIEW = "stable", "preview"
STATUSES = (STABLE, PREVIEW)


@dataclass(frozen=True)
class RuleLine:
    code: str  #: stable, never reused: letter of the family, two digits
    module: str  #: under field_app.rules, named after the rule (``visit.face_mismatch``)
    status: str = STABLE


RULE_TABLE: tuple[RuleLine, ...] = (
    # Per attempt / visit
    RuleLine("F01", "visit.face_mismatch"),
    RuleLine("F02", "visit.face_unusable"),
    RuleLine("F03", "visit.selfie_reused"),
    RuleLine("G01", "visit.attendance_outside_geofence"),
    RuleLine("G02", "visit.trail_outside_geofence"),
    RuleLine("G03", "visit.mock_location"),
    RuleLine("G04", "visit.gps_too_regular"),
    RuleLine("G05", "visit.gps_teleport"),
    RuleLine("T01", "visit.duration_below_minimum"),
    RuleLine("T02", "visit.visit_too_long"),
    RuleLine("T03", "visit.outside_service_hours"),
    RuleLine("T04", "visit.visit_not_checked_out"),
    RuleLine("T05", "visit.device_clock_skew"),
    RuleLine("I01", "visit.item_outside_care_plan"),
    RuleLine("I02", "visit.medical_item_by_non_nurse"),
    RuleLine("C01", "visit.family_denied"),
    # Audio/video evidence (音频视频)
    RuleLine("E01", "visit.clip_reused"),
    RuleLine("E02", "visit.clip_request_missed"),
    RuleLine("C02", "visit.confirmation_missing"),
    RuleLine("P01", "visit.tag_tap_missing"),
    RuleLine("P02", "visit.tag_tap_replayed"),
    RuleLine("P03", "visit.tag_tap_far_in_time"),
    # Across visits
    RuleLine("X01", "cross_visit.overlapping_visits"),
    RuleLine("X02", "cross_visit.impossible_travel"),
    RuleLine("X03", "cross_visit.daily_hours_exceeded"),
    RuleLine("X04", "cross_visit.shared_device"),
    RuleLine("X05", "cross_visit.face_substitution"),
    RuleLine("X06", "cross_visit.minimum_duration_pattern"),
    RuleLine("X07", "cross_visit.clients_from_one_spot"),
    RuleLine("X08", "cross_visit.weekly_frequency_exceeded"),
    RuleLine("X09", "cross_visit.monthly_cap_exceeded"),
    RuleLine("F04", "cross_visit.enrolment_swap"),  # caregiver scope: a gallery change against past selfies
    # Against the schedule (排班)
    RuleLine("S01", "schedule.missed_visit"),
    RuleLine("S02", "schedule.late_arrival"),
    RuleLine("S03", "schedule.caregiver_not_assigned"),
    RuleLine("S04", "schedule.unplanned_visit"),
    RuleLine("S05", "schedule.frequency_not_delivered"),
    # Against other agencies' registries (多部门协同)
    RuleLine("R01", "cross_agency.visit_during_hospital_stay"),
    RuleLine("R02", "cross_agency.visit_after_death"),
    RuleLine("R03", "cross_agency.caregiver_certificate_invalid"),
    RuleLine("R04", "cross_agency.client_grade_lapsed"),
    RuleLine("R05", "cross_agency.family_member_caregiver"),
)

LINE_BY_CODE = {line.code: line for line in RULE_TABLE}
