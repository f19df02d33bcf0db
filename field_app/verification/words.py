"""A verification outcome in words for the person at the phone: what happened, and how to retake.

Pure: the language is a plain value. The texts are the catalogue's ``verification.<check>.<status>``
and ``hint.<check>.<status>`` (``field_app/i18n/locales/*/LC_MESSAGES/verification.po``); an outcome
that needs no retake (matched, inside) has no hint.
"""

from __future__ import annotations

from field_app import i18n


def outcome_words(lang: str, check: str, status: str | None) -> dict[str, str | None]:
    """``{"message", "hint"}`` for ``check`` ("face" or "fence") and its status code."""
    if status is None:
        return {"message": None, "hint": None}
    table = i18n.catalogue(lang)
    return {
        "message": table.get(f"verification.{check}.{status}", status),
        "hint": table.get(f"hint.{check}.{status}"),
    }
