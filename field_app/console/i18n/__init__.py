"""Interface text of the console, one JSON file per language; Chinese is the default."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
HERE = Path(__file__).parent


@cache
def strings(lang: str) -> dict[str, str]:
    """The key -> text table of a language."""
    return json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8"))


def pick(requested: str | None) -> str:
    """The language asked for (query or cookie), or the default when it is not one we have."""
    return requested if requested in LANGUAGES else DEFAULT


def translate(lang: str, key: str, **params: object) -> str:
    """The text of ``key``, with ``{name}`` placeholders filled; the key itself when missing (visible in review)."""
    text = strings(lang).get(key, key)
    for name, value in params.items():
        text = text.replace("{" + name + "}", str(value))
    return text
