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


SHOT_WIDTHS = (390, 1280, 1920)


@pytest.fixture
def shots(page, request):
    """`shots(name)`: the current screen at 390, 1 280 and 1 920 px, each saved as a full-page PNG
    to $SCREENSHOT_DIR (default test-artifacts/screens/journeys/), failing when the document is
    wider than the window at any width; the window is back at 1 280 px afterwards."""
    from pathlib import Path

    folder = Path(os.environ.get("SCREENSHOT_DIR") or "test-artifacts/screens/journeys")
    folder.mkdir(parents=True, exist_ok=True)
    prefix = request.node.name.removeprefix("test_")

    def _shots(name: str) -> None:
        for width in SHOT_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)  # let the layout settle after the resize
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            page.screenshot(
                path=str(folder / f"{prefix}-{name}-{width}.jpg"), full_page=True, type="jpeg", quality=60
            )
            assert scroll <= inner, f"«{name}» на {width} px: ширина документа {scroll} px > окна {inner} px"
        page.set_viewport_size({"width": 1280, "height": 900})

    return _shots
