"""Browser tests: Playwright driving Debian's chromium (a browser download fails on these machines)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium не найден ({CHROMIUM}): установите пакет chromium (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    from tests.cnppm.factories import PASSWORD

    def _sign_in(person, password=PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("Имя пользователя или e-mail").fill(person.user.username)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()

    return _sign_in
