"""A teacher signs in through chromium, accepts the personal-data consent and opens the cabinet."""

import pytest

from cnppm.choices import Role
from cnppm.models import Consent, ConsentDocument, Region
from tests.cnppm.factories import MunicipalityFactory, OrganizationFactory, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_logs_in_accepts_consent_and_opens_the_cabinet(page, sign_in, shots):
    from playwright.sync_api import expect

    region = Region.objects.create(name="Приморский край", code="25", timezone="Asia/Vladivostok")
    school = OrganizationFactory(municipality=MunicipalityFactory(region=region), short_name="МБОУ СОШ № 7")
    teacher = make_person(
        Role.TEACHER,
        organization=school,
        username="petrova",
        last_name="Петрова",
        first_name="Анна",
        middle_name="Сергеевна",
        position="учитель физики",
    )
    ConsentDocument.objects.create(
        version="1.0",
        title="Согласие на обработку персональных данных",
        text="Я даю согласие ЦНППМ на обработку моих персональных данных.",
        is_current=True,
    )

    # a wrong password first: the error is announced
    sign_in(teacher, password="не-тот")
    expect(page.get_by_role("alert")).to_contain_text("Неверное имя пользователя или пароль.")

    sign_in(teacher)
    expect(page.get_by_role("heading", name="Согласие на обработку персональных данных")).to_be_visible()
    expect(page.get_by_text("Я даю согласие ЦНППМ на обработку моих персональных данных.")).to_be_visible()
    assert "/consent/" in page.url

    # submitting without the box does not pass (the box is required)
    page.get_by_role("button", name="Подтвердить согласие").click()
    assert "/consent/" in page.url
    assert not Consent.objects.exists()

    # keyboard: focus the box, tick it with the space bar, submit with Enter
    page.get_by_label("Текст согласия мною прочитан, и я даю согласие").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Подтвердить согласие").press("Enter")

    expect(page.get_by_role("heading", name="Личный кабинет")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Согласие на обработку персональных данных сохранено.")
    expect(page.locator("main")).to_contain_text("Петрова Анна Сергеевна")
    expect(page.locator("main")).to_contain_text("учитель физики")
    expect(page.locator("#cabinet-tz")).to_have_text("Asia/Vladivostok")
    expect(page.locator("#consent-given")).to_contain_text("редакция 1.0")
    expect(page.get_by_role("link", name="Личный кабинет")).to_have_attribute("aria-current", "page")
    shots("teacher-cabinet")
    assert Consent.objects.filter(user=teacher.user, withdrawn_at__isnull=True).count() == 1
