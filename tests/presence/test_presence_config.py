"""Presence settings are parsed strictly: an unknown policy word or a missing production key stops the start."""

from __future__ import annotations

import pytest

from field_app.config import check_production_safety, load_config


def test_policy_words_and_agency_lists_are_parsed(tmp_path):
    cfg = load_config(
        str(tmp_path), {"FIELD_APP_LIVENESS_POLICY": "agencies", "FIELD_APP_LIVENESS_AGENCIES": "3, 7"}
    )
    assert cfg["LIVENESS_AGENCIES"] == (3, 7) and cfg["LIVENESS_YAW_THRESHOLD"] == 0.14
    check_production_safety(cfg)


@pytest.mark.parametrize(
    "environ",
    [
        {"FIELD_APP_LIVENESS_POLICY": "sometimes"},
        {"FIELD_APP_CONFIRMATION_POLICY": "maybe"},
        {"FIELD_APP_ENV": "production", "FIELD_APP_SECRET_KEY": "s" * 32, "FIELD_APP_TAG_REQUIRED": "true"},
    ],
)
def test_unknown_policies_and_a_production_without_tag_key_refuse_to_start(tmp_path, environ):
    with pytest.raises(RuntimeError):
        check_production_safety(load_config(str(tmp_path), environ))


def test_a_malformed_agency_list_names_the_variable(tmp_path):
    with pytest.raises(RuntimeError, match="LIVENESS_AGENCIES"):
        load_config(str(tmp_path), {"FIELD_APP_LIVENESS_AGENCIES": "1,x"})


def test_a_tag_master_key_that_is_not_32_hex_digits_names_the_variable(tmp_path):
    with pytest.raises(RuntimeError, match="TAG_MASTER_KEY"):
        load_config(str(tmp_path), {"FIELD_APP_TAG_MASTER_KEY": "00112233"})
