"""The catalogue is complete: every message key in both languages, Chinese for every error code the code
can answer and for every rule's findings and reasons, placeholders that the sources can fill."""

from __future__ import annotations

import io
import re
import string

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from field_app import i18n
from field_app.i18n.sources import error_codes
from field_app.rules import all_rules, get_rule
from field_app.rules.explain import doc_sections, finding_message
from tests.rules.cases import build_context, build_subject, load_case_files

#: domains of interface text: no code behind them, so both languages live in the catalogue
INTERFACE = ("console", "terms", "report", "verification")
CJK = re.compile(r"[\u4e00-\u9fff]")
CODES = error_codes()


def placeholders(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("domain", INTERFACE)
def test_every_interface_key_exists_in_both_languages_with_the_same_placeholders(domain):
    zh, en = i18n.domain("zh", domain), i18n.domain("en", domain)
    assert zh and sorted(zh) == sorted(en), sorted(set(zh) ^ set(en))
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_english_only_domains_hold_no_key_the_chinese_lacks():
    """English of errors and rules is in the code (the source); the catalogue adds only Chinese."""
    zh_keys = set(i18n.catalogue("zh"))
    assert sorted(set(i18n.catalogue("en")) - zh_keys) == []


def test_the_source_scan_finds_the_codes_of_every_kind_of_raise_site():
    """The scan sees domain errors, ApiError, verification errors, pydantic custom errors and tables."""
    for code in (
        "visit_closed",
        "no_face",
        "image_too_large",
        "coordinates_out_of_range",
        "not_found",
        "method_not_allowed",
        "missing_field",
        "http_error",
        "rate_limited",
    ):
        assert code in CODES, code
    assert len(CODES) >= 60


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_error_code_has_chinese_that_its_raise_sites_can_fill(code):
    text = i18n.catalogue("zh").get(f"error.{code}")
    site = CODES[code][0]
    assert text, (
        f"error code {code!r} ({site.path}:{site.line}) has no Chinese: add error.{code} to errors.po"
    )
    assert CJK.search(text), code
    for s in (s for s in CODES[code] if s.raised):
        missing = placeholders(text) - set(s.params) - {"field"}
        assert not missing, f"error.{code} uses {missing}, which {s.path}:{s.line} does not pass"


def test_every_rule_has_chinese_reasons_and_english_ones_in_its_docstring():
    zh = i18n.catalogue("zh")
    for rule in all_rules():
        english = doc_sections(rule.doc)
        for key in ("why", "look_alike"):
            assert english.get(key), f"{rule.code}: the docstring has no {key} section"
            assert CJK.search(zh.get(f"rule.{rule.code}.{key}", "")), f"rule.{rule.code}.{key} has no Chinese"
        assert f"rule.{rule.code}.hit" in zh, f"rule.{rule.code}.hit has no Chinese"


def _findings():
    for case_id, case in load_case_files():
        if case["expect"] == "quiet":
            continue
        rule = get_rule(case["rule"])
        for finding in rule.run(build_subject(case), build_context(case), case.get("params")):
            yield case_id, rule.code, finding


FINDINGS = list(_findings())


@pytest.mark.parametrize(
    ("code", "finding"), [(c, f) for _, c, f in FINDINGS], ids=[i for i, _, _ in FINDINGS]
)
def test_every_finding_of_the_rule_cases_reads_in_chinese(code, finding):
    key = f"rule.{code}.{finding.outcome}"
    assert key in i18n.catalogue("zh"), f"{key} has no Chinese"
    text = finding_message("zh", code, finding.outcome, finding.evidence, finding.message)
    assert text != finding.message and CJK.search(text), (
        f"{key} could not be filled from {dict(finding.evidence)}"
    )
    assert finding_message("en", code, finding.outcome, finding.evidence, finding.message) == finding.message


def _keys(value, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            out.add(key)
            _keys(inner, out)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, out)
    return out


def test_every_evidence_key_a_rule_writes_has_a_label_in_both_languages():
    keys = set()
    for _, _, finding in FINDINGS:
        _keys(dict(finding.evidence), keys)
    for lang in i18n.LANGUAGES:
        terms = i18n.domain(lang, "terms")
        assert sorted(k for k in keys if f"ev.{k}" not in terms) == [], lang


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_po_file_reads_and_compiles_without_errors(lang):
    for po in i18n.domain_files(lang):
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=lang)
        assert not [m for m in catalog if m.id and m.fuzzy], f"{po.name}: fuzzy entries are not served"
        errors = [(m.id, e) for m, e in catalog.check()]
        assert errors == [], errors
        write_mo(io.BytesIO(), catalog)


def test_a_placeholder_without_a_value_falls_back_to_the_source_text():
    assert i18n.text("zh", "report.local_days", {}, default="local days") == "local days"
    assert i18n.text("zh", "report.local_days", {"timezone": "Asia/Shanghai"}) == "按当地日期，Asia/Shanghai"
    assert i18n.error_message("zh", "no_such_code", "English source.") == "English source."


def test_lists_and_terms_are_written_the_languages_way():
    assert i18n.fill("zh", "{ends:@kind}", {"ends": ["check_in", "check_out"]}) == "签到、签退"
    assert i18n.fill("en", "{ends:@kind}", {"ends": ["check_in", "check_out"]}) == "Check-in, Check-out"
    assert i18n.fill("zh", "{x}", {"x": None}) == "—"


def test_every_withholding_reason_of_the_settlement_has_words_in_both_languages():
    from field_app.services import settlement

    codes = {"not_closed", "not_verified", "spot_check_not_confirmed"}
    codes |= {f"alert_{status}" for status in settlement.WITHHOLDING_STATUSES}
    source = (i18n.LOCALES.parents[1] / "services" / "settlement.py").read_text(encoding="utf-8")
    assert set(re.findall(r'"code": "(\w+)"', source)) <= codes  # the literal codes are all listed here
    for lang in i18n.LANGUAGES:
        assert sorted(c for c in codes if f"withheld.{c}" not in i18n.catalogue(lang)) == [], lang
    reason = {"code": "alert_open", "message": "Alert 7 (F01) is open."}
    assert (i18n.withheld_reason("zh", reason), i18n.withheld_reason("en", reason)) == (
        "有待审核的疑点。",
        "Alert 7 (F01) is open.",
    )


def test_every_key_the_report_template_uses_exists_in_both_languages():
    templates = i18n.LOCALES.parents[1] / "templates"
    used = set()
    for path in templates.rglob("*.html"):
        used |= set(
            re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_0-9.]+)['"]""", path.read_text(encoding="utf-8"))
        )
    assert len(used) > 30, "the scan found the report's keys"
    for lang in i18n.LANGUAGES:
        assert sorted(used - set(i18n.catalogue(lang))) == [], lang
