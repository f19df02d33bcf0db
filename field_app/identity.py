"""Identity numbers, checked without a database: resident ID (身份证号) and unified social credit code.

- Resident ID (GB 11643-1999): 18 characters, the last an ISO 7064 MOD 11-2 check over the first 17
  digits; digits 7-14 are the birth date. Sensitive personal information (PIPL): the app keeps only a
  keyed HMAC (to match registry feeds that carry the number) and a masked form for display.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-character
  alphabet (digits and capitals without I, O, Z, S, V); the last is a mod-31 check.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_FORM = re.compile(r"\d{17}[\dX]")

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits of a resident ID."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def check_resident_id(text: str) -> str:
    """The ID normalised (upper-case X, no spaces), or ValueError saying what is wrong."""
    value = text.strip().replace(" ", "").upper()
    if not _ID_FORM.fullmatch(value):
        raise ValueError("a resident ID has 17 digits and a check character (digit or X)")
    if id_check_char(value[:17]) != value[17]:
        raise ValueError("the resident ID's check character does not match (mistyped digit?)")
    birth_date_of(value)
    return value


def birth_date_of(resident_id: str) -> date:
    """The birth date encoded in digits 7-14 (ValueError when it is not a real date)."""
    try:
        return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        raise ValueError("the resident ID's birth date (digits 7-14) is not a real date") from None


def mask_id(resident_id: str) -> str:
    """``3304**********1234``: region prefix and last four, never the birth date."""
    return resident_id[:4] + "*" * 10 + resident_id[-4:]


def id_hash(resident_id: str, key: bytes) -> str:
    """Keyed HMAC-SHA256 of the normalised ID: matches registry feeds, reveals nothing without the key."""
    return hmac.new(key, resident_id.encode(), hashlib.sha256).hexdigest()


def credit_check_char(first17: str) -> str:
    """The mod-31 check character of a unified social credit code's first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(text: str) -> str:
    """The code normalised to capitals, or ValueError saying what is wrong."""
    value = text.strip().upper()
    if len(value) != 18 or any(c not in CREDIT_ALPHABET for c in value):
        raise ValueError(
            "a unified social credit code has 18 characters: digits and capitals except I O Z S V"
        )
    if credit_check_char(value[:17]) != value[17]:
        raise ValueError("the unified social credit code's check character does not match")
    return value
