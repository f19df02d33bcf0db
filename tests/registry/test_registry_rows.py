"""Checking registry rows with plain values: columns, dates, grades, date order, duplicate keys."""

from __future__ import annotations

from datetime import date

import pytest

from field_app.models.client import GRADES
from field_app.registries.rows import GRADE_NAMES, KINDS, parse_rows

TODAY = date(2026, 11, 23)


def check(kind: str, *rows: dict, today: date | None = TODAY):
    """Rows numbered from 1, as in a JSON list: (valid rows, [str(error)])."""
    valid, errors = parse_rows(KINDS[kind], enumerate(rows, start=1), today)
    return valid, [str(e) for e in errors]


def stay(**changes) -> dict:
    return {
        "insured_id": "330401000001",
        "admitted_on": "2026-11-02",
        "discharged_on": "2026-11-09",
        "hospital": "嘉兴市第一医院",
        **changes,
    }


def test_a_valid_stay_keeps_its_line_and_parsed_values():
    valid, errors = check("hospital_stays", stay(), stay(admitted_on="2026-10-01", discharged_on=""))
    assert errors == []
    assert [(r.line, r.ref) for r in valid] == [(1, "330401000001"), (2, "330401000001")]
    assert valid[0].values == {
        "admitted_on": date(2026, 11, 2),
        "discharged_on": date(2026, 11, 9),
        "hospital": "嘉兴市第一医院",
    }
    assert valid[1].values["discharged_on"] is None  # empty: still in hospital


def test_optional_columns_may_be_left_out_and_cells_are_stripped():
    valid, errors = check("hospital_stays", {"insured_id": " 330401000001 ", "admitted_on": " 2026-11-02 "})
    assert errors == []
    assert valid[0].ref == "330401000001" and valid[0].values["hospital"] is None


@pytest.mark.parametrize(
    "text, grade",
    [
        ("severe_1", "severe_1"),
        ("severe_2", "severe_2"),
        ("Severe_3", "severe_3"),
        ("dementia", "dementia"),
        ("重度失能一级", "severe_1"),
        ("重度失能二级", "severe_2"),
        ("重度失能三级", "severe_3"),
        ("重度失智", "dementia"),
        ("", None),
        (None, None),
        ("lapsed", None),
        ("失效", None),
        ("  ", None),
    ],
)
def test_grade_spellings_in_english_and_chinese(text, grade):
    valid, errors = check(
        "grades", {"insured_id": "330401000001", "effective_on": "2026-11-01", "grade": text}
    )
    assert errors == [] and valid[0].values["grade"] == grade


def test_every_spelling_maps_to_a_grade_the_client_model_knows():
    assert set(GRADE_NAMES.values()) == set(GRADES)


def test_an_unknown_grade_and_a_missing_grade_column_are_errors():
    _, errors = check(
        "grades",
        {"insured_id": "1", "effective_on": "2026-11-01", "grade": "重度失能四级"},
        {"insured_id": "2", "effective_on": "2026-11-01"},
    )
    assert errors[0].startswith("line 1: grade '重度失能四级' is not one of severe_1")
    assert errors[1] == "line 2: missing column grade"  # a missing key is not a lapse


@pytest.mark.parametrize(
    "text, message",
    [
        ("2026/11/02", "admitted_on '2026/11/02' is not a date in the form YYYY-MM-DD"),
        ("20261102", "admitted_on '20261102' is not a date in the form YYYY-MM-DD"),
        ("2026-W45-1", "admitted_on '2026-W45-1' is not a date in the form YYYY-MM-DD"),
        ("2026-02-30", "admitted_on 2026-02-30 is not a real date"),
        ("", "admitted_on is empty"),
        (20261102, "admitted_on '20261102' is not a date in the form YYYY-MM-DD"),
        (1.5, "admitted_on must be text, not float"),
        (True, "admitted_on must be text, not bool"),
    ],
)
def test_bad_dates_are_reported_with_the_line(text, message):
    _, errors = check("hospital_stays", stay(), stay(admitted_on=text, discharged_on=None))
    assert errors == [f"line 2: {message}"]


def test_every_error_of_a_row_is_reported():
    _, errors = check(
        "certificates",
        {"caregiver_code": "", "certificate_no": "x" * 65, "valid_from": "soon", "colour": "red"},
    )
    assert errors == [
        "line 1: unknown column 'colour' (expected caregiver_code, certificate_no, valid_from, valid_until, "
        "revoked_on)",
        "line 1: caregiver_code is empty",
        "line 1: certificate_no is longer than 64 characters",
        "line 1: valid_from 'soon' is not a date in the form YYYY-MM-DD",
    ]


@pytest.mark.parametrize(
    "kind, row, message",
    [
        (
            "hospital_stays",
            stay(discharged_on="2026-11-01"),
            "discharged_on 2026-11-01 is before admitted_on 2026-11-02",
        ),
        (
            "certificates",
            {
                "caregiver_code": "CG001",
                "certificate_no": "C1",
                "valid_from": "2025-01-01",
                "valid_until": "2024-12-31",
            },
            "valid_until 2024-12-31 is before valid_from 2025-01-01",
        ),
        (
            "certificates",
            {
                "caregiver_code": "CG001",
                "certificate_no": "C1",
                "valid_from": "2025-01-01",
                "revoked_on": "2024-06-01",
            },
            "revoked_on 2024-06-01 is before valid_from 2025-01-01",
        ),
    ],
)
def test_dates_in_the_wrong_order_are_errors(kind, row, message):
    _, errors = check(kind, row)
    assert errors == [f"line 1: {message}"]


def test_a_same_day_discharge_is_fine():
    _, errors = check("hospital_stays", stay(discharged_on="2026-11-02"))
    assert errors == []


def test_events_cannot_be_in_the_future_but_decisions_can():
    _, errors = check("deaths", {"insured_id": "1", "died_on": "2026-11-24"})
    assert errors == ["line 1: died_on 2026-11-24 is in the future"]
    _, errors = check("hospital_stays", stay(admitted_on="2026-11-23", discharged_on="2026-12-01"))
    assert errors == ["line 1: discharged_on 2026-12-01 is in the future"]
    _, errors = check("grades", {"insured_id": "1", "effective_on": "2027-01-01", "grade": "severe_1"})
    assert errors == []  # a re-assessment decided now can take effect later
    _, errors = check("deaths", {"insured_id": "1", "died_on": "2030-01-01"}, today=None)
    assert errors == []


def test_a_key_twice_in_one_file_names_the_first_line_even_when_that_row_is_wrong():
    _, errors = check(
        "hospital_stays",
        stay(discharged_on="2026-10-01"),
        stay(hospital="other"),
        stay(admitted_on="2026-11-03"),
    )
    assert errors == [
        "line 1: discharged_on 2026-10-01 is before admitted_on 2026-11-02",
        "line 2: same insured_id and admitted_on as line 1",
    ]


def test_a_death_is_keyed_by_the_client_alone():
    valid, errors = check(
        "deaths", {"insured_id": "1", "died_on": "2026-11-01"}, {"insured_id": "1", "died_on": "2026-11-02"}
    )
    assert errors == ["line 2: same insured_id as line 1"] and len(valid) == 1


def test_json_numbers_are_read_as_text_for_ids():
    valid, errors = check("deaths", {"insured_id": 330401000001, "died_on": "2026-11-01"})
    assert errors == [] and valid[0].ref == "330401000001"


def test_a_row_that_is_not_an_object_is_an_error():
    _, errors = check("deaths", ["330401000001", "2026-11-01"], None)
    assert errors == [
        "line 1: expected an object with insured_id, died_on",
        "line 2: expected an object with insured_id, died_on",
    ]
