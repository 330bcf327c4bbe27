"""Every page of every role, at 390, 1 280 and 1 920 px, with axe-core.

The demo region (`seed_demo`) is the data: it has every role, routes in every state, attempts,
reports. A real server runs on it (the SQLite default, as `make run` serves it) and each role crawls
the pages its menu and pages link to, one page per view name. On every page and width it fails when
the document is wider than the window, when a visible control lies outside the window and outside
any scrolling box (a table in `.table-responsive` scrolls inside its box: that is reachable), when a
link answers an error, and when axe-core reports a serious or critical violation. Screenshots go to
`test-artifacts/screens/<role>/` (or $SCREENSHOT_DIR), kept as the run's artefacts.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest
from django.urls import Resolver404, resolve

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo12345"
ROLES = (
    "teacher1",
    "mentor1",
    "head1",
    "mm1",
    "curator1",
    "tutor1",
    "expert1",
    "methodist1",
    "operator",
    "ministry",
    "federal",
)
WIDTHS = (390, 1280, 1920)
MAX_PAGES = int(os.environ.get("CRAWL_MAX_PAGES", "80"))
# Downloads, the admin, the API and anything that acts on GET are not pages to look at.
SKIP = re.compile(
    r"(/logout|/admin/|/api/|/static/|/media/|/download|\.pdf|/pdf/|\.xlsx|/xlsx/|\.zip|\.xml|\.txt|/export|/template"
    r"|/accounts/|/health/|/files/)"
)

LAYOUT_JS = """
() => {
  const width = window.innerWidth;
  const clipped = [];
  const scrollsInside = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p.scrollWidth > p.clientWidth) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if ((r.right > width + 1 || r.left < -1) && !scrollsInside(el)) {
      clipped.push(el.outerHTML.slice(0, 140));
    }
  }
  return {document: document.documentElement.scrollWidth, window: width, clipped: clipped.slice(0, 5)};
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """The demo region on the SQLite default, served by `runserver` in a subprocess."""
    base = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(base / "db.sqlite3"),
        MEDIA_ROOT=str(base / "media"),
        PRIVATE_MEDIA_ROOT=str(base / "private_media"),
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="cnppm.settings",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--teachers", "12"]):
        done = subprocess.run([*manage, *command], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode:
            pytest.fail(f"manage.py {command[0]} не удался:\n{done.stderr[-3000:]}")
    port = _free_port()
    log = open(base / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Имя пользователя или e-mail").fill(username)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/consent/" in page.url:
        page.locator("input[type=checkbox]").first.check()
        page.get_by_role("button", name="Подтвердить согласие").click()
        page.wait_for_load_state()


def _view_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        href, _ = urldefrag(href)
        parsed = urlparse(href)
        if f"{parsed.scheme}://{parsed.netloc}" != origin or SKIP.search(parsed.path):
            continue
        found.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    return found


def _screens_dir(role: str) -> Path:
    base = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts" / "screens"))
    path = base / role
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_and_is_accessible(role, demo_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(
        base_url=demo_server, locale="ru-RU", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    axe = Axe()
    screens = _screens_dir(role)
    failures: list[str] = []
    try:
        _sign_in(page, role)
        assert "/accounts/login/" not in page.url, f"{role}: вход не удался"
        queue, seen_views, visited = [page.url.replace(demo_server, "")], set(), []
        while queue and len(visited) < MAX_PAGES:
            path = queue.pop(0)
            view = _view_name(path.split("?")[0])
            key = (view, "?" in path) if view else path
            if key in seen_views:
                continue
            seen_views.add(key)
            response = page.goto(path)
            if response is None or response.status >= 400:
                failures.append(f"{path}: ответ {response.status if response else 'нет'}")
                continue
            visited.append(path)
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                layout = page.evaluate(LAYOUT_JS)
                if layout["document"] > layout["window"] + 1:
                    failures.append(f"{path} @ {width}px: документ шире окна ({layout['document']} px)")
                for html in layout["clipped"]:
                    failures.append(f"{path} @ {width}px: элемент вне окна: {html}")
                page.screenshot(
                    path=str(screens / f"{slug}-{width}.jpg"), full_page=True, type="jpeg", quality=60
                )
            page.set_viewport_size({"width": 1280, "height": 900})
            result = axe.run(page)
            for violation in result.response["violations"]:
                if violation["impact"] in {"serious", "critical"}:
                    targets = ", ".join(str(n["target"]) for n in violation["nodes"][:3])
                    failures.append(f"{path}: axe {violation['id']} ({violation['impact']}): {targets}")
            queue.extend(link for link in _links(page, demo_server) if link not in visited)
        assert len(visited) >= 3, f"{role}: обойдено слишком мало страниц: {visited}"
    finally:
        context.close()
    assert not failures, f"{role}: {len(failures)} нарушений на {len(visited)} страницах:\n" + "\n".join(
        failures
    )
