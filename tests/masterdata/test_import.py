"""CSV/XLSX import: the sample files import in order, a re-import changes nothing, bad rows say where."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import AuditEntry, Caregiver, CarePlan, Client, Device

MASTER = Path(__file__).resolve().parents[2] / "fixtures" / "master"
ORDER = [
    ("agencies", "agencies.csv"),
    ("caregivers", "caregivers.csv"),
    ("phones", "phones.csv"),
    ("clients", "clients.xlsx"),
    ("care_plans", "care_plans.csv"),
]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _import_all(runner) -> list[str]:
    assert runner.invoke(args=["catalogue", "load"]).exit_code == 0
    outputs = []
    for kind, name in ORDER:
        result = runner.invoke(args=["import", kind, str(MASTER / name)])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    return outputs


def test_the_sample_files_import_and_a_reimport_changes_nothing(app, runner):
    first = _import_all(runner)
    assert "24 inserted" in first[1] and "48 inserted" in first[3]
    with app.app_context():
        counts = (_count(Caregiver), _count(Device), _count(Client), _count(CarePlan), _count(AuditEntry))
        assert counts[:4] == (24, 24, 48, 48)
        assert all(d.status == "active" for d in db.session.scalars(select(Device)))
        homes = db.session.scalars(select(Client)).all()
        assert all(c.id_masked and c.id_hash and c.home_lat_wgs84 != c.home_lat for c in homes)
    again = _import_all(runner)
    assert all("0 inserted, 0 updated" in out for out in again[:1] + again[1:])
    with app.app_context():
        after = (_count(Caregiver), _count(Device), _count(Client), _count(CarePlan))
        assert after == counts[:4]
        assert _count(AuditEntry) == counts[4] + len(ORDER)  # one "import.file" entry per file, no changes


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(app, runner, tmp_path):
    assert runner.invoke(args=["import", "agencies", str(MASTER / "agencies.csv")]).exit_code == 0
    bad = tmp_path / "caregivers.csv"
    bad.write_text(
        "code,agency_code,name,id_number,qualification\n"
        "OK-1,JX-A01,好人,,caregiver_5\n"
        "BAD-2,JX-A01,坏号,110105194912310021,caregiver_5\n"
        "BAD-3,JX-ZZ,无机构,,caregiver_5\n"
        "OK-1,JX-A01,重复,,caregiver_5\n"
        "BAD-5,JX-A01,,,wizard\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import", "caregivers", str(bad)])
    assert result.exit_code == 1
    assert "line 3: id_number: invalid_id_number" in result.output
    assert "line 5: -: duplicate_key: same key as line 2" in result.output
    assert "line 6: name" in result.output and "line 6: qualification" in result.output
    with app.app_context():
        assert _count(Caregiver) == 0


def test_a_dry_run_reports_and_writes_nothing(app, runner):
    result = runner.invoke(args=["import", "agencies", str(MASTER / "agencies.csv"), "--dry-run"])
    assert result.exit_code == 0 and "2 inserted" in result.output and "dry run" in result.output
    with app.app_context():
        assert _count(Client) == 0 and db.session.scalar(select(func.count()).select_from(Caregiver)) == 0
        from field_app.models import Agency

        assert _count(Agency) == 0


def test_an_unreadable_file_is_one_clear_error(app, runner, tmp_path):
    broken = tmp_path / "clients.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    result = runner.invoke(args=["import", "clients", str(broken)])
    assert result.exit_code != 0 and "cannot be read" in result.output
