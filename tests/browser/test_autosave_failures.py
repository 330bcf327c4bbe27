"""Autosave that fails is said to have failed: a 500, or a redirect to the login page (an expired
session behind an old server), shows «Ответ не сохранён», the answer stays in the form, and the page
retries until the server confirms it; the database then holds the answer."""

import re

import pytest
from playwright.sync_api import expect

from diagnostics.models import Answer
from tests.diagnostics.factories import CompetenceBlockFactory, make_instrument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER_URL = re.compile(r"/answer/$")


def _start(page, sign_in, world):
    make_instrument(
        title="Диагностика с обрывами связи", blocks=[CompetenceBlockFactory(name="Блок", order=1)]
    )
    sign_in(world["teacher"])
    page.get_by_role("link", name="Перейти к работе «Диагностика с обрывами связи»").click()
    page.get_by_role("button", name="Начать").click()
    expect(page.get_by_text("Вопрос 1 из")).to_be_visible()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "content_type": "text/html", "body": "<h1>Ошибка сервера</h1>"},
        {"status": 302, "headers": {"Location": "/accounts/login/?next=/"}},
    ],
    ids=["server-error", "redirect-to-login"],
)
def test_failed_autosave_is_shown_and_retried(page, sign_in, world, failure):
    _start(page, sign_in, world)
    failures = {"left": 2}

    def flaky(route):
        if route.request.method == "POST" and failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(**failure)
        else:
            route.continue_()

    page.route(ANSWER_URL, flaky)
    page.get_by_label("2) Окисление").check()
    status = page.locator("#save-status")
    expect(status).to_contain_text("Ответ не сохранён")
    expect(status).not_to_contain_text("Ответ сохранён в")
    expect(page.get_by_label("2) Окисление")).to_be_checked()
    assert not Answer.objects.exists()
    # Retries on their own (2 s, then 4 s) and succeeds once the server answers.
    expect(status).to_contain_text("Ответ сохранён", timeout=15000)
    assert failures["left"] == 0
    assert Answer.objects.count() == 1
    expect(page.get_by_role("link", name="1 (есть ответ)")).to_be_visible()


def test_expired_session_says_so_and_saves_after_signing_in_again(page, sign_in, world):
    _start(page, sign_in, world)
    page.context.clear_cookies(name="sessionid")  # the session expired; the CSRF cookie stays
    page.get_by_label("2) Окисление").check()
    status = page.locator("#save-status")
    expect(status).to_contain_text("Ответ не сохранён: сессия истекла")
    expect(page.get_by_role("button", name="Повторить сейчас")).to_be_visible()
    # Signing in again (another tab shares the cookies); the next retry then saves the kept answer.
    other = page.context.new_page()
    other.goto("/accounts/login/")
    other.get_by_label("Имя пользователя или e-mail").fill("teacher")
    other.get_by_label("Пароль").fill("test-pass-123")
    other.get_by_role("button", name="Войти").click()
    other.wait_for_url(re.compile(r"/cabinet/"))
    other.close()
    expect(status).to_contain_text("Ответ сохранён", timeout=20000)
    assert Answer.objects.count() == 1
