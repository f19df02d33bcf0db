"""Import 100,000 clients and 20,000 caregivers from CSV and from XLSX through ``flask import``'s code.

Run: .venv/bin/python bench/import.py [--clients 100000] [--caregivers 20000] [--database-url URL]
Default database: a fresh SQLite file in a temporary folder (``--database-url postgresql://...`` for a
server: the database is used as given, so give an empty one). Each file is imported once into an empty
table (all inserts) and once more (the idempotent re-import: every row unchanged). Rows stream from the
file (CSV reader, openpyxl read-only); the resident set size is sampled every 10 % of the rows to show
that it stays flat. The last line holds the headline figures as key=value pairs.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from field_app.identity import id_check_char  # noqa: E402

CAREGIVER_HEADER = ["code", "agency_code", "name", "id_number", "phone", "qualification", "certificate_no"]
CLIENT_HEADER = [
    "insured_id",
    "agency_code",
    "name",
    "id_number",
    "grade",
    "home_lat",
    "home_lng",
    "home_datum",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_id(n: int) -> str:
    first17 = f"330402{1930 + n % 60:04d}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def caregiver_rows(count: int):
    for n in range(count):
        yield [
            f"B-CG{n:06d}",
            f"B-A{n % 20:02d}",
            f"护理员{n}",
            resident_id(n),
            "13800000000",
            "caregiver_4",
            f"C{n}",
        ]


def client_rows(count: int):
    for n in range(count):
        lat, lng = round(30.70 + (n % 1000) * 1e-4, 6), round(120.70 + (n // 1000 % 1000) * 1e-4, 6)
        yield [
            f"B{n:010d}",
            f"B-A{n % 20:02d}",
            f"参保人{n}",
            resident_id(n + 7),
            "severe_2",
            lat,
            lng,
            "GCJ02",
        ]


def write_csv(path: Path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_xlsx(path: Path, header, rows) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)  # streamed out as well
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


class Sampled:
    """Rows passed through, with the RSS noted every tenth of them."""

    def __init__(self, rows, total: int):
        self.rows, self.step, self.samples = rows, max(1, total // 10), []

    def __iter__(self):
        for n, row in enumerate(self.rows, start=1):
            if n % self.step == 0:
                self.samples.append(round(rss_mb(), 1))
            yield row


def run_import(app, kind: str, path: Path, total: int) -> dict:
    from field_app.cli.master import cli_actor
    from field_app.extensions import db
    from field_app.masterdata.importer import import_rows, read

    with app.app_context(), path.open("rb") as stream:
        rows = Sampled(read(stream, path.suffix[1:]), total)
        start = time.perf_counter()
        result = import_rows(kind, rows, cli_actor("bench"), source=path.suffix[1:])
        assert not result.errors, result.errors[:3]
        db.session.commit()
        seconds = time.perf_counter() - start
    print(
        f"{kind:10} {path.suffix[1:]:4} {result.rows:7d} rows {seconds:7.1f} s {result.rows / seconds:7.0f} rows/s "
        f"(inserted {result.inserted}, unchanged {result.unchanged}); RSS MB every 10 %: {rows.samples}"
    )
    return {"rows_s": result.rows / seconds, "samples": rows.samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--caregivers", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from field_app import create_app
    from field_app.extensions import db
    from field_app.masterdata import agencies
    from field_app.masterdata.shapes import AgencyIn

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    url = (
        args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        or f"sqlite:///{work / 'bench.sqlite'}"
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from field_app.cli.master import cli_actor

        for n in range(20):
            agencies.save(AgencyIn(code=f"B-A{n:02d}", name=f"Bench agency {n}"), cli_actor("bench"))
        db.session.commit()
    print(f"database: {url.split('://')[0]}; files in {work}")
    figures, samples = {}, []
    for kind, header, rows, total in (
        ("caregivers", CAREGIVER_HEADER, caregiver_rows, args.caregivers),
        ("clients", CLIENT_HEADER, client_rows, args.clients),
    ):
        for fmt, write in (("csv", write_csv), ("xlsx", write_xlsx)):
            path = work / f"{kind}.{fmt}"
            write(path, header, rows(total))
            first = run_import(app, kind, path, total)  # csv inserts; xlsx then finds them all unchanged
            figures[f"{kind}_{fmt}_rows_s"] = round(first["rows_s"])
            samples.extend(first["samples"])
    growth = max(samples) - min(samples) if samples else 0.0
    print(
        " ".join(f"{k}={v}" for k, v in figures.items())
        + f" peak_rss_mb={peak_rss_mb():.0f} rss_spread_mb={growth:.0f} clients={args.clients} caregivers={args.caregivers}"
    )


if __name__ == "__main__":
    main()
