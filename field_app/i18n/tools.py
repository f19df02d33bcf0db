"""Maintenance of the catalogue: compile, write sorted ``.po`` files, list what is missing.

Run as ``python -m field_app.i18n.tools compile|missing|sort`` (``scripts/i18n`` does), never at
request time.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from field_app import i18n

STABLE_DATE = datetime(2026, 12, 1, tzinfo=UTC)
HEADER = "field_app messages ({lang}): keys are stable ids, see field_app/i18n/README.md"


def write_domain(
    lang: str, name: str, table: Mapping[str, str], comments: Mapping[str, str] | None = None
) -> Path:
    """Write ``table`` as ``locales/<lang>/LC_MESSAGES/<name>.po``, sorted by key (small diffs, few
    merge conflicts when several people add keys)."""
    catalog = Catalog(
        locale=lang,
        project="field_app",
        header_comment=f"# {HEADER.format(lang=lang)}",
        fuzzy=False,
        creation_date=STABLE_DATE,  # a fixed header: rewriting a file changes only its entries
        revision_date=STABLE_DATE,
    )
    for key in sorted(table):
        note = (comments or {}).get(key)
        catalog.add(key, table[key], auto_comments=[note] if note else [])
    path = i18n.LOCALES / lang / "LC_MESSAGES" / f"{name}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=0, omit_header=False, sort_output=True)
    return path


def compile_all() -> list[Path]:
    """Every ``.po`` to its ``.mo`` (what ``scripts/i18n compile`` runs on a fresh machine)."""
    written = []
    for lang in i18n.LANGUAGES:
        for po in i18n.domain_files(lang):
            with po.open("rb") as fp:
                catalog = read_po(fp, locale=lang)
            with po.with_suffix(".mo").open("wb") as fp:
                write_mo(fp, catalog)
            written.append(po.with_suffix(".mo"))
    return written


def sort_all() -> None:
    """Rewrite every ``.po`` in canonical form (sorted, unwrapped), keeping translator comments."""
    for lang in i18n.LANGUAGES:
        for po in i18n.domain_files(lang):
            with po.open("rb") as fp:
                catalog = read_po(fp, locale=lang)
            table = {str(m.id): str(m.string) for m in catalog if m.id}
            notes = {str(m.id): " ".join(m.auto_comments) for m in catalog if m.id and m.auto_comments}
            write_domain(lang, po.stem, table, notes)


def missing() -> list[str]:
    """Error codes answered by the code without Chinese, and interface keys missing a language."""
    from field_app.i18n.sources import error_codes

    zh = i18n.catalogue("zh")
    out = [
        f"error.{code} (no Chinese; {sites[0].path}:{sites[0].line})"
        for code, sites in sorted(error_codes().items())
        if f"error.{code}" not in zh
    ]
    for name in ("console", "terms", "report"):
        zd, ed = i18n.domain("zh", name), i18n.domain("en", name)
        out += [f"{key} (no Chinese)" for key in sorted(set(ed) - set(zd))]
        out += [f"{key} (no English)" for key in sorted(set(zd) - set(ed))]
    return out


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "compile":
        for path in compile_all():
            print(f"compiled {path.relative_to(i18n.LOCALES)}")
        return 0
    if command == "sort":
        sort_all()
        return 0
    if command == "missing":
        gaps = missing()
        print("\n".join(gaps) or "every message has Chinese and English")
        return 1 if gaps else 0
    print("usage: python -m field_app.i18n.tools compile|missing|sort", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
