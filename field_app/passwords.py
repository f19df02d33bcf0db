"""Password rules after NIST SP 800-63B section 5.1.1.2 (pure: no Flask, no database).

A password is refused when it is shorter than the minimum, appears in a list of common passwords,
is one character or one short run repeated ("aaaaaaaa", "abcabcabc"), is a sequence ("abcdefgh",
"87654321"), or contains the username. 800-63B asks for exactly these checks and against composition
rules (no "one digit, one capital"), which push people to predictable variations.

The list, ``data/common-passwords.txt.gz``: the 20,000 most common passwords (lower-cased,
de-duplicated) compiled by Royce Williams from breach corpora, as shipped by Django
(``django/contrib/auth/common-passwords.txt.gz``, Django 5.1.4, BSD 3-Clause licence; see
``data/NOTICE``). Compared lower-cased, as the list is.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from field_app.errors import Invalid

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
MIN_LENGTH = 8  #: 800-63B's floor for a memorised secret; FIELD_APP_PASSWORD_MIN_LENGTH raises it


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _repetitive(password: str) -> bool:
    """One character or one short run, repeated: 'aaaaaaaa', 'abababab', '123123123'."""
    if len(set(password)) <= 2:
        return True
    n = len(password)
    return any(n % k == 0 and password[:k] * (n // k) == password for k in range(1, n // 2 + 1))


def _step(a: str, b: str) -> int | None:
    """+1 / -1 between neighbouring digits or letters (wrapping 9-0 and z-a), else None."""
    if a.isdigit() and b.isdigit() and a.isascii() and b.isascii():
        diff = (int(b) - int(a)) % 10
        return {1: 1, 9: -1}.get(diff)
    if a.isalpha() and b.isalpha() and a.isascii() and b.isascii():
        diff = (ord(b.lower()) - ord(a.lower())) % 26
        return {1: 1, 25: -1}.get(diff)
    return None


def _sequential(password: str) -> bool:
    """Every character follows the one before it: 'abcdefgh', '98765432', '0123456789'."""
    steps = {_step(a, b) for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {-1})


def check_password(password: str, username: str = "", min_length: int = MIN_LENGTH) -> None:
    """Raise Invalid with a stable code when the password breaks a rule; return quietly otherwise."""
    if len(password) < min_length:
        raise Invalid(
            "password_too_short",
            "The password needs at least {min_length} characters.",
            "password",
            min_length=min_length,
        )
    if _repetitive(password):
        raise Invalid(
            "password_repetitive", "The password repeats one character or one short run.", "password"
        )
    if _sequential(password):
        raise Invalid("password_sequential", "The password is a sequence of letters or digits.", "password")
    lowered = password.lower()
    if lowered in common_passwords():
        raise Invalid(
            "password_too_common", "This password is one of the most common ones; choose another.", "password"
        )
    if len(username) >= 3 and username.lower() in lowered:
        raise Invalid("password_contains_username", "The password may not contain the username.", "password")
