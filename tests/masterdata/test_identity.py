"""Resident IDs (ISO 7064 MOD 11-2) and unified social credit codes (GB 32100-2015 mod 31)."""

from __future__ import annotations

from datetime import date

import pytest

from field_app import identity


@pytest.mark.parametrize("good", ["11010519491231002X", "11010519491231002x", "440524188001010014"])
def test_valid_resident_ids_pass_and_normalise(good):
    assert identity.check_resident_id(good) == good.upper()


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("110105194912310021", "check character"),  # last digit changed
        ("11010519491331002X", "check character"),  # month 13 and check now wrong
        ("1101051949123100", "17 digits"),
        ("11010519491231002Y", "17 digits"),
    ],
)
def test_bad_resident_ids_say_why(bad, why):
    with pytest.raises(ValueError, match=why):
        identity.check_resident_id(bad)


def test_impossible_birth_date_is_refused_even_with_a_right_check_character():
    first17 = "11010519490231002"  # 31 February
    with pytest.raises(ValueError, match="birth date"):
        identity.check_resident_id(first17 + identity.id_check_char(first17))


def test_birth_date_mask_and_keyed_hash():
    rid = "11010519491231002X"
    assert identity.birth_date_of(rid) == date(1949, 12, 31)
    assert identity.mask_id(rid) == "1101**********002X"
    one, other = identity.id_hash(rid, b"key-1"), identity.id_hash(rid, b"key-2")
    assert len(one) == 64 and one != other and rid not in one


@pytest.mark.parametrize("good", ["91350100M000100Y43", "91330402MA2B8W4X1H"])
def test_valid_credit_codes(good):
    assert identity.check_credit_code(good.lower()) == good


@pytest.mark.parametrize("bad", ["91350100M000100Y44", "91350100M000100Y4", "9135O100M000100Y43"])
def test_bad_credit_codes(bad):
    with pytest.raises(ValueError):
        identity.check_credit_code(bad)
