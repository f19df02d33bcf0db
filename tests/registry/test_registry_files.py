"""Reading registry files: CSV line numbers, BOM, header problems, encodings, JSON shapes."""

from __future__ import annotations

import pytest

from field_app.registries.imports import RegistryFileError, read_file
from field_app.registries.rows import EXTRA, KINDS, parse_rows
from tests.registry.conftest import SAMPLES

HEADER = "insured_id,admitted_on,discharged_on,hospital"


def write(tmp_path, content: str | bytes, name: str = "rows.csv"):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def file_errors(path, kind: str = "hospital_stays", fmt: str = "csv") -> list[str]:
    with pytest.raises(RegistryFileError) as caught:
        read_file(kind, path, fmt)
    return [str(e) for e in caught.value.errors]


def test_csv_lines_are_physical_lines_with_the_header_as_line_1(tmp_path):
    text = (
        f"{HEADER}\n"
        "330401000001,2026-11-02,,\n"
        "\n"  # a blank line still counts
        '330401000002,2026-11-03,,"嘉兴市\n第一医院"\n'  # a quoted cell over two lines
        "330401000003,2026-11-04,,\n"
    )
    rows = read_file("hospital_stays", write(tmp_path, text), "csv")
    assert [(line, row["insured_id"]) for line, row in rows] == [
        (2, "330401000001"),
        (4, "330401000002"),
        (6, "330401000003"),
    ]
    assert rows[1][1]["hospital"] == "嘉兴市\n第一医院"


def test_a_bom_and_crlf_line_ends_as_excel_writes_them(tmp_path):
    data = f"\ufeff{HEADER}\r\n330401000001,2026-11-02,,\r\n".encode()
    rows = read_file("hospital_stays", write(tmp_path, data), "csv")
    assert rows == [
        (2, {"insured_id": "330401000001", "admitted_on": "2026-11-02", "discharged_on": "", "hospital": ""})
    ]


def test_the_sample_grades_file_has_a_bom_and_chinese_grades():
    rows = read_file("grades", SAMPLES / "grades.csv", "csv")
    assert SAMPLES.joinpath("grades.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [row["grade"] for _, row in rows] == ["失效", "重度失能二级", "重度失智"]


def test_header_problems_are_reported_once_on_line_1(tmp_path):
    path = write(tmp_path, "insured_id,dischargd_on,hospital,hospital\n330401000001,2026-11-09,a,b\n")
    assert file_errors(path) == [
        "line 1: unknown column 'dischargd_on' (expected insured_id, admitted_on, discharged_on, hospital)",
        "line 1: column hospital appears twice",
        "line 1: missing column admitted_on",
    ]


def test_optional_columns_may_be_absent_from_the_header(tmp_path):
    rows = read_file(
        "hospital_stays", write(tmp_path, "insured_id,admitted_on\n330401000001,2026-11-02\n"), "csv"
    )
    assert rows == [(2, {"insured_id": "330401000001", "admitted_on": "2026-11-02"})]


def test_empty_trailing_columns_are_ignored_and_filled_surplus_cells_are_kept_for_the_check(tmp_path):
    text = f"{HEADER},,\n330401000001,2026-11-02,,,,\n330401000002,2026-11-02,,,x\n330401000003,2026-11-02\n,,,,\n"
    rows = read_file("hospital_stays", write(tmp_path, text), "csv")
    assert rows[0] == (
        2,
        {"insured_id": "330401000001", "admitted_on": "2026-11-02", "discharged_on": "", "hospital": ""},
    )
    assert rows[1][1][""] == "x"  # a value under a nameless column: the row check refuses it (below)
    assert rows[2][1]["hospital"] == ""  # a short row: the missing cells are empty
    assert len(rows) == 3  # the all-empty row is skipped
    _, errors = parse_rows(KINDS["hospital_stays"], rows)
    assert [str(e) for e in errors] == ["line 3: a value in a column with no name in the header"]


def test_surplus_values_beyond_the_header(tmp_path):
    rows = read_file("deaths", write(tmp_path, "insured_id,died_on\n1,2026-11-01,x,\n"), "csv")
    assert rows[0][1][EXTRA] == ["x"]
    _, errors = parse_rows(KINDS["deaths"], rows)
    assert [str(e) for e in errors] == ["line 2: 1 value(s) more than the header has columns"]


@pytest.mark.parametrize("content", ["", "\ufeff", " \n\n"])
def test_an_empty_file_is_an_error(tmp_path, content):
    assert file_errors(write(tmp_path, content)) == ["line 1: the file is empty (expected CSV rows)"]


def test_a_header_only_file_has_no_rows(tmp_path):
    assert read_file("hospital_stays", write(tmp_path, HEADER + "\n"), "csv") == []


def test_a_gbk_file_is_refused_with_the_line_of_the_first_bad_byte(tmp_path):
    data = f"{HEADER}\n330401000001,2026-11-02,,\n330401000002,2026-11-02,,嘉兴市第一医院\n".encode("gbk")
    assert file_errors(write(tmp_path, data)) == [
        "line 3: the file is not UTF-8 text (convert GBK/GB18030 exports to UTF-8)"
    ]


def test_broken_csv_quoting_names_the_line(tmp_path):
    path = write(tmp_path, f'{HEADER}\n330401000001,2026-11-02,,ok\n330401000002,2026-11-02,,"unclosed\n')
    assert file_errors(path)[0].startswith("line 3: broken CSV:")


def test_json_rows_are_numbered_from_1_and_an_api_body_is_accepted(tmp_path):
    rows = read_file(
        "deaths", write(tmp_path, '[{"insured_id": "1", "died_on": "2026-11-01"}, 7]', "d.json"), "json"
    )
    assert rows == [(1, {"insured_id": "1", "died_on": "2026-11-01"}), (2, 7)]
    body = write(tmp_path, '{"rows": [{"insured_id": "1", "died_on": "2026-11-01"}]}', "body.json")
    assert read_file("deaths", body, "json") == [(1, {"insured_id": "1", "died_on": "2026-11-01"})]


@pytest.mark.parametrize(
    "content, message",
    [
        ('[{"insured_id": "1",\n "died_on": }]', "line 2: not valid JSON: Expecting value (column 13)"),
        ('{"insured_id": "1"}', "line 1: expected a JSON list of objects"),
        ("\ufeff[", "line 1: not valid JSON: Expecting value (column 2)"),
    ],
)
def test_json_that_is_not_a_list_of_rows(tmp_path, content, message):
    assert file_errors(write(tmp_path, content, "d.json"), "deaths", "json") == [message]
