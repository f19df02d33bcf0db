"""``flask registry import KIND FILE`` and ``flask registry kinds`` through the CLI runner."""

from __future__ import annotations

import shutil

import pytest

from tests.registry.conftest import MODELS, SAMPLES, sample_rows, stored


def registry(runner, *args: str):
    return runner.invoke(args=["registry", *map(str, args)])


@pytest.mark.parametrize("kind", list(MODELS))
def test_each_kind_imports_from_csv_and_the_same_rows_from_json_change_nothing(app, people, runner, kind):
    n = len(sample_rows(kind))
    result = registry(runner, "import", kind, SAMPLES / f"{kind}.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{kind}: {n} inserted, 0 updated, 0 unchanged\n"
    assert f"Checking {n} row(s)" in result.stderr  # the progress bar
    before = stored(app, kind)
    assert len(before) == n
    again = registry(runner, "import", kind, SAMPLES / f"{kind}.json")
    assert again.exit_code == 0, again.output
    assert again.stdout == f"{kind}: 0 inserted, 0 updated, {n} unchanged\n"
    assert stored(app, kind) == before


@pytest.mark.parametrize("kind", list(MODELS))
def test_each_kind_imports_from_json(app, people, runner, kind):
    result = registry(runner, "import", kind, SAMPLES / f"{kind}.json")
    assert result.exit_code == 0, result.output
    assert len(stored(app, kind)) == len(sample_rows(kind))


def test_invalid_rows_exit_1_with_every_error_by_line_and_nothing_imported(app, people, runner):
    result = registry(runner, "import", "hospital_stays", SAMPLES / "hospital_stays_invalid.csv")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-5:] == [
        "4 hospital_stays row(s) failed the checks (4 error(s)); nothing was imported.",
        "line 2: discharged_on 2026-11-12 is before admitted_on 2026-11-18",
        "line 3: insured_id 339999999999 is not a known client",
        "line 4: admitted_on '2026/11/02' is not a date in the form YYYY-MM-DD",
        "line 5: same insured_id and admitted_on as line 2",
    ]
    assert result.stdout == "" and stored(app, "hospital_stays") == {}


def test_more_than_100_errors_are_counted(app, people, runner, tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text(
        "insured_id,died_on\n" + "".join(f"3399{n:08d},2026-11-01\n" for n in range(130)), encoding="utf-8"
    )
    result = registry(runner, "import", "deaths", path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "... and 30 more error(s)" and lines[-2].startswith("line 101: ")


@pytest.mark.parametrize(
    "content, errors",
    [
        ("", ["line 1: the file is empty (expected CSV rows)"]),
        (
            "insured_id,died\n1,2026-11-01\n",
            [
                "line 1: unknown column 'died' (expected insured_id, died_on)",
                "line 1: missing column died_on",
            ],
        ),
        (
            b"insured_id,died_on\n\xd5\xc5,2026-11-01\n",
            ["line 2: the file is not UTF-8 text (convert GBK/GB18030 exports to UTF-8)"],
        ),
    ],
)
def test_a_file_that_cannot_be_read_exits_1(app, people, runner, tmp_path, content, errors):
    path = tmp_path / "deaths.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    result = registry(runner, "import", "deaths", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["deaths.csv cannot be read; nothing was imported.", *errors]


def test_a_header_only_file_imports_nothing(app, people, runner, tmp_path):
    path = tmp_path / "deaths.csv"
    path.write_text("insured_id,died_on\n", encoding="utf-8")
    result = registry(runner, "import", "deaths", path)
    assert result.exit_code == 0 and result.stdout == "deaths: 0 inserted, 0 updated, 0 unchanged\n"


def test_the_format_comes_from_the_extension_or_the_option(app, people, runner, tmp_path):
    path = tmp_path / "deaths.txt"
    shutil.copy(SAMPLES / "deaths.json", path)
    result = registry(runner, "import", "deaths", path)
    assert result.exit_code == 2 and "cannot tell the format from 'deaths.txt'" in result.output
    result = registry(runner, "import", "deaths", path, "--format", "json")
    assert result.exit_code == 0 and result.stdout.startswith("deaths: 2 inserted")


def test_an_unknown_kind_is_a_usage_error(app, runner):
    result = registry(runner, "import", "pensions", SAMPLES / "deaths.csv")
    assert result.exit_code == 2 and "Invalid value for 'KIND'" in result.output


def test_kinds_lists_every_kind_with_its_columns_and_key(runner):
    result = registry(runner, "kinds")
    assert result.exit_code == 0
    for kind in MODELS:
        assert f"\n{kind}: " in f"\n{result.output}"
    assert "key: caregiver_code + certificate_no" in result.output
    assert "discharged_on   optional; YYYY-MM-DD; empty = still in hospital" in result.output
    assert "重度失能一级" in result.output
