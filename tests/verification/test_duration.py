"""Visit duration against the items' minimum minutes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from field_app.verification.duration import DurationResult, check_duration

T0 = datetime(2024, 6, 1, 1, 0, tzinfo=UTC)
BATH_AND_ORAL_CARE = [40, 10]  # bed bath 40 min + oral care 10 min (illustrative catalogue)


def _after(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_visit_as_long_as_its_items_is_ok():
    result = check_duration(T0, _after(55), BATH_AND_ORAL_CARE, max_minutes=240)
    assert result == DurationResult("ok", 55.0, 50, 240)


def test_exactly_the_minimum_is_ok():
    assert check_duration(T0, _after(50), BATH_AND_ORAL_CARE, max_minutes=240).status == "ok"


def test_a_second_short_of_the_minimum_is_too_short():
    result = check_duration(T0, _after(50 - 1 / 60), BATH_AND_ORAL_CARE, max_minutes=240)
    assert result.status == "too_short"
    assert result.minutes == pytest.approx(49.9833, abs=1e-3)


def test_the_tolerance_forgives_a_short_shortfall_but_not_more():
    assert check_duration(T0, _after(47), BATH_AND_ORAL_CARE, 240, tolerance_minutes=3).status == "ok"
    assert (
        check_duration(T0, _after(46.9), BATH_AND_ORAL_CARE, 240, tolerance_minutes=3).status == "too_short"
    )


def test_exactly_the_maximum_is_ok_and_a_second_more_is_too_long():
    assert check_duration(T0, _after(240), BATH_AND_ORAL_CARE, max_minutes=240).status == "ok"
    assert check_duration(T0, _after(240 + 1 / 60), BATH_AND_ORAL_CARE, max_minutes=240).status == "too_long"


def test_a_visit_without_check_out_is_open():
    assert check_duration(T0, None, BATH_AND_ORAL_CARE, max_minutes=240) == DurationResult(
        "open", None, 50, 240
    )


def test_items_summing_past_the_maximum_report_too_short_first():
    """Billing for care not given matters more than an over-long visit."""
    assert check_duration(T0, _after(100), [90, 90], max_minutes=60).status == "too_short"


def test_no_items_require_no_time():
    assert check_duration(T0, _after(0), [], max_minutes=240) == DurationResult("ok", 0.0, 0, 240)


def test_timezones_may_differ_between_check_in_and_out():
    shanghai = timezone(timedelta(hours=8))
    check_out = _after(60).astimezone(shanghai)
    assert check_duration(T0, check_out, BATH_AND_ORAL_CARE, 240).minutes == pytest.approx(60)


@pytest.mark.parametrize(
    ("check_in", "check_out"),
    [
        (T0.replace(tzinfo=None), _after(60)),
        (T0, _after(60).replace(tzinfo=None)),
        (T0.replace(tzinfo=None), None),
    ],
)
def test_naive_datetimes_raise(check_in, check_out):
    with pytest.raises(ValueError, match="timezone-aware"):
        check_duration(check_in, check_out, BATH_AND_ORAL_CARE, 240)


def test_check_out_before_check_in_raises():
    with pytest.raises(ValueError, match="before check_in_at"):
        check_duration(T0, _after(-1), BATH_AND_ORAL_CARE, 240)


@pytest.mark.parametrize(
    ("items", "max_minutes", "tolerance"),
    [([10, -5], 240, 0.0), ([10], 0, 0.0), ([10], 240, -1.0), ([10], 240, float("nan"))],
)
def test_nonsense_limits_raise(items, max_minutes, tolerance):
    with pytest.raises(ValueError):
        check_duration(T0, _after(60), items, max_minutes, tolerance)
