"""Edges of the per-visit rules that are awkward as JSON: long generated trails, big prior-attempt
pools, threshold overrides, missing data, the shared helpers and the shape of the evidence."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest

from field_app.rules import facts as f
from field_app.rules import support
from field_app.rules.base import HIT, NOT_APPLICABLE
from field_app.rules.visit import gps_too_regular, selfie_reused
from tests.rules.cases import HOME_LAT, HOME_LNG, build_context
from tests.rules.groups import group_rules

RULES = group_rules("visit")
T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
CTX = build_context({})


def fix(minute, lat=HOME_LAT, lng=HOME_LNG, accuracy=10.0, **kw):
    return f.Fix(lat, lng, accuracy, T0 + timedelta(minutes=minute), **kw)


def attempt(id_, kind, minute, visit_id=1, **kw):
    at = T0 + timedelta(minutes=minute)
    return f.Attempt(
        id=id_,
        visit_id=visit_id,
        kind=kind,
        caregiver_id=1,
        device_id="d1",
        fix=fix(minute),
        received_at=at,
        device_time=at,
        **kw,
    )


def visit(points=(), attempts=None, minutes=60, **kw):
    if attempts is None:
        attempts = (attempt(100, "check_in", 0), attempt(101, "check_out", minutes))
    return f.Visit(
        id=1,
        caregiver_id=1,
        client_id=1,
        agency_id=1,
        check_in_at=T0,
        check_out_at=T0 + timedelta(minutes=minutes),
        attempts=tuple(attempts),
        points=tuple(points),
        **kw,
    )


def real_phone_trail(n=60, seed=3):
    """A phone lying still indoors: metres of jitter, accuracy changing from fix to fix."""
    rng = np.random.default_rng(seed)
    return [
        f.TrailPoint(
            fix(
                1 + i,
                HOME_LAT + rng.normal(0, 3e-5),
                HOME_LNG + rng.normal(0, 3e-5),
                float(np.round(rng.uniform(6, 30), 1)),
            )
        )
        for i in range(n)
    ]


def run(code, subject, ctx=CTX, **overrides):
    return RULES[code].run(subject, ctx, overrides or None)


def assert_plain_json(value):
    """Evidence holds plain Python values only (no numpy scalars, no datetimes)."""
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value)
        for v in value.values():
            assert_plain_json(v)
    elif isinstance(value, list):
        for v in value:
            assert_plain_json(v)
    else:
        assert value is None or type(value) in (int, float, str, bool), (value, type(value))


# --- shared helpers ---------------------------------------------------------------------------


def test_local_day_and_time_use_the_clock_face_of_shanghai():
    late = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    assert support.local_day(late, "Asia/Shanghai") == date(2026, 11, 21)
    assert support.local_time(late, "Asia/Shanghai") == time(0, 30)


def test_pairs_visit_end_and_final_attempt():
    assert list(support.pairs([1, 2, 3])) == [(1, 2), (2, 3)]
    assert list(support.pairs([1])) == []
    # open, with a (failed) check-out attempt at +60: the visit ends at that last evidence
    open_visit = replace(visit(), check_out_at=None)
    assert support.visit_end(open_visit, CTX.now) == T0 + timedelta(minutes=60)
    assert support.visit_end(visit(), CTX.now) == T0 + timedelta(minutes=60)
    # never after check-in + the limit, nor after now; a check-out wins over both
    assert support.visit_end(open_visit, CTX.now, timedelta(minutes=240)) == T0 + timedelta(minutes=60)
    assert support.visit_end(open_visit, CTX.now, timedelta(minutes=10)) == T0 + timedelta(minutes=10)
    assert support.visit_end(open_visit, T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=5)
    assert support.visit_end(visit(), CTX.now, timedelta(minutes=10)) == T0 + timedelta(minutes=60)
    # a trail point after the last fix, or a planned end, extends an open visit
    trailed = replace(open_visit, points=(f.TrailPoint(fix(90)),))
    assert support.visit_end(trailed, CTX.now) == T0 + timedelta(minutes=90)
    planned = replace(open_visit, planned_end=T0 + timedelta(minutes=120))
    assert support.visit_end(planned, CTX.now) == T0 + timedelta(minutes=120)
    retried = visit(
        attempts=[attempt(7, "check_in", 2), attempt(3, "check_in", 0), attempt(9, "check_out", 60)]
    )
    assert support.final_attempt(retried, "check_in").id == 7
    assert support.final_attempt(visit(attempts=[]), "check_out") is None


def test_timed_fixes_merge_attempts_and_points_in_time_order():
    v = visit(points=[f.TrailPoint(fix(30)), f.TrailPoint(fix(10))])  # not sorted on purpose
    refs = [ref for ref, _ in support.timed_fixes(v)]
    assert refs == [{"attempt_id": 100}, {"point_index": 1}, {"point_index": 0}, {"attempt_id": 101}]


def test_visit_finding_fills_the_ids():
    finding = support.visit_finding(visit(), "msg", {"a": 1})
    assert (
        finding.subject_key,
        finding.visit_ids,
        finding.caregiver_id,
        finding.client_id,
        finding.agency_id,
        finding.occurred_at,
        finding.outcome,
    ) == ("visit:1", (1,), 1, 1, 1, T0, HIT)


# --- every rule on missing data ---------------------------------------------------------------


@pytest.mark.parametrize("code", list(RULES))
def test_rules_survive_a_bare_visit_and_an_empty_context(code):
    """Open, no attempts, no points, no items, nobody known: no crash, no hit."""
    bare = f.Visit(id=5, caregiver_id=9, client_id=9, agency_id=1, check_in_at=T0)
    empty = f.RuleContext(now=T0 + timedelta(hours=1))
    findings = run(code, bare, empty)
    assert all(x.outcome == NOT_APPLICABLE for x in findings)


# --- G02 on long trails -----------------------------------------------------------------------


def _trail_with_absence(start, end, n=60, every=None):
    points = []
    for m in range(n):
        outside = start <= m <= end and (every is None or m % every)
        lat = HOME_LAT + (0.005 if outside else 0.0)
        points.append(
            f.TrailPoint(fix(m, lat), f.OUTSIDE if outside else f.INSIDE, 556.0 if outside else 0.0)
        )
    return points


def test_long_trail_with_twenty_minutes_away_fires_once():
    (finding,) = run("G02", visit(_trail_with_absence(20, 40)))
    assert finding.evidence["minutes_outside"] == 20.0 and finding.evidence["points_outside"] == 21
    assert finding.evidence["gap_to_next_inside_minutes"] == 1.0


def test_inside_points_every_ten_minutes_split_the_absence():
    assert run("G02", visit(_trail_with_absence(5, 55, every=10))) == []
    (finding,) = run("G02", visit(_trail_with_absence(5, 55, every=10)), max_minutes_outside=7)
    assert finding.evidence["minutes_outside"] == 8.0 and finding.evidence["runs_over_limit"] == 4


def test_a_client_without_consent_is_not_judged_even_if_points_arrived():
    ctx = replace(CTX, clients={1: replace(CTX.clients[1], trail_consent=False)})
    (finding,) = run("G02", visit(_trail_with_absence(20, 40)), ctx)
    assert finding.outcome == NOT_APPLICABLE


# --- G04 / G05 on generated trails ------------------------------------------------------------


def test_a_real_phone_still_indoors_looks_real():
    assert run("G04", visit(real_phone_trail())) == []
    assert run("G05", visit(real_phone_trail())) == []


def test_a_spoofed_trail_fires_all_three_signals():
    spoofed = [f.TrailPoint(fix(1 + i, 30.750321, 120.750654, 5.0)) for i in range(60)]
    attempts = [
        replace(a, fix=replace(a.fix, lat=30.750321, lng=120.750654, accuracy_m=5.0))
        for a in visit().attempts
    ]
    (finding,) = run("G04", visit(spoofed, attempts))
    assert finding.evidence["signals"] == ["identical_coordinates", "zero_jitter", "constant_accuracy"]
    # 62 fixes, but the check-out re-sent the last trail fix (same time and place): 61 distinct ones
    assert finding.evidence["identical_run"] == 61 and finding.evidence["jitter_span_minutes"] == 60.0


def test_identical_coordinates_interrupted_by_a_real_fix_need_a_long_run():
    """9 identical fixes, one 11 m away, 8 identical again: the longest run is 9."""
    trail = [f.TrailPoint(fix(1 + i, 30.7503, 120.7506, 8.0 + i % 3)) for i in range(18)]
    trail[9] = f.TrailPoint(fix(10, 30.7504, 120.7506, 12.0))
    subject = visit(trail, attempts=[])
    assert run("G04", subject, min_span_minutes=60) == []  # zero jitter out of reach, 9 < 10
    (finding,) = run("G04", subject, min_span_minutes=60, min_identical=9)
    assert finding.evidence["signals"] == ["identical_coordinates"] and finding.evidence["identical_run"] == 9


def test_slow_drift_is_not_zero_jitter():
    """Steps of 0.3 m in a straight line: each step is tiny but the spread grows past 0.5 m."""
    trail = [f.TrailPoint(fix(1 + i, HOME_LAT + i * 2.7e-6, HOME_LNG, 8.0 + i % 5)) for i in range(20)]
    assert run("G04", visit(trail, attempts=[])) == []


def test_one_glitch_in_a_long_trail_is_two_jumps():
    trail = real_phone_trail()
    trail[30] = f.TrailPoint(fix(31, HOME_LAT + 0.5, HOME_LNG, 15.0))
    (finding,) = run("G05", visit(trail))
    assert finding.evidence["jumps"] == 2 and finding.evidence["speed_kmh"] > 3000


# --- F03 against a big prior pool -------------------------------------------------------------


def _pool(n, seed=11):
    rng = np.random.default_rng(seed)
    encodings = rng.normal(0, 0.09, (n, 128))
    hashes = rng.integers(0, 2**63, n)
    pool = tuple(
        replace(
            attempt(50_000 + i, "check_in", -10_000, visit_id=10_000 + i),
            caregiver_id=2 + i % 50,
            face_encoding=tuple(encodings[i]),
            image_hash=f"{int(hashes[i]):016x}",
        )
        for i in range(n)
    )
    return pool, encodings, hashes


def _with_offset(vector, distance, seed=5):
    direction = np.random.default_rng(seed).normal(size=128)
    return tuple(vector + direction / np.linalg.norm(direction) * distance)


def test_a_resubmitted_photo_is_found_among_five_thousand_priors():
    pool, encodings, _ = _pool(5000)
    ctx = replace(CTX, prior_attempts=pool)
    reused = visit(
        attempts=[
            attempt(100, "check_in", 0, face_encoding=_with_offset(encodings[4321], 0.04)),
            attempt(101, "check_out", 60, face_encoding=_with_offset(encodings[17], 0.3)),
        ]
    )
    (finding,) = run("F03", reused, ctx)
    ev = finding.evidence
    assert (ev["matched_attempt_id"], ev["matched_visit_id"], ev["attempt_id"]) == (54321, 14321, 100)
    assert abs(ev["embedding_distance"] - 0.04) < 1e-3 and len(ev["matches"]) == 1
    assert_plain_json(dict(ev))


@pytest.mark.parametrize("distance", [0.2, 0.3, 0.45])
def test_genuine_retakes_are_quiet(distance):
    pool, encodings, _ = _pool(500)
    retake = visit(attempts=[attempt(100, "check_in", 0, face_encoding=_with_offset(encodings[7], distance))])
    assert run("F03", retake, replace(CTX, prior_attempts=pool)) == []


def test_hash_within_four_bits_fires_and_five_bits_do_not():
    pool, _, hashes = _pool(500)
    ctx = replace(CTX, prior_attempts=pool)
    for flipped, fires in ((0b1111, True), (0b11111, False)):
        h = f"{int(hashes[99]) ^ flipped:016x}"
        findings = run("F03", visit(attempts=[attempt(100, "check_in", 0, image_hash=h)]), ctx)
        assert bool(findings) is fires
    (finding,) = run("F03", visit(attempts=[attempt(100, "check_in", 0, image_hash=h)]), ctx, max_hash_bits=5)
    assert finding.evidence["hash_bits"] == 5 and finding.evidence["embedding_distance"] is None


def test_the_same_visit_never_matches_itself():
    pool, encodings, _ = _pool(50)
    own = (replace(pool[3], visit_id=1),)
    ctx = replace(CTX, prior_attempts=own + pool[4:])
    same = visit(
        attempts=[
            attempt(100, "check_in", 0, face_encoding=tuple(encodings[3]), image_hash=pool[3].image_hash)
        ]
    )
    assert run("F03", same, ctx) == []


def test_bad_encodings_and_hashes_are_skipped():
    pool = (
        replace(attempt(1, "check_in", 0, visit_id=900), face_encoding=(0.1, 0.2), image_hash="xyz"),
        replace(attempt(2, "check_in", 0, visit_id=901), image_hash="1" * 20),
    )
    probe = visit(attempts=[attempt(100, "check_in", 0, face_encoding=(0.1, 0.2), image_hash="xyz")])
    assert run("F03", probe, replace(CTX, prior_attempts=pool)) == []


def test_the_prior_index_is_built_once_per_tuple():
    pool, _, _ = _pool(20)
    assert selfie_reused._index(pool) is selfie_reused._index(pool)
    assert selfie_reused._index(pool[:10]) is not selfie_reused._index(pool)


def test_popcount_fallback_matches_numpy(monkeypatch):
    x = np.array([[0, 1, 2**64 - 1, 0xF0F0]], dtype=np.uint64)
    expected = [[0, 1, 64, 8]]
    assert selfie_reused._popcount(x).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert selfie_reused._popcount(x).tolist() == expected


# --- thresholds and evidence ------------------------------------------------------------------


def test_true_runs_finds_every_run():
    mask = np.array([True, True, False, True, False, False, True])
    assert gps_too_regular.true_runs(mask) == [(0, 2), (3, 4), (6, 7)]
    assert gps_too_regular.true_runs(np.array([], dtype=bool)) == []


def test_face_mismatch_final_attempt_is_by_arrival_not_list_order():
    attempts = [attempt(2, "check_in", 1), attempt(1, "check_in", 0, face_status=f.FACE_MISMATCH)]
    assert run("F01", visit(attempts=attempts)) == []


def test_clock_skew_just_inside_and_just_over_the_limit():
    def with_skew(seconds):
        a = attempt(100, "check_in", 0)
        return visit(attempts=[replace(a, device_time=a.received_at + timedelta(seconds=seconds))])

    assert run("T05", with_skew(300)) == [] and run("T05", with_skew(-300)) == []
    assert run("T05", with_skew(301))[0].evidence["skew_seconds"] == 301


def test_every_firing_case_has_plain_json_evidence():
    from tests.rules.cases import build_subject, load_case_files

    for _, case in load_case_files():
        if case["rule"] in RULES:
            for finding in RULES[case["rule"]].run(
                build_subject(case), build_context(case), case.get("params")
            ):
                assert_plain_json(dict(finding.evidence))
                json.dumps(dict(finding.evidence))
                assert (
                    finding.message.endswith(".") and finding.subject_key == f"visit:{finding.visit_ids[0]}"
                )
