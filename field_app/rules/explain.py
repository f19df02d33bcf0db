"""A rule and its findings in words a reviewer reads, in Chinese or English (pure: no Flask, no db).

The English is the rule's own: its docstring's "Why" and "Legitimate look-alike" sections, and the
sentence its ``evaluate`` wrote on the finding (kept on the alert). The Chinese is in the catalogue
(``field_app/i18n/locales/zh/LC_MESSAGES/rules.po``): ``rule.<CODE>.why``, ``rule.<CODE>.look_alike``
and ``rule.<CODE>.<outcome>`` (``hit`` / ``not_applicable``), a template filled from the finding's
evidence, so a rule module stays as it is and the evidence it already stores is the message's params.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from field_app import i18n

#: the docstring sections a reviewer reads beside an alert (``Why:``, ``Legitimate look-alike:``)
SECTIONS = {"why": "Why", "look_alike": "Legitimate look-alike"}
_HEADING = re.compile(r"^(Flags|Why|Legitimate look-alike|Thresholds|Severity|Performance):", re.M)


def doc_sections(doc: str) -> dict[str, str]:
    """The docstring's sections as one-line English texts, by key (``why``, ``look_alike``, ...)."""
    parts = _HEADING.split(doc)
    found = {parts[i]: " ".join(parts[i + 1].split()) for i in range(1, len(parts) - 1, 2)}
    return {key: found[heading] for key, heading in SECTIONS.items() if heading in found}


def explanation(lang: str, code: str, doc: str) -> dict[str, str]:
    """Why the rule matters and its legitimate look-alike, in ``lang``."""
    english = doc_sections(doc)
    return {key: i18n.text(lang, f"rule.{code}.{key}", default=text) for key, text in english.items()}


def title(lang: str, title_zh: str, title_en: str) -> str:
    return title_zh if lang == "zh" else title_en


def _params(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence as template params; the first entry of a list of dicts fills in what is not at the
    top level (``ends[0].end``), so a template can name the first occurrence."""
    params: dict[str, Any] = {}
    for value in evidence.values():
        if isinstance(value, list) and value and isinstance(value[0], Mapping):
            params.update({k: v for k, v in value[0].items() if k not in evidence})
    params.update(evidence)
    return params


def finding_message(lang: str, code: str, outcome: str, evidence: Mapping[str, Any], english: str) -> str:
    """A finding's sentence in ``lang``: the catalogue's template for the rule and outcome filled with
    the evidence; the rule's own English sentence in English, or when no template fits."""
    return i18n.coded(lang, f"rule.{code}.{outcome}", english, _params(evidence or {}))


def alert_message(lang: str, alert: Any) -> str:
    """An alert's sentence in ``lang`` (any object with ``rule_code``, ``outcome``, ``evidence`` and the
    stored English ``message``: the model row, or a test double)."""
    return finding_message(lang, alert.rule_code, alert.outcome, alert.evidence or {}, alert.message)
