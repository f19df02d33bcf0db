"""The review console in a real browser (Debian's Chromium, headless, 1280x800) against the live app.

The path the issue asks for — sign in, filter the queue, open an alert, replay its trail, confirm it
with a second reviewer, see the audit trail — is ``test_two_supervisors_confirm_an_alert``; the others
cover bulk dismissal, the replay's keyboard use and datums, spot checks, the dashboard, the selfie,
languages and refusals. Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from hashlib import sha256

import pytest
from sqlalchemy import select

from field_app.extensions import db
from field_app.geodesy import haversine_m
from field_app.models import Alert, ApiToken, AuditEntry
from tests import factories as f
from tests.e2e.conftest import LiveServer, e2e_app

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)"
)
expect = sync_api.expect
pytestmark = pytest.mark.slow
REASON_START = "轨迹离开服务地址约 20 分钟，开始核实"
IGNORED_CONSOLE = ("Failed to load resource",)  # the 401/404 answers a test provokes on purpose


def no_script_errors(page) -> None:
    errors = [e for e in page.errors if not e.startswith(IGNORED_CONSOLE)]
    assert errors == [], errors


def sign_in(page, server, username: str, next_path: str = "") -> None:
    """Sign in through the page; lands on the alert queue (or the page the sign-in was asked from)."""
    if not page.url.startswith(f"{server.url}/console/sign-in"):
        page.goto(f"{server.url}/console/sign-in{next_path}")
    page.get_by_label(re.compile("用户名|Username")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(f.PASSWORD)
    page.locator("#sign-in-submit").click()
    page.wait_for_url(re.compile(r"/console/(?!sign-in)"))


def queue_rows(page):
    return page.locator("#queue tbody tr[data-alert-id]")


def test_a_wrong_password_is_refused_with_a_message(new_page, live_server, screenshot):
    page = new_page()
    page.goto(f"{live_server.url}/console/")
    page.wait_for_url(re.compile(r"/console/sign-in\?next="))  # the queue sends a signed-out visitor here
    page.get_by_label("用户名").fill("sup-wang")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#error")).to_contain_text("用户名或密码错误")
    screenshot(page, "01-sign-in-wrong-password")
    no_script_errors(page)


def test_the_queue_filters_by_rule_and_its_rows_are_reached_by_tab(new_page, live_server, world, screenshot):
    page = new_page()
    sign_in(page, live_server, "sup-wang")
    expect(queue_rows(page).first).to_be_visible()
    expect(page.locator("#summary")).to_contain_text("条疑点")
    codes = page.locator("#queue tbody .rule-link .code").all_inner_texts()
    assert {"G01", "G02", "T03"} <= set(codes)
    scores = [int(s) for s in page.locator("#queue tbody .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True), "risk sort: highest score first"
    screenshot(page, "02-queue")

    page.get_by_label("规则").select_option("G02")
    page.get_by_role("button", name="查询").click()
    expect(queue_rows(page)).to_have_count(1)
    assert "rule=G02" in page.url
    expect(page.locator("#queue tbody .rule-link .code")).to_have_text("G02")

    page.locator("#select-all").focus()
    page.keyboard.press("Tab")  # the row's checkbox
    page.keyboard.press("Tab")  # the row's link to the alert
    expect(page.locator("#queue tbody .rule-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/console/alerts/{world.alerts['G02']}$"))
    no_script_errors(page)


def test_two_supervisors_confirm_an_alert(new_page, live_server, world, app, screenshot):
    """Sign in, filter, open the alert, replay its trail, propose; a second supervisor confirms; audit trail."""
    alert_id = world.alerts["G02"]
    wang = new_page()
    sign_in(wang, live_server, "sup-wang")
    wang.get_by_label("规则").select_option("G02")
    wang.get_by_role("button", name="查询").click()
    expect(queue_rows(wang)).to_have_count(1)
    wang.locator("#queue tbody .rule-link").click()

    # The alert: evidence in words and numbers, its visit.
    wang.wait_for_url(re.compile(rf"/console/alerts/{alert_id}$"))
    # The finding in the page's language (the console asks the API with Accept-Language), with the
    # rule's reasons beside it.
    expect(wang.locator("#alert-message")).to_contain_text("服务轨迹在电子围栏外停留")
    expect(wang.locator("#alert-explanation")).to_contain_text("为何关注")
    expect(wang.locator("#alert-explanation")).to_contain_text("容易混淆的正常情况")
    expect(wang.locator("#evidence-table")).to_contain_text("围栏外时长")
    expect(wang.locator("#visits-table")).to_contain_text(world.trail_visit)
    expect(wang.locator(".attempt")).to_have_count(2)
    screenshot(wang, "03-alert-detail")

    # The replay: no tiles configured, so WGS-84 on a blank background with a scale bar.
    with wang.expect_response(lambda r: "/replay" in r.url and "/api/v1/" in r.url) as answer:
        wang.get_by_role("link", name=re.compile("回放服务记录")).click()
    assert "datum=WGS84" in answer.value.url
    expect(wang.locator("#replay-heading")).to_have_attribute("data-loaded", "true")
    expect(wang.locator(".leaflet-control-scale-line")).to_be_visible()
    expect(wang.locator("#datum-note")).to_contain_text("未配置底图")
    assert wang.locator("path.fix-outside").count() >= 8, "the fixes outside the fence are highlighted"
    assert wang.locator("#timeline li.tl-outside").count() >= 8
    slider = wang.get_by_label(re.compile("回放时间"))
    slider.fill("0")
    wang.get_by_role("button", name=re.compile("播放")).click()
    wang.wait_for_timeout(800)
    wang.get_by_role("button", name=re.compile("暂停")).click()
    assert int(slider.input_value()) > 0, "playing moves the slider on"
    slider.fill(str(28 * 60))  # the far end of the walk
    expect(wang.locator("#timeline li[aria-current]")).to_contain_text("围栏外")
    screenshot(wang, "04-replay")

    # First review: start, then propose a confirmation; the proposer cannot confirm.
    wang.get_by_role("link", name=re.compile("返回疑点")).click()
    wang.wait_for_url(re.compile(rf"/console/alerts/{alert_id}$"))
    reason = wang.get_by_label("理由（必填）")
    reason.fill(REASON_START)
    wang.get_by_role("button", name="开始审核").click()
    expect(wang.locator("#review-state")).to_contain_text("审核中")
    reason.fill("离开时长超过限值，建议确认违规")
    wang.get_by_role("button", name="初审：建议确认").click()
    expect(wang.locator("#review-state")).to_contain_text("待复核")
    expect(wang.get_by_role("button", name="复核：确认违规")).to_be_disabled()
    expect(wang.locator("#second-reviewer-note")).to_be_visible()
    screenshot(wang, "05-awaiting-second-review")
    access_token = wang.evaluate(
        "() => JSON.parse(sessionStorage.getItem('field_app.console.session')).access_token"
    )
    wang.get_by_role("button", name="退出登录").click()
    wang.wait_for_url(re.compile(r"/console/sign-in\?signed_out=1"))
    expect(wang.locator("#status")).to_contain_text("已退出登录")

    # The second supervisor follows a link to the alert, signs in, and confirms.
    li = new_page()
    li.goto(f"{live_server.url}/console/alerts/{alert_id}")
    li.wait_for_url(re.compile(r"/console/sign-in\?next="))
    sign_in(li, live_server, "sup-li")
    li.wait_for_url(re.compile(rf"/console/alerts/{alert_id}$"))
    li.get_by_label("理由（必填）").fill("复核轨迹与时长，同意确认")
    li.get_by_role("button", name="复核：确认违规").click()
    expect(li.locator("#review-state")).to_contain_text("已确认违规")
    audit = li.locator("#audit-table tbody tr")
    expect(audit).to_have_count(3)
    expect(audit.nth(0)).to_contain_text(REASON_START)
    expect(audit.nth(1)).to_contain_text("初审：建议确认")
    expect(audit.nth(2)).to_contain_text("sup-li")
    expect(audit.nth(2)).to_contain_text("待复核 → 已确认违规")
    li.locator("#audit-heading").scroll_into_view_if_needed()
    screenshot(li, "06-confirmed-audit-trail")
    screenshot(li, "06b-confirmed-alert-full", full_page=True)
    no_script_errors(wang)
    no_script_errors(li)

    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert (alert.status, alert.decided_by_id, alert.first_reviewer_id) == (
            "confirmed",
            world.users["sup-li"],
            world.users["sup-wang"],
        )
        token = db.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == sha256(access_token.encode()).hexdigest())
        )
        assert token.revoked_at is not None, "signing out revokes the token"


def test_bulk_dismiss_needs_a_reason(new_page, live_server, world, app, screenshot):
    page = new_page()
    sign_in(page, live_server, "sup-wang")
    targets = [world.alerts["G01"], world.alerts["T03"]]
    for alert_id in targets:
        page.locator(f'#queue tbody tr[data-alert-id="{alert_id}"] input[type=checkbox]').check()
    expect(page.locator("#bulk-count")).to_have_text("已选 2 条")
    button = page.get_by_role("button", name="批量驳回所选")
    expect(button).to_be_disabled()
    page.get_by_label(re.compile("驳回理由")).fill("机构已说明：当日住址变更，登记滞后")
    expect(button).to_be_enabled()
    screenshot(page, "07-bulk-dismiss")
    button.click()
    expect(page.locator("#status")).to_contain_text("已驳回 2 条疑点")
    for alert_id in targets:
        expect(page.locator(f'#queue tbody tr[data-alert-id="{alert_id}"]')).to_have_count(0)
    no_script_errors(page)
    with app.app_context():
        assert {db.session.get(Alert, i).status for i in targets} == {"dismissed"}


def test_the_replay_is_driven_by_keyboard(new_page, live_server, world, screenshot):
    page = new_page()
    sign_in(page, live_server, "aud-zhao", f"?next=/console/visits/{world.trail_visit}/replay")
    page.wait_for_url(re.compile(r"/replay$"))
    expect(page.locator("#replay-heading")).to_have_attribute("data-loaded", "true")
    slider = page.get_by_label(re.compile("回放时间"))
    slider.focus()
    current = page.locator("#timeline li[aria-current]")
    page.keyboard.press("Home")
    expect(current).to_contain_text("09:00:00")
    expect(page.locator("#timeline li").first).to_contain_text("签到尝试")
    page.keyboard.press("ArrowRight")  # the next event: the first fix of the trail
    expect(current).to_contain_text("09:02:00 定位")
    page.keyboard.press("ArrowLeft")
    expect(current).to_contain_text("09:00:00")
    before = slider.get_attribute("aria-valuetext")
    page.keyboard.press("PageUp")
    assert slider.get_attribute("aria-valuetext") != before
    page.keyboard.press("End")
    expect(page.locator("#timeline li[aria-current]")).to_contain_text(re.compile("签退|疑点"))
    page.locator("#timeline li.tl-outside button").nth(3).click()  # a timeline entry seeks the replay
    expect(slider).to_be_focused()
    expect(page.locator("#timeline li[aria-current]")).to_contain_text("围栏外")
    screenshot(page, "08-replay-keyboard")
    no_script_errors(page)


def test_the_replay_draws_in_gcj02_over_gcj02_tiles(new_page, database_url, world, tile_server, screenshot):
    """With Chinese (GCJ-02) tiles configured the page asks the replay for GCJ-02 and draws on the tiles."""
    app = e2e_app(
        database_url,
        MAP_TILE_URL=f"{tile_server.url}/{{z}}/{{x}}/{{y}}.png",
        MAP_TILE_DATUM="GCJ02",
        MAP_TILE_ATTRIBUTION="Test tiles",
    )
    server = LiveServer(app)
    try:
        page = new_page()
        sign_in(page, server, "aud-zhao")
        with page.expect_response(lambda r: "/api/v1/visits/" in r.url and "/replay" in r.url) as answer:
            page.goto(f"{server.url}/console/visits/{world.trail_visit}/replay")
        assert "datum=GCJ02" in answer.value.url
        body = answer.value.json()
        assert body["map"]["datum"] == "GCJ02"
        home = next(x for x in body["map"]["features"] if x["properties"]["kind"] == "home")
        lng, lat = home["geometry"]["coordinates"]
        assert 300 < haversine_m(lat, lng, *f.HOME) < 700, (
            "GCJ-02 is shifted by hundreds of metres in Jiaxing"
        )
        expect(page.locator("#replay-heading")).to_have_attribute("data-loaded", "true")
        expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
        assert tile_server.requests, "the tiles came from the configured URL"
        expect(page.locator("#datum-note")).to_contain_text("GCJ-02")
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("Test tiles")
        screenshot(page, "09-replay-gcj02-tiles")
        no_script_errors(page)
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_auditor_draws_a_spot_check_and_records_an_outcome(new_page, live_server, world, screenshot):
    page = new_page()
    sign_in(page, live_server, "aud-zhao")
    page.get_by_role("link", name="抽查").click()
    day = page.evaluate(
        "() => { const d = new Date(Date.now() - 86400000); "
        "return d.toLocaleDateString('en-CA', {timeZone: 'Asia/Shanghai'}); }"
    )
    page.get_by_label("服务起始日").fill(day)
    page.get_by_label("服务截止日").fill(day)
    page.get_by_label("简单随机").check()
    page.get_by_label("样本量").fill("3")
    page.get_by_label("随机种子").fill("42")
    page.get_by_role("button", name="抽取").click()
    page.wait_for_url(re.compile(r"/console/spot-checks/\d+$"))
    rows = page.locator("#items tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#spot-progress")).to_have_text("已核查 0 / 3")
    page.get_by_label("第 1 条的核查结果").select_option("not_confirmed")
    page.get_by_label("第 1 条的核查方式").select_option("phone")
    page.get_by_label("第 1 条的备注").fill("家属称当天无人上门")
    page.get_by_role("button", name="保存第 1 条").click()
    expect(page.locator("#spot-progress")).to_have_text("已核查 1 / 3")
    expect(rows.nth(0)).to_contain_text("服务不属实")
    screenshot(page, "10-spot-check")
    no_script_errors(page)


def test_the_dashboard_draws_its_charts(new_page, live_server, world, screenshot):
    page = new_page()
    sign_in(page, live_server, "sup-li")
    page.get_by_role("link", name="驾驶舱").click()
    expect(page.locator("#kpi-visits .kpi-value")).to_have_text("3")
    assert page.locator("#chart-visits svg rect").count() >= 1
    assert page.locator("#chart-rules svg rect").count() >= 3
    expect(page.locator("#chart-status svg")).to_be_visible()
    screenshot(page, "11-dashboard", full_page=True)
    no_script_errors(page)


def test_an_auditor_sees_a_kept_selfie_on_request_and_the_read_is_audited(
    new_page, live_server, world, app, screenshot
):
    page = new_page()
    sign_in(page, live_server, "aud-zhao", f"?next=/console/alerts/{world.alerts['G02']}")
    page.wait_for_url(re.compile(r"/console/alerts/\d+$"))
    expect(page.get_by_label("理由（必填）")).to_be_hidden()  # auditors comment, supervisors decide
    expect(page.locator("#review-note")).to_contain_text("稽核人员")
    page.get_by_role("button", name="查看自拍").first.click()
    selfie = page.locator("img.selfie")
    expect(selfie).to_be_visible()
    assert page.evaluate("() => document.querySelector('img.selfie').naturalWidth") > 0
    page.get_by_label("添加评论").fill("已调阅签到自拍，人像与登记一致")
    page.get_by_role("button", name="发表评论").click()
    expect(page.locator("#comments")).to_contain_text("已调阅签到自拍")
    selfie.scroll_into_view_if_needed()
    screenshot(page, "12-selfie-and-comment")
    no_script_errors(page)
    with app.app_context():
        reads = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "selfie.read")).all()
        assert [r.actor for r in reads] == [f"user:{world.users['aud-zhao']}"]


def test_the_interface_switches_to_english(new_page, live_server, world, screenshot):
    page = new_page()
    sign_in(page, live_server, "sup-wang")
    page.get_by_label("规则").select_option("G02")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert queue")
    assert "rule=G02" in page.url, "switching language keeps the filters"
    expect(page.get_by_label("Rule")).to_have_value("G02")
    page.get_by_role("button", name=re.compile("Confirmed")).click()  # a status chip
    expect(page.locator("#queue tbody .rule-link .code")).to_have_text("G02")
    expect(page.locator("#queue tbody .chip")).to_have_text("Confirmed")
    screenshot(page, "13-queue-english")
    page.locator("#queue tbody .rule-link").click()
    expect(page.locator("#audit-table")).to_contain_text("Confirm (second review)")
    expect(page.locator("#alert-message")).to_contain_text("The trail stayed outside the fence")
    expect(page.locator("#alert-explanation")).to_contain_text("Legitimate look-alike")
    no_script_errors(page)


@pytest.mark.parametrize("username", ["cg-e2e", "fam-e2e"])
def test_caregivers_and_families_are_turned_away(new_page, live_server, world, app, username):
    """A caregiver is refused by the API (no phone); a family member is signed in, told, and signed out."""
    page = new_page()
    page.goto(f"{live_server.url}/console/sign-in")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(f.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#error")).to_contain_text("仅供监管员")
    assert page.evaluate("() => sessionStorage.length") == 0
    with app.app_context():
        tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == world.users[username])).all()
        assert all(t.revoked_at is not None for t in tokens)
        assert bool(tokens) == (username == "fam-e2e")


def test_the_api_reference_renders_in_a_browser_from_the_apps_own_files(new_page, live_server, screenshot):
    """Redoc draws the spec (an operation and its error codes are on the page) and every request the
    page makes goes to the app itself: no CDN, no fonts from elsewhere."""
    page = new_page("en-US")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    heading = page.locator("h2", has_text="Check in at the client's home (selfie + GPS)")
    expect(heading).to_be_visible(timeout=30_000)
    expect(page.get_by_text("attempt_id_reused").first).to_be_attached()
    screenshot(page, "api-reference")
    foreign = [url for url in requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert requested and foreign == [], foreign
    no_script_errors(page)
