"""Every message a person reads, in Chinese and English (中文 / English): the one catalogue.

No Flask here: the error handler, the scanner's readers, the report and the CLI all look text up
with plain values. Choosing the language of a request is ``field_app.i18n.web``'s job.

The catalogue is gettext ``.po`` files under ``locales/<lang>/LC_MESSAGES/<domain>.po``, read with
Babel; the message ids are stable keys (``error.visit_closed``, ``rule.F01.why``, ``alert.title``),
never English sentences, so rewording English never orphans a translation. ``scripts/i18n
compile`` turns them into ``.mo`` files; a ``.po`` newer than its ``.mo`` (or with none) is read
directly, so a fresh checkout never serves stale text.

Where English lives: a message whose English is written in the code — an error's template at its
raise site, a rule's finding message and docstring — has only its Chinese in the catalogue (the code
is the source; the English there is also the fallback). Interface text with no code behind it (the
console, the report, evidence labels, outcome words) has both languages in the catalogue.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
DEFAULT = "zh"  #: caregivers and the bureau read Chinese; English only when asked
LOCALES = Path(__file__).parent / "locales"
#: list separators per language (, / 、)
_SEPARATOR = {"zh": "、", "en": ", "}


def domain_files(lang: str) -> list[Path]:
    """The ``.po`` files of a language, one per domain (errors, rules, console, report, ...)."""
    return sorted((LOCALES / lang / "LC_MESSAGES").glob("*.po"))


def _read(po: Path):
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return read_mo(fp)
    log.debug("reading %s directly (no compiled catalogue newer than it)", po.name)
    with po.open("rb") as fp:
        return read_po(fp)


@cache
def domain(lang: str, name: str) -> Mapping[str, str]:
    """key -> text of one domain file (``console``, ``terms``, ...); untranslated entries left out."""
    po = LOCALES / lang / "LC_MESSAGES" / f"{name}.po"
    if not po.exists():
        return {}
    return {str(m.id): str(m.string) for m in _read(po) if m.id and m.string}


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """key -> text of a language, all domains merged."""
    table: dict[str, str] = {}
    for po in domain_files(lang):
        table.update(domain(lang, po.stem))
    return table


def pick(requested: str | None) -> str:
    """A language we have from a tag such as ``zh-CN``, ``zh_Hans``, ``en-GB``; else the default."""
    if not requested:
        return DEFAULT
    base = requested.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT


class _Formatter(string.Formatter):
    """``str.format`` plus two things messages need: lists are joined in the language's way, and a
    ``@prefix`` spec reads each value as a term of the catalogue (``{ends:@kind}``: check_in -> 签到)."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, spec: str) -> str:
        if value is None or value == [] or value == ():
            return "—"
        if isinstance(value, (list, tuple)):
            return _SEPARATOR[self.lang].join(self.format_field(v, spec) for v in value)
        if spec.startswith("@"):
            return catalogue(self.lang).get(f"{spec[1:]}.{value}", str(value))
        return super().format_field(value, spec)


def fill(lang: str, template: str, params: Mapping[str, Any]) -> str | None:
    """The template with its ``{name}`` placeholders filled; ``None`` when a placeholder has no value
    (the caller then falls back to the source text rather than show a half-made sentence)."""
    try:
        return _Formatter(lang).vformat(template, (), params)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return None


def text(lang: str, key: str, params: Mapping[str, Any] | None = None, default: str | None = None) -> str:
    """The text of ``key`` in ``lang`` with ``params`` filled in; else ``default`` (the English source,
    filled the same way); else the key itself, so a missing entry shows up in review instead of hiding."""
    params = params or {}
    template = catalogue(lang).get(key)
    if template is not None:
        filled = fill(lang, template, params)
        if filled is not None:
            return filled
        log.warning("catalogue %s/%s: a placeholder has no value in %s", lang, key, sorted(params))
    if default is not None:
        return fill(lang, default, params) or default
    return key


def has(lang: str, key: str) -> bool:
    return key in catalogue(lang)


def error_message(
    lang: str, code: str, english: str, params: Mapping[str, Any] | None = None, field: str | None = None
) -> str:
    """The message of error ``code`` in ``lang``: the catalogue's ``error.<code>`` filled with the
    error's params (and ``field``); the raise site's English when the language is English, or when the
    catalogue has no text for the code yet."""
    if lang == "en" and not has("en", f"error.{code}"):
        return english
    values = {"field": field or "", **(params or {})}
    template = catalogue(lang).get(f"error.{code}")
    filled = fill(lang, template, values) if template is not None else None
    return english if filled is None else filled


def coded(lang: str, key: str, english: str, params: Mapping[str, Any] | None = None) -> str:
    """A sentence whose English was written in the code (with its details) and whose other languages are
    the catalogue's text for its code: the English as it is for ``en``, else the catalogue's ``key``."""
    if lang == "en":
        return english
    return text(lang, key, params, default=english)


def withheld_reason(lang: str, reason: Mapping[str, str]) -> str:
    """Why a visit is withheld from settlement (``{"code", "message"}``), in ``lang``."""
    return coded(lang, f"withheld.{reason['code']}", reason["message"])
