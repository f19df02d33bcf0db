"""Interface text of the console: the ``console`` and ``terms`` domains of the app's one catalogue
(``field_app/i18n``, gettext .po files); Chinese is the default. API errors are not here: the API
answers them in the page's language (the console sends ``Accept-Language``)."""

from __future__ import annotations

from functools import cache

from field_app import i18n

LANGUAGES = i18n.LANGUAGES
DEFAULT = i18n.DEFAULT
#: the catalogue's domains the pages' scripts read (the rest is rendered by the server)
DOMAINS = ("console", "terms")


@cache
def strings(lang: str) -> dict[str, str]:
    """The key -> text table of a language that the pages need."""
    return {k: v for name in DOMAINS for k, v in i18n.domain(lang, name).items()}


def pick(requested: str | None) -> str:
    """The language asked for (query or cookie), or the default when it is not one we have."""
    return requested if requested in LANGUAGES else DEFAULT


def translate(lang: str, key: str, **params: object) -> str:
    """The text of ``key``, with ``{name}`` placeholders filled; the key itself when missing (visible in review)."""
    return i18n.text(lang, key, params)
