"""Password rules after NIST SP 800-63B 5.1.1.2 (issue 17, finding 12): a minimum length, no password from
a list of common ones, no repetitive or sequential characters, not the username; a clear error code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from field_app.errors import Invalid
from field_app.extensions import db
from field_app.models import User
from field_app.passwords import check_password

WEAK = {
    "1234567": "password_too_short",
    "12345678": "password_sequential",
    "iloveyou": "password_too_common",
    "password1": "password_too_common",
    "qwertyuiop": "password_too_common",
    "aaaaaaaa": "password_repetitive",
    "abababababab": "password_repetitive",
    "abcdefghij": "password_sequential",
    "98765432109": "password_sequential",
    "zhang-wei-2026": "password_contains_username",
}


@pytest.mark.parametrize("password, code", sorted(WEAK.items()))
def test_weak_passwords_are_refused_with_a_stable_code(password, code):
    with pytest.raises(Invalid) as err:
        check_password(password, username="zhang-wei-2026")
    assert err.value.code == code and err.value.field == "password"


@pytest.mark.parametrize(
    "password", ["demo-pass-2026", "test-password-1", "护理员 长护险 嘉兴", "Tr0ub4dor&3x"]
)
def test_ordinary_passwords_pass(password):
    check_password(password, username="zhang-wei")


def test_the_cli_refuses_a_weak_password_and_creates_nobody(app, runner):
    result = runner.invoke(args=["users", "create", "boss", "--role", "admin", "--password", "12345678"])
    assert result.exit_code != 0 and "password_sequential" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    ok = runner.invoke(args=["users", "create", "boss", "--role", "admin", "--password", "demo-pass-2026"])
    assert ok.exit_code == 0, ok.output
