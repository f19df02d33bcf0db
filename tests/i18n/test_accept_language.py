"""``Accept-Language`` picks the language of every message; the codes never change with it.

The first test answers every error code the source can raise through the app's real error handler, as
the kind of error its raise site makes (domain error or ApiError) with its params; the others drive
real endpoints."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from field_app import errors, i18n
from field_app.i18n.sources import error_codes
from tests import factories as f
from tests.review import alert, visit

CJK = re.compile(r"[\u4e00-\u9fff]")
CODES = error_codes()
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def raising_app(app):
    """The app with one extra route that raises the error named in the path with the params of its first
    raise site (the handler translates by code, whatever the error's kind)."""

    def raise_code(code: str):
        site = next((s for s in CODES[code] if s.raised), CODES[code][0])
        params = {name: 7 for name in site.params}
        english = (site.english or f"English text of {code}.").replace("{…}", "7")
        raise errors.Invalid(code, english, "some_field", **params)

    app.add_url_rule("/_i18n/<code>", "raise_code", raise_code)
    return app


@pytest.mark.parametrize("code", sorted(CODES))
def test_zh_cn_gets_chinese_for_every_error_code_and_en_gets_the_source(raising_app, code):
    client = raising_app.test_client()
    zh = client.get(f"/_i18n/{code}", headers=ZH).get_json()["error"]
    en = client.get(f"/_i18n/{code}", headers=EN).get_json()["error"]
    assert zh["code"] == en["code"] == code and zh["field"] == en["field"] == "some_field"
    assert CJK.search(zh["message"]), zh
    assert not CJK.search(en["message"]) and en["message"] != zh["message"]


@pytest.mark.parametrize(
    "code", sorted(c for c in CODES if c in {"visit_closed", "rate_limited", "not_found"})
)
def test_domain_errors_are_translated_by_code_with_their_params(app, code):
    kinds = {"visit_closed": errors.Conflict, "rate_limited": errors.TooMany, "not_found": errors.NotFound}

    def raise_domain():
        raise kinds[code](code, "English {retry_after_seconds} s.", None, retry_after_seconds=30)

    app.add_url_rule("/_domain", "raise_domain", raise_domain)
    body = app.test_client().get("/_domain", headers=ZH).get_json()
    assert body["error"]["code"] == code and CJK.search(body["error"]["message"])
    if code == "rate_limited":
        assert "30" in body["error"]["message"]


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("zh-CN", "zh"),
        ("zh-Hans-CN,zh;q=0.9", "zh"),
        ("zh-TW", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr-FR", "zh"),
        ("*", "zh"),
        ("de;q=0.9, zh;q=0.2, en;q=0.1", "zh"),
    ],
)
def test_the_language_follows_accept_language_with_chinese_by_default(app, header, lang):
    headers = {"Accept-Language": header} if header else {}
    body = app.test_client().get("/api/v1/no-such-endpoint", headers=headers).get_json()
    assert body["error"]["code"] == "not_found"
    assert bool(CJK.search(body["error"]["message"])) == (lang == "zh")


def test_real_requests_answer_in_the_asked_language(app):
    client = app.test_client()
    cases = [
        (
            "post",
            "/api/v1/auth/sign-in",
            {"data": "{", "content_type": "application/json"},
            400,
            "malformed_json",
        ),
        ("post", "/api/v1/auth/sign-in", {"json": {}}, 422, "missing_field"),
        (
            "post",
            "/api/v1/auth/sign-in",
            {"json": {"username": "x", "password": "y"}},
            401,
            "invalid_credentials",
        ),
        ("put", "/api/v1/auth/sign-in", {}, 405, "method_not_allowed"),
        ("get", "/api/v1/alerts", {}, 401, "authentication_required"),
    ]
    for method, path, kw, status, code in cases:
        zh = getattr(client, method)(path, headers=ZH, **kw)
        en = getattr(client, method)(path, headers=EN, **kw)
        assert zh.status_code == en.status_code == status, (path, zh.get_json())
        assert zh.get_json()["error"]["code"] == en.get_json()["error"]["code"] == code
        assert CJK.search(zh.get_json()["error"]["message"]) and not CJK.search(
            en.get_json()["error"]["message"]
        )
    missing = client.post("/api/v1/auth/sign-in", json={"username": "x"}, headers=ZH).get_json()["error"]
    assert missing["message"] == "缺少必填项：password。" and missing["field"] == "password"


def test_an_alert_reads_in_the_asked_language_with_its_reasons(app, client, rw, as_):
    vid = visit(app, rw.A, "v-i18n-1")
    with app.app_context():
        from field_app.extensions import db
        from field_app.models import Alert

        aid = alert(app, rw.A.agency, rule="T02", visit_ids=(vid,))
        row = db.session.get(Alert, aid)
        row.message = "The visit lasted 300 min, more than the 240 min limit."
        row.evidence = {"duration_minutes": 300.0, "max_minutes": 240}
        db.session.commit()
    as_("supervisor_A")
    zh = client.get(f"/api/v1/alerts/{aid}", headers=ZH).get_json()
    en = client.get(f"/api/v1/alerts/{aid}", headers=EN).get_json()
    assert zh["rule_code"] == en["rule_code"] == "T02" and zh["status"] == en["status"] == "open"
    assert zh["message"] == "服务时长 300 分钟，超过上限 240 分钟。"
    assert en["message"] == "The visit lasted 300 min, more than the 240 min limit."
    assert (zh["title"], en["title"]) == (zh["title_zh"], en["title_en"]) and CJK.search(zh["title"])
    assert CJK.search(zh["explanation"]["why"]) and CJK.search(zh["explanation"]["look_alike"])
    assert en["explanation"]["why"].startswith("home-care visits are an hour or two")
    listed = client.get("/api/v1/alerts", headers=ZH).get_json()["items"]
    assert [a["message"] for a in listed if a["id"] == aid] == [zh["message"]]
    replay = client.get("/api/v1/visits/v-i18n-1/replay", headers=ZH).get_json()
    assert [e["message"] for e in replay["timeline"] if e["type"] == "alert"] == [zh["message"]]


def test_the_catalogue_has_every_outcome_word_and_retake_hint():
    from field_app.rules import facts

    for lang in i18n.LANGUAGES:
        table = i18n.catalogue(lang)
        for status in (facts.FACE_MATCHED, facts.FACE_MISMATCH, *facts.FACE_UNUSABLE):
            assert f"verification.face.{status}" in table, status
        for status in (facts.FACE_MISMATCH, *facts.FACE_UNUSABLE):
            assert f"hint.face.{status}" in table, status
        for status in (facts.INSIDE, facts.OUTSIDE, facts.UNCERTAIN):
            assert f"verification.fence.{status}" in table, status
        assert f"hint.fence.{facts.OUTSIDE}" in table and f"hint.fence.{facts.UNCERTAIN}" in table


def test_a_check_in_answer_says_its_outcome_and_retake_hint_in_chinese(app):
    """A real check-in (the real face engine on a real photo) answered in Chinese, then read in English."""
    client = app.test_client()
    w = f.world(app, client)
    now = datetime.now(UTC).replace(microsecond=0)
    far = {"lat": 30.7612, "lng": 120.7685}  # ~1.2 km from the Jiaxing home: outside the fence
    body = f.attempt_body(w, "att-i18n-1", f.photo("obama", 1), now, **far)
    resp = client.post("/api/v1/visits/visit-i18n/check-in", headers=ZH, json=body)
    body = resp.get_json()
    assert resp.status_code in (200, 201), body
    face, fence = body["attempt"]["face"], body["attempt"]["geofence"]
    assert face["status"] == "matched" and face["message"] == "人脸比对通过。" and face["hint"] is None
    assert fence["status"] == "outside" and fence["message"] == "定位不在服务地址范围内。"
    assert fence["hint"] == "请到参保人家中后重新打卡。"
    again = client.get("/api/v1/visits/visit-i18n", headers=EN).get_json()["attempts"][0]
    assert again["face"]["message"] == "The face matched." and again["geofence"]["status"] == "outside"


def test_the_monthly_report_is_chinese_by_default_and_english_when_asked(app, client, rw, as_):
    as_("supervisor_A")
    zh = client.get(f"/api/v1/reports/agencies/{rw.A.agency}/monthly?month=2026-11", headers=ZH)
    en = client.get(f"/api/v1/reports/agencies/{rw.A.agency}/monthly?month=2026-11", headers=EN)
    zh_html, en_html = zh.get_data(as_text=True), en.get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh_html and "<h1>月度督查报告</h1>" in zh_html
    assert '<html lang="en">' in en_html and "<h1>Monthly supervision report</h1>" in en_html
    headings = re.findall(r"<(?:h1|h2|th)>([^<]*)</(?:h1|h2|th)>", zh_html)
    assert headings and [h for h in headings if not CJK.search(h)] == []
    assert not CJK.search(re.sub(r"<td>[^<]*</td>", "", en_html.split("<body>")[1]))


def test_api_answers_name_their_language_and_vary_on_accept_language(app):
    client = app.test_client()
    zh = client.get("/api/v1/no-such-endpoint", headers=ZH)
    en = client.get("/api/v1/no-such-endpoint", headers={"Accept-Language": "en-GB"})
    assert (zh.headers["Content-Language"], en.headers["Content-Language"]) == ("zh-CN", "en")
    assert "Accept-Language" in zh.headers["Vary"] and "Accept-Language" in en.headers["Vary"]
