"""The import service on a real database: who rows are about, upserts, imported_at, all or nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.registries import imports as registry_import
from field_app.registries.imports import RowsInvalid, import_rows
from tests.registry.conftest import MODELS, sample_rows, stored

T1 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=6)


def run(app, kind: str, rows: list, now: datetime = T1):
    """Import rows (numbered from 1) and commit, as the CLI and the API do."""
    with app.app_context():
        result = import_rows(
            kind, enumerate(rows, start=1), now, date(2026, 11, 23), actor="test", source="test"
        )
        db.session.commit()
        return result


def invalid(app, kind: str, rows: list) -> RowsInvalid:
    with app.app_context(), pytest.raises(RowsInvalid) as caught:
        import_rows(kind, enumerate(rows, start=1), T1, date(2026, 11, 23), actor="test", source="test")
    return caught.value


@pytest.mark.parametrize("kind", list(MODELS))
def test_each_sample_imports_and_an_identical_re_import_changes_nothing(app, people, kind):
    rows = sample_rows(kind)
    first = run(app, kind, rows, T1)
    assert (first.inserted, first.updated, first.unchanged) == (len(rows), 0, 0)
    before = stored(app, kind)
    assert all(r["imported_at"] == T1 for r in before.values())
    again = run(app, kind, rows, T2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))
    assert stored(app, kind) == before  # imported_at kept: nothing for the scanner to re-check


def test_rows_are_stored_against_the_client_with_parsed_values(app, people):
    run(app, "hospital_stays", sample_rows("hospital_stays"))
    stay = stored(app, "hospital_stays")[(people["330401000001"], date(2026, 11, 18))]
    assert stay == {
        "client_id": people["330401000001"],
        "admitted_on": date(2026, 11, 18),
        "discharged_on": None,
        "hospital": "嘉兴市第一医院",
        "imported_at": T1,
    }


def test_a_discharge_arriving_later_updates_the_stay_and_only_its_imported_at(app, people):
    rows = sample_rows("hospital_stays")
    run(app, "hospital_stays", rows, T1)
    rows[0] = {**rows[0], "discharged_on": "2026-11-22"}
    result = run(
        app, "hospital_stays", rows + [{"insured_id": "330402000005", "admitted_on": "2026-11-21"}], T2
    )
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 2)
    after = stored(app, "hospital_stays")
    assert after[(people["330401000001"], date(2026, 11, 18))]["discharged_on"] == date(2026, 11, 22)
    assert sorted(r["imported_at"] for r in after.values()) == [T1, T1, T2, T2]


def test_a_grade_lapse_and_a_corrected_death_date_are_updates(app, people):
    run(
        app,
        "grades",
        [{"insured_id": "330401000000", "effective_on": "2026-10-01", "grade": "重度失能一级"}],
        T1,
    )
    result = run(
        app, "grades", [{"insured_id": "330401000000", "effective_on": "2026-10-01", "grade": "失效"}], T2
    )
    assert result.updated == 1
    assert stored(app, "grades")[(people["330401000000"], date(2026, 10, 1))]["grade"] is None
    run(app, "deaths", [{"insured_id": "330401000000", "died_on": "2026-11-10"}], T1)
    result = run(app, "deaths", [{"insured_id": "330401000000", "died_on": "2026-11-08"}], T2)
    assert result.updated == 1
    assert stored(app, "deaths")[(people["330401000000"],)] == {
        "client_id": people["330401000000"],
        "died_on": date(2026, 11, 8),
        "imported_at": T2,
    }


def test_rows_missing_from_a_later_file_are_kept(app, people):
    rows = sample_rows("certificates")
    run(app, "certificates", rows, T1)
    run(app, "certificates", rows[:1], T2)
    assert len(stored(app, "certificates")) == 2


def test_unknown_clients_and_caregivers_are_errors_and_nothing_is_written(app, people):
    rows = sample_rows("hospital_stays") + [{"insured_id": "339999999999", "admitted_on": "2026-11-01"}]
    exc = invalid(app, "hospital_stays", rows)
    assert [str(e) for e in exc.errors] == ["line 4: insured_id 339999999999 is not a known client"]
    assert str(exc) == "1 hospital_stays row(s) failed the checks (1 error(s)); nothing was imported."
    exc = invalid(
        app, "certificates", [{"caregiver_code": "CG999", "certificate_no": "C", "valid_from": "2024-01-01"}]
    )
    assert [str(e) for e in exc.errors] == ["line 1: caregiver_code CG999 is not a known caregiver"]
    assert stored(app, "hospital_stays") == {} and stored(app, "certificates") == {}


def test_errors_are_sorted_by_line_and_capped_with_a_count(app, people):
    rows = [{"insured_id": f"3399{n:08d}", "died_on": "2026-11-01"} for n in range(120)] + [
        {"insured_id": "x"}
    ]
    exc = invalid(app, "deaths", rows)
    assert exc.failed_rows == 121 and len(exc.errors) == 121
    assert [e.line for e in exc.errors] == list(range(1, 122))  # value errors and unknown ids interleaved
    assert len(exc.shown) == 100 and exc.not_shown == 21


def test_lookups_and_stored_rows_are_read_in_chunks(app, people, monkeypatch):
    monkeypatch.setattr(registry_import, "CHUNK", 5)
    rows = [
        {"insured_id": i, "effective_on": "2026-10-01", "grade": "severe_3"}
        for i in people
        if i.startswith("33")
    ]
    assert run(app, "grades", rows).inserted == 12
    assert run(app, "grades", rows, T2).unchanged == 12


def test_each_import_is_audited_with_counts_only(app, people):
    run(app, "deaths", sample_rows("deaths"))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registry.import")).one()
        assert (entry.actor, entry.subject_type, entry.subject_id) == ("test", "registry", "deaths")
        assert entry.details == {"source": "test", "rows": 2, "inserted": 2, "updated": 0, "unchanged": 0}


def test_a_failed_import_writes_no_audit_entry(app, people):
    invalid(app, "deaths", [{"insured_id": "nobody", "died_on": "2026-11-01"}])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
