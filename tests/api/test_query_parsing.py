"""The one query-string parser (``parsing.parse_query``): what a bad, missing, empty, repeated or unknown
parameter answers, for the strict alert queue models and the lenient supervision ones."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from field_app.api.alert_models import AlertQuery
from field_app.api.dashboard import DashboardQuery
from field_app.api.errors import status_of
from field_app.api.parsing import MonthQuery, parse_query
from field_app.api.replay import DayQuery, ReplayQuery
from field_app.errors import DomainError

APP = Flask(__name__)


def parse(model, query: str):
    with APP.test_request_context(f"/?{query}"):
        return parse_query(model)


def error(model, query: str) -> tuple[int, str, str, str]:
    with pytest.raises(DomainError) as caught:
        parse(model, query)
    err = caught.value
    return status_of(err), err.code, err.field, err.message


def test_supervision_values_are_parsed_by_their_text_parsers():
    assert parse(MonthQuery, "month=2026-02").month == (date(2026, 2, 1), date(2026, 2, 28))
    q = parse(DashboardQuery, "from=2026-10-01&to=2026-10-03")
    assert (q.from_, q.to) == (date(2026, 10, 1), date(2026, 10, 3))
    assert parse(DayQuery, "date=2026-10-05").date == date(2026, 10, 5)
    q = parse(ReplayQuery, "datum=gcj02&gap_minutes=12")
    assert (q.datum, q.gap_minutes) == ("GCJ02", 12.0)


def test_a_missing_or_empty_required_parameter_is_missing_field():
    expected = (422, "missing_field", "month", "The query parameter month is required.")
    assert error(MonthQuery, "") == expected
    assert error(MonthQuery, "month=") == expected  # a form's empty field is a parameter left out
    assert error(DashboardQuery, "to=2026-10-01")[1:3] == ("missing_field", "from")


def test_a_bad_value_says_what_its_parser_expected():
    assert error(MonthQuery, "month=2026-1") == (422, "invalid_field", "month", "month: expected YYYY-MM")
    assert error(DashboardQuery, "from=2026-10-1&to=2026-10-02")[1:] == (
        "invalid_field",
        "from",
        "from: expected YYYY-MM-DD",
    )
    assert error(ReplayQuery, "gap_minutes=0")[1:] == (
        "invalid_field",
        "gap_minutes",
        "gap_minutes: expected minutes in (0, 1440]",
    )


def test_a_month_at_the_end_of_the_calendar_is_a_422_not_a_crash():
    """Date arithmetic past 9999-12-31 raises OverflowError, not ValueError."""
    assert error(MonthQuery, "month=9999-12")[:3] == (422, "invalid_field", "month")


def test_supervision_defaults_and_unknown_parameters():
    q = parse(ReplayQuery, "datum=&lang=zh")
    assert (q.datum, q.gap_minutes) == ("WGS84", 5.0)


def test_the_alert_queue_is_strict_and_repeats_its_list_parameters():
    q = parse(AlertQuery, "status=open&status=in_review&page=2&page=3")
    assert (q.status, q.page) == (["open", "in_review"], 2)  # a repeated single value: the first counts
    assert error(AlertQuery, "colour=red")[1:3] == ("unknown_field", "colour")
    assert error(AlertQuery, "rule=")[1:3] == ("invalid_field", "rule")
    assert error(AlertQuery, "status=open&status=closed")[1:3] == ("invalid_field", "status[1]")
