"""Under the Content-Security-Policy every role's pages still work in chromium: each role opens its
cabinet and every page of its navigation, the operator opens the API docs, and the browser reports
no policy violation at all (neither in the console nor as a securitypolicyviolation event)."""

import pytest

from cnppm.navigation import items_for
from tests.helpers import ALL_ROLES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = [r for r in ALL_ROLES if r != "anonymous"]
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def _watch(page):
    console = []
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return console


def _violations(page, console, url):
    events = page.evaluate("window.__cspViolations || []")
    return [f"{url}: {v}" for v in [*events, *console]]


def _nav_urls(person) -> list[str]:
    urls = []
    for item in items_for(person.user, current_path="/"):
        for entry in [item, *(getattr(item, "children", None) or [])]:
            url = getattr(entry, "url", None)
            if url and url.startswith("/") and url not in urls:
                urls.append(url)
    return urls


def test_login_page_has_no_violation(page):
    console = _watch(page)
    page.goto("/accounts/login/")
    assert page.get_by_role("button", name="Войти").is_visible()
    assert not _violations(page, console, "/accounts/login/")


def test_the_watch_sees_a_violation(page):
    """The check can fail: an outside image and an inline handler on a portal page are reported."""
    console = _watch(page)
    page.goto("/accounts/login/")
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
        '<img src="https://example.invalid/x.png"><div onclick="x()" style="color:red">x</div>')"""
    )
    page.wait_for_timeout(500)
    found = _violations(page, console, "/accounts/login/")
    assert any("img-src" in v for v in found), found


@pytest.mark.parametrize("role", ROLES)
def test_every_role_pages_run_without_csp_violation(page, sign_in, world, role):
    from playwright.sync_api import expect

    console = _watch(page)
    sign_in(world[role])
    expect(page.get_by_role("heading", name="Личный кабинет")).to_be_visible()
    found = _violations(page, console, "/cabinet/")
    urls = _nav_urls(world[role])
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
        found += _violations(page, console, url)
        console.clear()
    # The menu opens (Bootstrap's script runs under the policy).
    page.goto("/cabinet/")
    page.set_viewport_size({"width": 390, "height": 800})
    page.get_by_role("button", name="Показать меню").click()
    expect(page.locator("#mainnav")).to_be_visible()
    found += _violations(page, console, "/cabinet/ (menu)")
    assert not found, "\n".join(found)


def test_api_docs_render_under_the_policy(page, sign_in, world, live_server):
    from playwright.sync_api import expect

    console = _watch(page)
    outside = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url))
    sign_in(world["operator"])
    page.goto("/api/docs/")
    # Swagger UI parses the whole schema first: slow on a busy two-core machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API портала ЦНППМ", timeout=60000)
    # Swagger UI draws the first operations at once and the rest later: check that operations are
    # drawn from the schema (the first path), not a particular one further down.
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/v1/", timeout=30000)
    assert not _violations(page, console, "/api/docs/")
    # Every asset from the portal itself (vendored Swagger UI, no CDN).
    assert not outside, outside


def test_admin_and_account_pages_run_without_csp_violation(page, sign_in, world):
    user = world["operator"].user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    console = _watch(page)
    sign_in(world["operator"])
    found = []
    for url in [
        "/admin/",
        "/admin/cnppm/person/",
        f"/admin/cnppm/person/{world['teacher'].pk}/change/",
        "/accounts/password/change/",
        "/cabinet/profile/",
        "/notifications/",
    ]:
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
        found += _violations(page, console, url)
        console.clear()
    assert not found, "\n".join(found)
